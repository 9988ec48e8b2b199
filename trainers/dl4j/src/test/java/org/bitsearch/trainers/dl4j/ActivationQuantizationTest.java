package org.bitsearch.trainers.dl4j;

import org.bitsearch.trainers.dl4j.data.Dataset;
import org.bitsearch.trainers.dl4j.data.DatasetLoader;
import org.bitsearch.trainers.dl4j.fast.FastStep;
import org.bitsearch.trainers.dl4j.model.Hyperparameters;
import org.bitsearch.trainers.dl4j.model.ModelFactory;
import org.bitsearch.trainers.dl4j.quant.ActivationQuantization;
import org.bitsearch.trainers.dl4j.quant.ActivationQuantizer;
import org.bitsearch.trainers.dl4j.quant.QuantizedActivation;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Activation quantization on DL4J's {@code fit} path ({@link QuantizedActivation}) with real Fashion-MNIST rows of
 * the shipped subset: the running-percentile calibration of α, the grid at inference, the clipped STE's gradient,
 * the configuration JSON (checkpoints), the fast step's fallback, and the pure arithmetic.
 */
class ActivationQuantizationTest {
    private static INDArray images, oneHot;

    @BeforeAll
    static void load() throws Exception {
        String root = System.getProperty("bitsearch.repoRoot");
        if (root == null) throw new IllegalStateException("system property bitsearch.repoRoot is not set (run through Maven)");
        Dataset data = DatasetLoader.load(Path.of(root, "data", "fashion-mnist-small"), "fashion-mnist");
        images = data.trainImages().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 512), org.nd4j.linalg.indexing.NDArrayIndex.all()).dup('c');
        oneHot = Dataset.oneHot(Arrays.copyOf(data.trainLabels(), 512), 10);
    }

    private static MultiLayerNetwork mlp(int weightBits, List<Integer> acts) {
        MultiLayerConfiguration conf = ModelFactory.build("mlp", List.of(64, 32), 28, 28, 10, List.of(weightBits, weightBits, weightBits),
                false, new Hyperparameters(1e-3, "adam", 0, 64), 11);
        ActivationQuantization.install(conf, acts);
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    private static INDArray rows(INDArray a, int from, int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) r[i] = from + i;
        return Nd4j.pullRows(a, 1, r);
    }

    @Test
    void alphaIsTheMovingAverageOfTheBatchPercentileAndInferenceLiesOnTheGrid() {
        MultiLayerNetwork net = mlp(4, List.of(3, 2, 32));
        QuantizedActivation q = ActivationQuantization.of(net.getLayers()).get(0);
        assertFalse(q.isSigned(), "after ReLU: unsigned");
        float expected = 0;
        for (int step = 0; step < 3; step++) {
            INDArray x = rows(images, 64 * step, 64);
            // the batch's ReLU output of layer 0 under the weights of this step, from a twin without activation quantization
            MultiLayerNetwork probe = new MultiLayerNetwork(ModelFactory.build("mlp", List.of(64, 32), 28, 28, 10, List.of(4, 4, 4),
                    false, new Hyperparameters(1e-3, "adam", 0, 64), 11));
            probe.init(net.params().dup(), false);
            float[] relu = probe.feedForwardToLayer(0, x, false).get(1).dup('c').data().asFloat();
            float p = ActivationQuantizer.percentile(relu, relu.length, false, null);
            expected = ActivationQuantizer.update(expected, step > 0, p);
            net.fit(x, rows(oneHot, 64 * step, 64));
            assertEquals(expected, q.getRunningClip(), 1e-5f * expected, "alpha after step " + step);
        }
        float alpha = q.getRunningClip();
        float[] a = net.feedForwardToLayer(0, rows(images, 300, 8), false).get(1).dup('c').data().asFloat();
        float step = alpha / 7;
        for (float v : a) {
            assertTrue(v >= 0 && v <= alpha * (1 + 1e-6f), "in [0, alpha]: " + v);
            assertEquals(v, (float) Math.rint(v / step) * step, 1e-6f, "on the 3-bit grid of alpha " + alpha);
        }
        assertEquals(alpha, q.getRunningClip(), "inference does not calibrate");
    }

    @Test
    void theGradientIsZeroWhereTheActivationWasClippedAndPassesInside() {
        QuantizedActivation q = new QuantizedActivation(new ActivationTanH(), 2);
        assertTrue(q.isSigned(), "tanh: signed");
        q.setRunningClip(0.5f);
        q.setCalibrated(true);
        q.setTrainBits(2);
        INDArray z = Nd4j.createFromArray(new float[][]{{-2f, -0.2f, 0f, 0.3f, 1.5f}});
        INDArray out = q.getActivation(z.dup(), true);
        float alpha = q.getRunningClip();
        float[] t = new float[5];
        for (int i = 0; i < 5; i++) t[i] = (float) Math.tanh(z.getFloat(0, i));
        for (int i = 0; i < 5; i++)
            assertEquals(org.bitsearch.trainers.packed.ReferenceInference.quantizeActivation(t[i], 2, true, alpha), out.getFloat(0, i), 0f);
        INDArray g = q.backprop(z.dup(), Nd4j.onesLike(z)).getFirst();
        for (int i = 0; i < 5; i++) {
            double inner = 1 - t[i] * t[i];
            assertEquals(Math.abs(t[i]) <= alpha ? inner : 0.0, g.getDouble(0, i), 1e-6, "element " + i + " (tanh " + t[i] + ", alpha " + alpha + ")");
        }
    }

    @Test
    void binarySignedActivationsAreSignWithTheClippedSteOfBinaryNet() {
        QuantizedActivation q = new QuantizedActivation(new org.nd4j.linalg.activations.impl.ActivationIdentity(), 1);
        INDArray z = Nd4j.createFromArray(new float[][]{{-3f, -0.5f, 0f, 0.7f, 2f}});
        INDArray out = q.getActivation(z.dup(), true);
        assertArrayEquals(new float[]{-1f, -1f, 1f, 1f, 1f}, out.toFloatVector());
        assertArrayEquals(new float[]{0f, 1f, 1f, 1f, 0f}, q.backprop(z.dup(), Nd4j.onesLike(z)).getFirst().toFloatVector());
    }

    @Test
    void theConfigurationJsonKeepsAlphaAndTheFastStepCoversIt() {
        MultiLayerNetwork net = mlp(4, List.of(4, 8, 32));
        net.fit(rows(images, 0, 64), rows(oneHot, 0, 64));
        QuantizedActivation q = ActivationQuantization.of(net.getLayers()).get(0);
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(net.getLayerWiseConfigurations().toJson());
        assertEquals(q, ((BaseLayer) back.getConf(0).getLayer()).getActivationFn(), "alpha, bits and state survive (checkpoints)");
        assertEquals(Arrays.asList(q, ActivationQuantization.of(net.getLayers()).get(1), null), ActivationQuantization.of(net.getLayers()));
        assertEquals(java.util.Optional.empty(), FastStep.unsupported(net), "the fast step covers activation quantization");
        var e = assertThrows(IllegalArgumentException.class, () -> mlp(4, List.of(4, 8, 8)));
        assertEquals("activationBits[2] is 8, but must be 32: the last layer's output is the model's prediction (softmax), which is not quantized", e.getMessage());
    }

    @Test
    void percentileIsTheNearestRankAndSelectAgreesWithSorting() {
        SplittableRandom rng = new SplittableRandom(4);
        for (int trial = 0; trial < 50; trial++) {
            int n = 1 + rng.nextInt(3000);
            float[] v = new float[n];
            for (int i = 0; i < n; i++) v[i] = rng.nextInt(5) == 0 ? 0f : (float) (rng.nextGaussian() * 2);
            float[] abs = new float[n];
            for (int i = 0; i < n; i++) abs[i] = Math.abs(v[i]);
            Arrays.sort(abs);
            int k = (int) Math.ceil(ActivationQuantizer.PERCENTILE / 100 * n) - 1;
            assertEquals(abs[Math.max(0, k)], ActivationQuantizer.percentile(v, n, true, null), "n " + n);
        }
        assertEquals(1f, ActivationQuantizer.update(0f, false, 1f));
        assertEquals(0.9f * 2f + 0.1f * 1f, ActivationQuantizer.update(2f, true, 1f), 1e-6f);
        assertEquals(ActivationQuantizer.MIN_CLIP, ActivationQuantizer.update(0f, false, 0f));
    }
}
