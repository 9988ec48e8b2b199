package org.bitsearch.trainers.dl4j;

import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.trainers.dl4j.quant.CpqQuantizer;
import org.bitsearch.trainers.dl4j.quant.QuantizedWeightNoise;
import org.bitsearch.trainers.dl4j.schedule.CpqConfig;
import org.bitsearch.trainers.dl4j.schedule.DropBitsConfig;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code trainer.quantizer: cpq} on real DL4J training (the fit path) on the shipped Fashion-MNIST subset. */
class CpqTrainingTest {
    @TempDir Path dir;

    private static Dl4jTrainer trainer(int train, CpqConfig cpq) {
        return new Dl4jTrainer(TestData.small(train).withValidationSize(500).withCpq(cpq));
    }

    private static List<INDArray> weights(MultiLayerNetwork net) {
        List<INDArray> out = new ArrayList<>();
        for (Layer l : net.getLayers()) if (l.numParams() > 0) out.add(l.getParam(QuantizedWeightNoise.WEIGHT_KEY).dup());
        return out;
    }

    @Test
    void aCpqRunLearnsItsBitsReportsThemAndEvaluatesOnTheirGrids() throws Exception {
        CpqConfig cpq = new CpqConfig(1.0 / 3, "argmax", 0.1, true, 2, 3, 0.1);
        Dl4jTrainer t = trainer(2000, cpq);
        try (Dl4jTrainingRun run = (Dl4jTrainingRun) t.open(TestData.context(List.of(4, 4, 4), 3, Optional.empty()))) {
            assertTrue(run.fitReason().contains("cpq"), run.fitReason());
            List<EpochMetrics> reports = new ArrayList<>();
            for (int e = 0; e < 3; e++) reports.add(run.trainEpoch());
            for (EpochMetrics m : reports) {
                assertEquals(3, m.learnedBits().size(), m.toString());
                for (int b : m.learnedBits()) assertTrue(b >= 2 && b <= 4, m.toString());
            }
            EpochMetrics last = reports.get(2);
            assertTrue(last.valAccuracy() > 0.6, "trained for real: " + last);
            assertTrue(last.learnedBits().stream().mapToInt(Integer::intValue).sum() < 12,
                    "λ = 3 drops at least one level somewhere: " + last.learnedBits());
            assertEquals(last.learnedBits(), run.targetBits());
            // the evaluated (and exported) model's weights lie on each layer's learned grid G_b of the grid B = 4
            MultiLayerNetwork copy = run.quantizedCopy();
            List<INDArray> q = weights(copy), full = weights(run.network());
            for (int i = 0; i < 3; i++) {
                int b = last.learnedBits().get(i);
                float[] w = full.get(i).dup('f').data().asFloat(), v = q.get(i).dup('f').data().asFloat();
                float alpha = CpqQuantizer.alpha(w, 0, w.length, 4);
                Set<Long> grid = new HashSet<>();
                for (int k : CpqQuantizer.gridUnits(4, b)) grid.add((long) k);
                Set<Float> distinct = new HashSet<>();
                for (float x : v) {
                    assertTrue(grid.contains((long) Math.round(x / alpha)), "layer " + i + ": " + x / alpha + "·α is not in G_" + b);
                    distinct.add(x);
                }
                assertTrue(distinct.size() <= grid.size());
            }
            // the inference path is that of the quantized copy
            INDArray x = t.data().validation().batches().get(0);
            assertEquals(copy.output(x, false), run.network().output(x, false));
            // both export forms are the learned-bits model: plain DL4J and the packed reference inference give the
            // run's test accuracy exactly, and the packed layers carry the learned bits
            double reported = run.testAccuracy();
            Path file = dir.resolve("cpq.zip");
            run.exportModel(file);
            MultiLayerNetwork plain = org.deeplearning4j.util.ModelSerializer.restoreMultiLayerNetwork(file.toFile(), false);
            assertEquals(reported, ModelExportTest.accuracy(plain, t.data().test()), 0.0);
            org.bitsearch.trainers.packed.PackedModel packed = org.bitsearch.trainers.packed.PackedModel.fromBytes(
                    org.bitsearch.trainers.dl4j.export.ModelExport.packedEntry(file).orElseThrow());
            assertEquals(reported, new org.bitsearch.trainers.packed.ReferenceInference(packed)
                    .accuracy(ModelExportTest.rows(t.data().test()), t.data().test().labels()), 0.0);
            List<Integer> packedBits = packed.layers().stream().filter(org.bitsearch.trainers.packed.PackedLayer::weighted)
                    .map(org.bitsearch.trainers.packed.PackedLayer::bits).toList();
            assertEquals(last.learnedBits(), packedBits);
        }
    }

    @Test
    void theMultiClassSteBackwardActsOnTheFitPath() throws Exception {
        // at a tiny noise scale m(W) vanishes except near the grid's interval boundaries: far fewer weights move
        int[] moved = new int[2];
        double[] rhos = {1.0 / 3, 0.01};
        for (int r = 0; r < 2; r++) {
            CpqConfig cpq = new CpqConfig(rhos[r], "argmax", 0, false, 2, 0, 0.01);
            try (Dl4jTrainingRun run = (Dl4jTrainingRun) trainer(500, cpq).open(TestData.context(List.of(4, 4, 4), 8, Optional.empty()))) {
                float[] before = run.network().getLayer(0).getParam("W").dup().data().asFloat();
                run.trainEpoch();
                float[] after = run.network().getLayer(0).getParam("W").dup().data().asFloat();
                for (int i = 0; i < before.length; i++) if (Math.abs(before[i] - after[i]) > 1e-4) moved[r]++;
            }
        }
        assertTrue(moved[1] < moved[0] / 2, "weights moved at ρ = 1/3: " + moved[0] + ", at ρ = 0.01: " + moved[1]);
    }

    @Test
    void aResumedCpqRunContinuesExactlyWithItsGatesFromTheCheckpoint() throws Exception {
        CpqConfig cpq = CpqConfig.DEFAULT.withLearnBits(true).withLambda(0.3);
        Dl4jTrainer t = trainer(600, cpq);
        EpochMetrics straight;
        try (Dl4jTrainingRun run = (Dl4jTrainingRun) t.open(TestData.context(List.of(4, 3, 4), 21, Optional.empty()))) {
            run.trainEpoch();
            straight = run.trainEpoch();
        }
        Path cp = dir.resolve("cp.zip");
        try (Dl4jTrainingRun run = (Dl4jTrainingRun) t.open(TestData.context(List.of(4, 3, 4), 21, Optional.empty()))) {
            run.trainEpoch();
            run.saveCheckpoint(cp);
        }
        try (Dl4jTrainingRun run = (Dl4jTrainingRun) t.open(TestData.context(List.of(4, 3, 4), 21, Optional.of(cp)))) {
            assertNotNull(run.noises().get(0).getCpqState(), "the gates came back with the checkpoint");
            EpochMetrics resumed = run.trainEpoch();
            assertEquals(straight.valAccuracy(), resumed.valAccuracy());
            assertEquals(straight.valLoss(), resumed.valLoss());
            assertEquals(straight.learnedBits(), resumed.learnedBits());
        }
    }

    @Test
    void badCpqOptionsAreRefusedNamingTheField() {
        Dl4jTrainerConfig base = TestData.small(500);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> base.toBuilder().quantizer("lsq").build());
        assertTrue(e.getMessage().startsWith("quantizer is 'lsq', but must be one of [cpq, uniform]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> base.toBuilder().cpq(CpqConfig.DEFAULT).quantizer("uniform").cpq(CpqConfig.DEFAULT).build());
        assertTrue(e.getMessage().contains("cpq is given, but quantizer is 'uniform'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> base.withDropBits(new DropBitsConfig(0.2, 1)).withCpq(CpqConfig.DEFAULT));
        assertTrue(e.getMessage().contains("dropBits is given, but quantizer is 'cpq'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new CpqConfig(0, "categorical", 0.1, false, 2, 0.01, 0.01));
        assertTrue(e.getMessage().startsWith("cpq.noise is 0.0, but must be in (0, 2]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new CpqConfig(0.3, "gumbel", 0.1, false, 2, 0.01, 0.01));
        assertTrue(e.getMessage().startsWith("cpq.sampling is 'gumbel', but must be one of [argmax, categorical]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new CpqConfig(0.3, "argmax", 0, true, 2, 0.01, 0.01));
        assertTrue(e.getMessage().contains("cpq.learnBits is true, but cpq.dropProbability is 0.0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new CpqConfig(0.3, "argmax", 1, false, 0, -1, 0));
        assertEquals(4, e.getMessage().split("\n").length, "every problem at once: " + e.getMessage());
        // the default quantizer is today's uniform one
        assertEquals("uniform", base.quantizer());
        assertEquals(null, base.cpq());
        assertEquals("cpq", base.withCpq(CpqConfig.DEFAULT).quantizer());
        assertTrue(Arrays.asList("uniform", "cpq").containsAll(Dl4jTrainerConfig.QUANTIZERS));
    }
}
