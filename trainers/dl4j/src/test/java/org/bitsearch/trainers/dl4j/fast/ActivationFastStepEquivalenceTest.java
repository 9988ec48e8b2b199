package org.bitsearch.trainers.dl4j.fast;

import org.bitsearch.trainers.dl4j.NativeThreads;
import org.bitsearch.trainers.dl4j.data.Dataset;
import org.bitsearch.trainers.dl4j.data.DatasetLoader;
import org.bitsearch.trainers.dl4j.model.Hyperparameters;
import org.bitsearch.trainers.dl4j.model.ModelFactory;
import org.bitsearch.trainers.dl4j.quant.ActivationQuantization;
import org.bitsearch.trainers.dl4j.quant.ActivationQuantizer;
import org.bitsearch.trainers.dl4j.quant.QuantizedActivation;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Activation quantization on the fast step against DL4J's {@code fit} with {@link QuantizedActivation} (real
 * Fashion-MNIST rows of the shipped subset): the same calibrated clipping values α, score and gradients of the first
 * step, then optimizer steps each started from fit's state (as {@link FastStepEquivalenceTest} does).
 *
 * <p>Besides the pixel jitter of that test the biases start at small random values instead of 0: quantized
 * activations times quantized weights are products of two grids, and with zero biases a pre-activation often sums
 * to exactly zero in one path and to ±1 ulp in the other (the two products sum in different orders), which flips
 * ReLU's derivative: with zero biases the first-step gradients differed by 1-13 % (W4/A2 to W1/A1), with jittered
 * biases they agree to float rounding.
 *
 * <p>Both paths run at one native thread, set here whatever earlier tests in the JVM applied: at one thread the two
 * paths' OpenBLAS products add their terms in the same order (the calibrated α agree to the bit), at two threads the
 * fast step's products differ in their last bits. That matters where activations tie, which no jitter can prevent:
 * after a 1-bit activation layer (inputs exactly 0 or α) with 2-bit weights, each unit's pre-activations take few
 * distinct values (α times a sum of grid weights, plus the unit's bias), the {@value ActivationQuantizer#PERCENTILE}th
 * percentile that sets the next layer's α falls into such a group of mathematically equal values, and which of them
 * count as ≤ α (the straight-through mask) is then decided by their last bits. At two threads one of the W2/A1
 * case's 4,096 second-layer activations was clipped on the fast step and not on {@code fit}: gradients 2.3 % apart.
 * The test ran at whatever thread count an earlier test's trainer had chosen from the machine's load until
 * {@link NativeThreads} stopped choosing it so.
 */
class ActivationFastStepEquivalenceTest {
    private static final int ROWS = 2000;
    private static INDArray images, oneHot;
    private static int[] labels;

    @BeforeAll
    static void load() throws Exception {
        NativeThreads.apply(1);
        String root = System.getProperty("bitsearch.repoRoot");
        if (root == null) throw new IllegalStateException("system property bitsearch.repoRoot is not set (run through Maven)");
        Dataset data = DatasetLoader.load(Path.of(root, "data", "fashion-mnist-small"), "fashion-mnist");
        float[] px = data.trainImages().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, ROWS),
                org.nd4j.linalg.indexing.NDArrayIndex.all()).dup('c').data().asFloat();
        SplittableRandom jitter = new SplittableRandom(99);
        for (int i = 0; i < px.length; i++) px[i] += (float) ((jitter.nextDouble() - 0.5) * 2e-3);
        images = Nd4j.create(px, new long[]{ROWS, 784}, 'c');
        labels = Arrays.copyOf(data.trainLabels(), ROWS);
        oneHot = Dataset.oneHot(labels, 10);
    }

    private static MultiLayerNetwork net(String model, int weightBits, List<Integer> acts, int batch) {
        List<Integer> hidden = model.equals("mlp") ? List.of(64, 32) : List.of(32);
        int layers = model.equals("mlp") ? 3 : 4;
        MultiLayerConfiguration conf = ModelFactory.build(model, hidden, 28, 28, 10, java.util.Collections.nCopies(layers, weightBits),
                false, new Hyperparameters(1e-3, "adam", 0, batch), 11);
        ActivationQuantization.install(conf, acts);
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        SplittableRandom rng = new SplittableRandom(17);
        for (var l : net.getLayers()) {
            INDArray b = l.paramTable().get("b");
            if (b != null) for (long i = 0; i < b.length(); i++) b.putScalar(i, (rng.nextDouble() - 0.5) * 0.02);
        }
        return net;
    }

    private static MultiLayerNetwork twin(MultiLayerNetwork ref) {
        MultiLayerNetwork t = new MultiLayerNetwork(MultiLayerConfiguration.fromJson(ref.getLayerWiseConfigurations().toJson()));
        t.init(ref.params().dup(), true);
        return t;
    }

    private static int[] rows(SplittableRandom rng, int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) r[i] = rng.nextInt(ROWS);
        return r;
    }

    private static float[] clips(MultiLayerNetwork net) {
        List<QuantizedActivation> acts = ActivationQuantization.of(net.getLayers());
        float[] c = new float[acts.size()];
        for (int i = 0; i < c.length; i++) c[i] = acts.get(i) == null ? 0f : acts.get(i).getRunningClip();
        return c;
    }

    private static void assertClipsEqual(float[] expected, float[] actual, String where) {
        for (int i = 0; i < expected.length; i++)
            assertEquals(expected[i], actual[i], 1e-5 * Math.max(1, expected[i]), where + ": alpha of layer " + i);
    }

    private static float[] minus(float[] a, float[] b) {
        float[] d = new float[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i] - b[i];
        return d;
    }

    @ParameterizedTest(name = "{0}, W{1}, A {2}")
    @CsvSource(delimiter = ';', value = {"mlp;32;8,8,32", "mlp;4;4,2,32", "mlp;2;1,1,32", "mlp;8;32,3,32", "mlp;4;2,32,32",
            "cnn;4;4,4,8,32", "cnn;32;2,8,1,32", "cnn;1;1,1,1,32"})
    void fastStepEqualsFit(String model, int weightBits, String actsText) {
        List<Integer> acts = Arrays.stream(actsText.split(",")).map(Integer::valueOf).toList();
        int batch = model.equals("mlp") ? 128 : 32;
        MultiLayerNetwork ref = net(model, weightBits, acts, batch);
        MultiLayerNetwork fastNet = twin(ref);
        assertTrue(FastStep.unsupported(fastNet).isEmpty(), FastStep.unsupported(fastNet).orElse(""));
        SplittableRandom rng = new SplittableRandom(weightBits * 31L + acts.hashCode());
        try (FastStep fast = FastStep.of(fastNet, images, labels, batch)) {
            int[] r = rows(rng, batch);
            ref.setInput(Nd4j.pullRows(images, 1, r));
            ref.setLabels(Nd4j.pullRows(oneHot, 1, r));
            ref.computeGradientAndScore();
            double score = fast.computeGradients(r);
            assertClipsEqual(clips(ref), clips(fastNet), "first step");
            float[] c = clips(ref);
            for (int i = 0; i < acts.size(); i++) assertEquals(acts.get(i) != 32, c[i] > 0, "alpha calibrated where quantized: " + Arrays.toString(c));
            assertEquals(ref.score(), score, 1e-5 * ref.score(), "score");
            double g = FastStepEquivalenceTest.relErr(ref.gradient().gradient().toFloatVector(), fast.lastGradients());
            assertTrue(g < 1e-5, "gradient relative error " + g);
            for (int s = 0; s < 3; s++) {
                int[] rr = rows(rng, s == 2 ? 17 : batch);
                fastNet.params().assign(ref.params());
                fastNet.getUpdater().getStateViewArray().assign(ref.getUpdater().getStateViewArray());
                fastNet.setIterationCount(ref.getIterationCount());
                List<QuantizedActivation> ra = ActivationQuantization.of(ref.getLayers()), fa = ActivationQuantization.of(fastNet.getLayers());
                for (int i = 0; i < ra.size(); i++) if (ra.get(i) != null) fa.get(i).setRunningClip(ra.get(i).getRunningClip());
                fast.load();
                float[] before = ref.params().toFloatVector();
                ref.fit(Nd4j.pullRows(images, 1, rr), Nd4j.pullRows(oneHot, 1, rr));
                fast.step(rr);
                fast.store();
                assertClipsEqual(clips(ref), clips(fastNet), "step " + s);
                double u = FastStepEquivalenceTest.relErr(minus(ref.params().toFloatVector(), before), minus(fastNet.params().toFloatVector(), before));
                assertTrue(u < 1e-4, "update of step " + s + ": relative error " + u);
            }
        }
    }
}
