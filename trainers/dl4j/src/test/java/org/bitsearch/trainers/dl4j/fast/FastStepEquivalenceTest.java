package org.bitsearch.trainers.dl4j.fast;

import org.bitsearch.trainers.dl4j.model.Hyperparameters;
import org.bitsearch.trainers.dl4j.data.Dataset;
import org.bitsearch.trainers.dl4j.data.DatasetLoader;
import org.bitsearch.trainers.dl4j.model.ModelFactory;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fast step against DL4J's {@code fit} from the same parameters and minibatches (real Fashion-MNIST rows):
 * first-step gradients and score, then several optimizer steps, each started from fit's state so that a weight
 * crossing a quantization boundary by one rounding step cannot amplify into later steps; and FP32 over several
 * steps without resynchronising. Tolerances are relative L2 errors; float rounding alone gives about 1e-7.
 *
 * <p>The pixels get a small fixed jitter (±1e-3): with ternary and binary weights every weight of a layer is ±α or
 * 0, and on pixels of the 1/255 grid a pre-activation can cancel to exactly zero, where ReLU's derivative depends
 * on the order in which a product sums (DL4J's and the fast step's gemm calls sum differently): one such unit moved
 * a layer's gradient by 2e-3 in a first version of this test. The jitter keeps the comparison about the step, not
 * about ties.
 */
class FastStepEquivalenceTest {
    private static final int ROWS = 4000;
    private static Dataset data;
    private static INDArray images, oneHot;
    private static int[] labels;

    @BeforeAll
    static void load() throws Exception {
        // the repository's own 4000-image subset (data/fashion-mnist-small): a plain clone has no ../shared
        String root = System.getProperty("bitsearch.repoRoot");
        if (root == null) throw new IllegalStateException("system property bitsearch.repoRoot is not set (run through Maven)");
        data = DatasetLoader.load(Path.of(root, "data", "fashion-mnist-small"), "fashion-mnist");
        float[] px = data.trainImages().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, ROWS),
                org.nd4j.linalg.indexing.NDArrayIndex.all()).dup('c').data().asFloat();
        SplittableRandom jitter = new SplittableRandom(99);
        for (int i = 0; i < px.length; i++) px[i] += (float) ((jitter.nextDouble() - 0.5) * 2e-3);
        images = Nd4j.create(px, new long[]{ROWS, 784}, 'c');
        labels = java.util.Arrays.copyOf(data.trainLabels(), ROWS);
        oneHot = Dataset.oneHot(labels, 10);
    }

    private static MultiLayerNetwork mlp(int bits, boolean perChannel, Hyperparameters hp) {
        MultiLayerConfiguration conf = ModelFactory.build("mlp", List.of(64, 32), 28, 28, 10, List.of(bits, bits, bits), perChannel, hp, 11);
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    private static MultiLayerNetwork cnn(int bits, boolean perChannel, Hyperparameters hp) {
        MultiLayerConfiguration conf = ModelFactory.build("cnn", List.of(32), 28, 28, 10, List.of(bits, bits, bits, bits), perChannel, hp, 13);
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    private static MultiLayerNetwork twin(MultiLayerNetwork ref) {
        MultiLayerNetwork t = new MultiLayerNetwork(ref.getLayerWiseConfigurations().clone());
        t.init(ref.params().dup(), true);
        return t;
    }

    private static int[] rows(SplittableRandom rng, int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) r[i] = rng.nextInt(ROWS);
        return r;
    }

    static double relErr(float[] expected, float[] actual) {
        double num = 0, den = 0;
        for (int i = 0; i < expected.length; i++) {
            double d = expected[i] - actual[i];
            num += d * d;
            den += (double) expected[i] * expected[i];
        }
        return Math.sqrt(num / Math.max(den, 1e-30));
    }

    private static float[] minus(float[] a, float[] b) {
        float[] d = new float[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i] - b[i];
        return d;
    }

    @ParameterizedTest(name = "{0} bits, per-channel {1}")
    @CsvSource({"32,false", "8,false", "4,false", "4,true", "2,false", "1,false", "1,true"})
    void gradientsAndAdamStepsEqualFit(int bits, boolean perChannel) {
        MultiLayerNetwork ref = mlp(bits, perChannel, new Hyperparameters(1e-3, "adam", 0, 128));
        MultiLayerNetwork fastNet = twin(ref);
        SplittableRandom rng = new SplittableRandom(bits);
        try (FastStep fast = FastStep.of(fastNet, images, labels, 128)) {
            int[] r = rows(rng, 128);
            ref.setInput(Nd4j.pullRows(images, 1, r));
            ref.setLabels(Nd4j.pullRows(oneHot, 1, r));
            ref.computeGradientAndScore();
            double score = fast.computeGradients(r);
            assertEquals(ref.score(), score, 1e-5 * ref.score(), "score");
            double g = relErr(ref.gradient().gradient().toFloatVector(), fast.lastGradients());
            assertTrue(g < 1e-5, "gradient relative error " + g);
            stepsFromFitsState(ref, fastNet, fast, rng, 5, 1e-4);
        }
    }

    @ParameterizedTest(name = "cnn, {0} bits, per-channel {1}")
    @CsvSource({"32,false", "8,false", "4,true", "2,false", "1,true"})
    void cnnGradientsAndAdamStepsEqualFit(int bits, boolean perChannel) {
        MultiLayerNetwork ref = cnn(bits, perChannel, new Hyperparameters(1e-3, "adam", 0, 32));
        MultiLayerNetwork fastNet = twin(ref);
        assertTrue(FastStep.unsupported(fastNet).isEmpty(), FastStep.unsupported(fastNet).orElse(""));
        SplittableRandom rng = new SplittableRandom(bits + 100);
        try (FastStep fast = FastStep.of(fastNet, images, labels, 32)) {
            int[] r = rows(rng, 32);
            ref.setInput(Nd4j.pullRows(images, 1, r));
            ref.setLabels(Nd4j.pullRows(oneHot, 1, r));
            ref.computeGradientAndScore();
            double score = fast.computeGradients(r);
            assertEquals(ref.score(), score, 1e-5 * ref.score(), "score");
            float[] expected = ref.gradient().gradient().toFloatVector();
            double g = relErr(expected, fast.lastGradients());
            assertTrue(g < 1e-5, "gradient relative error " + g);
            stepsFromFitsState(ref, fastNet, fast, rng, 3, 1e-4);
        }
    }

    /** Each step starts from fit's parameters and updater state; the updates (θ after − θ before) must agree. */
    private static void stepsFromFitsState(MultiLayerNetwork ref, MultiLayerNetwork fastNet, FastStep fast,
                                           SplittableRandom rng, int steps, double tolerance) {
        for (int s = 0; s < steps; s++) {
            int[] r = rows(rng, s == steps - 1 ? 17 : fast.maxBatch()); // an epoch's shorter last batch too
            fastNet.params().assign(ref.params());
            INDArray state = ref.getUpdater().getStateViewArray();
            if (state != null) fastNet.getUpdater().getStateViewArray().assign(state);
            fastNet.setIterationCount(ref.getIterationCount());
            fast.load();
            float[] before = ref.params().toFloatVector();
            ref.fit(Nd4j.pullRows(images, 1, r), Nd4j.pullRows(oneHot, 1, r));
            double score = fast.step(r);
            fast.store();
            assertEquals(ref.score(), score, 1e-4 * Math.abs(ref.score()), "score of step " + s);
            double u = relErr(minus(ref.params().toFloatVector(), before), minus(fastNet.params().toFloatVector(), before));
            assertTrue(u < tolerance, "update of step " + s + ": relative error " + u);
            if (state != null) {
                double e = relErr(ref.getUpdater().getStateViewArray().toFloatVector(), fastNet.getUpdater().getStateViewArray().toFloatVector());
                assertTrue(e < tolerance, "updater state after step " + s + ": relative error " + e);
            }
            assertEquals(ref.getIterationCount(), fastNet.getIterationCount(), "iteration count");
        }
    }

    @ParameterizedTest(name = "{0}, weight decay {1}, {2} bits")
    @CsvSource({"sgd,0,32", "sgd,0.01,4", "nesterovs,0,32", "nesterovs,0.01,2", "adam,0.01,32", "adam,0.01,1"})
    void otherOptimizersAndWeightDecayEqualFit(String optimizer, double decay, int bits) {
        MultiLayerNetwork ref = mlp(bits, false, new Hyperparameters(optimizer.equals("adam") ? 1e-3 : 0.05, optimizer, decay, 128));
        MultiLayerNetwork fastNet = twin(ref);
        try (FastStep fast = FastStep.of(fastNet, images, labels, 128)) {
            stepsFromFitsState(ref, fastNet, fast, new SplittableRandom(3), 4, 1e-4);
        }
    }

    @Test
    void fullPrecisionStaysWithFitOverManySteps() {
        MultiLayerNetwork ref = mlp(32, false, new Hyperparameters(1e-3, "adam", 0, 128));
        MultiLayerNetwork fastNet = twin(ref);
        SplittableRandom rng = new SplittableRandom(5);
        try (FastStep fast = FastStep.of(fastNet, images, labels, 128)) {
            for (int s = 0; s < 20; s++) {
                int[] r = rows(rng, 128);
                ref.fit(Nd4j.pullRows(images, 1, r), Nd4j.pullRows(oneHot, 1, r));
                fast.step(r);
            }
            fast.store();
        }
        double e = relErr(ref.params().toFloatVector(), fastNet.params().toFloatVector());
        assertTrue(e < 1e-5, "parameters after 20 steps: relative error " + e);
        INDArray x = Nd4j.pullRows(images, 1, new int[]{0, 1, 2, 3});
        double out = ref.output(x).sub(fastNet.output(x)).amaxNumber().doubleValue();
        assertTrue(out < 1e-5, "net.output differs by " + out);
    }

    @Test
    void layersItDoesNotCoverAreReportedForTheFitFallback() {
        MultiLayerConfiguration tanh = new NeuralNetConfiguration.Builder().seed(1).list()
                .layer(new DenseLayer.Builder().nIn(784).nOut(16).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(16).nOut(10).activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(tanh);
        net.init();
        String why = FastStep.unsupported(net).orElseThrow();
        assertTrue(why.contains("layer 0") && why.contains("activation"), why);
        MultiLayerConfiguration dropout = new NeuralNetConfiguration.Builder().seed(1).list()
                .layer(new DenseLayer.Builder().nIn(784).nOut(16).activation(Activation.RELU).dropOut(0.5).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(16).nOut(10).activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net2 = new MultiLayerNetwork(dropout);
        net2.init();
        assertTrue(FastStep.unsupported(net2).orElseThrow().contains("dropout"), FastStep.unsupported(net2).orElse(""));
        assertTrue(FastStep.unsupported(mlp(4, false, new Hyperparameters(1e-3, "adam", 0, 128))).isEmpty());
    }
}
