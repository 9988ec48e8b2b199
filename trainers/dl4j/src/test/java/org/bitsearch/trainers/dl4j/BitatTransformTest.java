package org.bitsearch.trainers.dl4j;

import org.bitsearch.trainers.dl4j.quant.BitatTransform;
import org.bitsearch.trainers.dl4j.quant.QuantizedWeightNoise;
import org.bitsearch.trainers.dl4j.quant.TransformConfig;
import org.bitsearch.trainers.dl4j.schedule.ScheduleConfig;
import org.bitsearch.search.space.BitAllocation;
import org.bitsearch.search.trainer.TrialContext;
import org.bitsearch.search.trial.Candidate;
import org.bitsearch.search.trial.EpochMetrics;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import org.nd4j.linalg.inverse.InvertMatrix;

/**
 * BiTAT's transformation (arXiv:2207.01394): orthonormal, importance-weighted quantization in its basis lowers the
 * error of the layer's outputs against plain quantization at the same bits, and a DL4J run with it trains.
 */
class BitatTransformTest {
    @TempDir Path dir;

    /** Correlated inputs: z·A with A's rows scaled by 0.85^i (an anisotropic spectrum), seeded. */
    private static INDArray correlatedInputs(int n, int d, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray a = Nd4j.randn(DataType.FLOAT, d, d);
        for (int i = 0; i < d; i++) a.getRow(i).muli(Math.pow(0.85, i));
        return Nd4j.randn(DataType.FLOAT, n, d).mmul(a);
    }

    /** ‖x(W − Ŵ)‖² / ‖xW‖²: the relative error of the layer's outputs. */
    private static double outputError(INDArray x, INDArray w, INDArray q) {
        INDArray y = x.mmul(w);
        return x.mmul(w.sub(q)).norm2Number().doubleValue() / y.norm2Number().doubleValue();
    }

    @Test
    void theTransformationIsOrthonormal() {
        INDArray x = correlatedInputs(400, 48, 1);
        BitatTransform t = BitatTransform.fromInputs(x);
        INDArray u = t.basis();
        INDArray qtq = u.transpose().mmul(u);
        double err = qtq.sub(Nd4j.eye(48).castTo(DataType.FLOAT)).amaxNumber().doubleValue();
        assertTrue(err < 1e-4, "UᵀU = I to 1e-4: max deviation " + err);
        double err2 = u.mmul(u.transpose()).sub(Nd4j.eye(48).castTo(DataType.FLOAT)).amaxNumber().doubleValue();
        assertTrue(err2 < 1e-4, "UUᵀ = I to 1e-4: " + err2);
        float[] s = t.importance();
        double mean = 0;
        for (float v : s) mean += v / s.length;
        assertEquals(1.0, mean, 1e-3, "importances are eigenvalues over their mean");
        float max = 0, min = Float.MAX_VALUE;
        for (float v : s) { max = Math.max(max, v); min = Math.min(min, v); }
        assertTrue(max / min > 100, "correlated inputs: a spread spectrum, " + min + " .. " + max);
        assertThrows(IllegalArgumentException.class, () -> t.quantize(Nd4j.zeros(DataType.FLOAT, 47, 3), 1));
    }

    @Test
    void importanceWeightedQuantizationInTheBasisLowersTheOutputErrorAgainstPlainQuantization() {
        int d = 64, n = 32;
        INDArray x = correlatedInputs(2000, d, 2);
        // weights fitted to the data, as training fits them: least squares of a teacher plus label noise, so that the
        // directions the inputs rarely take carry large, useless weights (the plain scale pays for them)
        Nd4j.getRandom().setSeed(3);
        INDArray teacher = Nd4j.randn(DataType.FLOAT, d, n);
        INDArray y = x.mmul(teacher).addi(Nd4j.randn(DataType.FLOAT, 2000, n).muli(0.5));
        INDArray xtx = x.transpose().mmul(x).addi(Nd4j.eye(d).castTo(DataType.FLOAT).muli(1e-3));
        INDArray w = InvertMatrix.invert(xtx, false).mmul(x.transpose().mmul(y));
        BitatTransform t = BitatTransform.fromInputs(x);
        for (int bits : List.of(1, 2, 4)) {
            double plain = outputError(x, w, QuantizedWeightNoise.quantize(w, bits, false));
            double bitat = outputError(x, w, t.quantize(w, bits));
            float[] ones = new float[d];
            Arrays.fill(ones, 1f);
            double basisOnly = outputError(x, w, BitatTransform.of(t.basis(), ones).quantize(w, bits));
            System.out.printf("bits %d: relative output error plain %.4f, basis without importance %.4f, bitat %.4f%n", bits, plain, basisOnly, bitat);
            assertTrue(bitat < plain, bits + " bits: bitat " + bitat + " must beat plain " + plain);
            assertTrue(bitat < basisOnly, bits + " bits: the importance weighting itself helps: " + bitat + " vs " + basisOnly);
        }
    }

    /**
     * On trained Fashion-MNIST layers (one epoch), the paper's property that the importance weighting lowers the
     * layer's output error: against the same basis and the same importance groups with the weighting removed
     * (importance replaced by a flat vector in the same order, so the groups are unchanged), at 1, 2 and 4 bits. Against
     * plain quantization (no transform) it wins only at 4 bits here: at 1 and 2 bits plain is lower on these layers
     * (printed, README "BiTAT"), which is this implementation's measured limitation, so it is asserted at 4 bits only.
     */
    @Test
    void onTrainedFashionMnistLayersTheImportanceWeightingLowersTheOutputError() throws Exception {
        Dl4jTrainer trainer = new Dl4jTrainer(TestData.small(1000).withValidationSize(300));
        try (var run = (Dl4jTrainingRun) trainer.open(TestData.context(List.of(32, 32, 32), 5, Optional.empty()))) {
            run.trainEpoch();
            MultiLayerNetwork net = run.network();
            int[] rows = trainer.data().trainIndices();
            INDArray x = Nd4j.create(DataType.FLOAT, 512, trainer.data().dataset().features());
            Nd4j.pullRows(trainer.data().dataset().trainImages(), x, 1, Arrays.copyOf(rows, 512));
            for (int layer = 0; layer < 2; layer++) {
                INDArray in = layer == 0 ? x : net.feedForwardToLayer(layer - 1, x, false).get(layer);
                INDArray w = net.getLayer(layer).getParam("W").dup();
                BitatTransform t = BitatTransform.fromInputs(in);
                BitatTransform unweighted = BitatTransform.of(t.basis(), flatInTheSameOrder(t.importance()));
                for (int bits : List.of(1, 2, 4)) {
                    double plain = outputError(in, w, QuantizedWeightNoise.quantize(w, bits, false));
                    double bitat = outputError(in, w, t.quantize(w, bits));
                    double flat = outputError(in, w, unweighted.quantize(w, bits));
                    System.out.printf("trained layer %d, %d bits: relative output error plain %.4f, same groups unweighted %.4f, bitat %.4f%n",
                            layer, bits, plain, flat, bitat);
                    assertTrue(bitat < flat, "layer " + layer + ", " + bits + " bits: the importance weighting must lower the output error: "
                            + bitat + " vs " + flat + " without it");
                    if (bits == 4) assertTrue(bitat < plain, "layer " + layer + ", 4 bits: bitat " + bitat + " vs plain " + plain);
                }
            }
        }
    }

    /** Importances 1 + 1e-6·rank: the same descending order (so the same groups), but no weighting to speak of. */
    private static float[] flatInTheSameOrder(float[] s) {
        Integer[] order = new Integer[s.length];
        for (int i = 0; i < s.length; i++) order[i] = i;
        // ascending, ties by descending index: reversed, exactly the descending stable order the transform groups by
        Arrays.sort(order, (a, b) -> s[a] != s[b] ? Float.compare(s[a], s[b]) : Integer.compare(b, a));
        float[] out = new float[s.length];
        for (int r = 0; r < s.length; r++) out[order[r]] = 1f + 1e-6f * r;
        return out;
    }

    @Test
    void aProgressiveBitatRunTrainsOnTheShippedDataAndResumesToTheSameModel() throws Exception {
        Dl4jTrainerConfig config = TestData.small(1500).withValidationSize(500)
                .withSchedule(new ScheduleConfig("progressive", "forward", 1))
                .withTransform(new TransformConfig("bitat", 256));
        Dl4jTrainer trainer = new Dl4jTrainer(config);
        Path cp = dir.resolve("cp.zip");
        double acc;
        try (var run = (Dl4jTrainingRun) trainer.open(TestData.context(List.of(1, 1, 1), 7, Optional.empty()))) {
            assertTrue(run.fitReason() != null && run.fitReason().contains("bitat"), "BiTAT trains on the fit path: " + run.fitReason());
            for (int e = 0; e < 3; e++) run.trainEpoch();
            var last = run.trainEpoch();
            assertTrue(last.valAccuracy() > 0.5, "a binarized MLP with BiTAT learns (chance is 0.1): " + last);
            assertEquals(last.valAccuracy(), last.currentAccuracy(), "epoch 4: every layer is quantized");
            run.noises().forEach(q -> assertTrue(q.transform() != null, "every dense layer has its transform"));
            run.saveCheckpoint(cp);
            acc = run.testAccuracy();
        }
        try (var resumed = (Dl4jTrainingRun) trainer.open(TestData.context(List.of(1, 1, 1), 7, Optional.of(cp)))) {
            assertEquals(acc, resumed.testAccuracy(), "the transforms are recomputed from the weights and data on open");
        }
    }

    @Test
    void bitatsOneBitWeightsOneBitActivationsSettingTrainsOnTheShippedData() throws Exception {
        Dl4jTrainer trainer = new Dl4jTrainer(TestData.small(1500).withValidationSize(500)
                .withSchedule(new ScheduleConfig("progressive", "forward", 1))
                .withTransform(new TransformConfig("bitat", 256)));
        Candidate c = new Candidate(Map.of(), BitAllocation.of(1, 1, 1), BitAllocation.of(1, 1, 32));
        Path cp = dir.resolve("wa.zip");
        double acc;
        try (var run = (Dl4jTrainingRun) trainer.open(new TrialContext(0, c, 7, 10, Optional.empty(), "cpu:0"))) {
            EpochMetrics last = null;
            for (int e = 0; e < 4; e++) last = run.trainEpoch();
            assertTrue(last.valAccuracy() > 0.3, "1-bit weights and 1-bit activations with BiTAT learn (chance is 0.1): " + last);
            run.noises().forEach(q -> assertTrue(q.transform() != null, "every dense layer has its transform"));
            run.saveCheckpoint(cp);
            acc = run.testAccuracy();
        }
        try (var resumed = (Dl4jTrainingRun) trainer.open(new TrialContext(0, c, 7, 10, Optional.of(cp), "cpu:0"))) {
            assertEquals(acc, resumed.testAccuracy(), "resumed with its transforms and activation ranges");
        }
    }
}
