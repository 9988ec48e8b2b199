package org.bitsearch.trainers.dl4j;

import org.bitsearch.search.space.BitAllocation;
import org.bitsearch.search.trainer.TrialContext;
import org.bitsearch.search.trial.Candidate;
import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.trainers.dl4j.data.DataSplit;
import org.bitsearch.trainers.dl4j.export.ModelExport;
import org.bitsearch.trainers.dl4j.factor.FactorizationConfig;
import org.bitsearch.trainers.dl4j.quant.QuantizedWeightNoise;
import org.bitsearch.trainers.dl4j.schedule.ScheduleConfig;
import org.bitsearch.trainers.packed.PackedLayer;
import org.bitsearch.trainers.packed.PackedModel;
import org.bitsearch.trainers.packed.ReferenceInference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Quantization Aware Factorization combined with a progressive schedule and with activation bits (README, "Quantization
 * Aware Factorization"): a factorized layer's factor layers are quantized together, in the epoch the schedule reaches
 * the layer they replace; activation bits quantize each factorized layer's output, not the rank-R products inside it.
 */
class QafCombinationsTest {
    @TempDir Path dir;
    private static final FactorizationConfig QAF = FactorizationConfig.qaf(0.25, 3, 20);

    @Test
    void aProgressiveScheduleQuantizesEachFactorizedLayersFactorsTogetherBottomUp() throws Exception {
        Dl4jTrainer trainer = new Dl4jTrainer(TestData.small(2000).withValidationSize(1000).withFactorization(QAF)
                .withSchedule(new ScheduleConfig("progressive", "forward", 1)));
        assertEquals(3, trainer.fullyQuantizedEpoch(), "1 + (L − 1)·E over the model's 3 layers, not the network's 5 factor layers");
        var ctx = new TrialContext(0, new Candidate(Map.of(), new BitAllocation(List.of(4, 5, 8))), 7, 3, Optional.empty(), "cpu:0");
        try (Dl4jTrainingRun run = (Dl4jTrainingRun) trainer.open(ctx)) {
            List<List<Integer>> trained = new ArrayList<>();
            EpochMetrics last = null;
            for (int e = 1; e <= 3; e++) {
                last = run.trainEpoch();
                trained.add(run.noises().stream().map(QuantizedWeightNoise::getTrainBits).toList());
            }
            assertEquals(List.of(List.of(4, 4, 32, 32, 32), List.of(4, 4, 5, 5, 32), List.of(4, 4, 5, 5, 8)), trained,
                    "dense0.f0/f1, then dense1.f0/f1, then dense2 train quantized");
            assertEquals(List.of(4, 4, 5, 5, 8), run.targetBits(), "evaluated fully quantized from the start");
            assertEquals(last.valAccuracy(), last.currentAccuracy(), "epoch 3: every layer is quantized");
            // three pre-training epochs, then three fine-tuning epochs: clearly above chance (0.1) on any BLAS kernel
            System.out.printf("qaf progressive: epoch 3 validation accuracy %.4f%n", last.valAccuracy());
            assertTrue(last.valAccuracy() > 0.4, "the progressively quantized factorized MLP learns: " + last);
        }
    }

    @Test
    void theSensitivityOrderIsStillRefusedWithAReason() {
        String msg = assertThrows(IllegalArgumentException.class, () -> TestData.small(1000).withFactorization(QAF)
                .withSchedule(new ScheduleConfig("progressive", "sensitivity", 1))).getMessage();
        assertTrue(msg.contains("factorization.type is 'qaf', but schedule.order is 'sensitivity'") && msg.contains("forward or backward"), msg);
    }

    @Test
    void activationBitsQuantizeEachFactorizedLayersOutputAndExportPacked() throws Exception {
        Dl4jTrainer trainer = new Dl4jTrainer(TestData.small(2000).withValidationSize(1000).withFactorization(QAF));
        assertTrue(trainer.quantizesActivations(), trainer.activationQuantizationUnsupported());
        List<Integer> expected = List.of(32, 4, 32, 2, 32);
        assertEquals(expected, Dl4jTrainer.networkActivationBits(BitAllocation.of(4, 2, 32), trainer.factorization()));
        Candidate c = new Candidate(Map.of(), new BitAllocation(List.of(4, 5, 8)), BitAllocation.of(4, 2, 32));
        try (Dl4jTrainingRun run = (Dl4jTrainingRun) trainer.open(new TrialContext(0, c, 7, 2, Optional.empty(), "cpu:0"))) {
            assertEquals(expected, run.activations().stream().map(a -> a == null ? 32 : a.getTargetBits()).toList(),
                    "dense0.f1 and dense1.f1 (the factorized layers' outputs) carry the activation bits; the f0 products stay FP32");
            run.trainEpoch();
            EpochMetrics last = run.trainEpoch();
            System.out.printf("qaf W/A: epoch 2 validation accuracy %.4f%n", last.valAccuracy());
            assertTrue(last.valAccuracy() > 0.4, "W4/5/8 A4/2 factorized MLP learns (chance 0.1): " + last);
            double reported = run.testAccuracy();
            Path zip = dir.resolve("qaf-wa.zip");
            run.exportModel(zip);
            assertEquals(null, run.lastExportNote(), "a factorized MLP packs");
            PackedModel packed = PackedModel.fromBytes(ModelExport.packedEntry(zip).orElseThrow());
            assertEquals(expected, packed.layers().stream().map(PackedLayer::activationBits).toList());
            DataSplit.Evaluable test = trainer.data().test();
            double ref = new ReferenceInference(packed).accuracy(ModelExportTest.rows(test), test.labels());
            assertEquals(reported, ref, 0.002, "reference inference of the packed W/A model gives the run's test accuracy");
        }
    }
}
