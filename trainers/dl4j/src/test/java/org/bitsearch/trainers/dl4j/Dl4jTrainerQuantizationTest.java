package org.bitsearch.trainers.dl4j;

import org.bitsearch.search.trainer.TrialContext;
import org.bitsearch.search.trial.Candidate;
import org.bitsearch.trainers.dl4j.quant.QuantizedWeightNoise;
import org.bitsearch.search.space.Architectures;
import org.bitsearch.search.space.BitAllocation;
import org.bitsearch.search.space.ModelSize;
import org.bitsearch.search.space.QuantLayer;
import org.bitsearch.trainers.dl4j.schedule.DropBitsConfig;
import org.bitsearch.trainers.dl4j.schedule.ScheduleConfig;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The trainer's quantization contract on real (small) training: STE, quantized evaluation, size, checkpoints. */
class Dl4jTrainerQuantizationTest {
    private static final Dl4jTrainer TRAINER = new Dl4jTrainer(TestData.small(1000).withValidationSize(500));

    private static Dl4jTrainingRun open(List<Integer> bits, long seed, Optional<Path> checkpoint) throws Exception {
        return (Dl4jTrainingRun) TRAINER.open(TestData.context(bits, seed, checkpoint));
    }

    private static List<INDArray> weights(MultiLayerNetwork net) {
        return Arrays.stream(net.getLayers()).filter(l -> l.numParams() > 0)
                .map(l -> l.getParam(QuantizedWeightNoise.WEIGHT_KEY).dup()).toList();
    }

    @Test
    void steUpdatesFullPrecisionWeightsThatStayOffTheGrid() throws Exception {
        try (Dl4jTrainingRun run = open(List.of(2, 4, 1), 5, Optional.empty())) {
            run.trainEpoch();
            List<INDArray> w = weights(run.network());
            int[] bits = {2, 4, 1};
            for (int i = 0; i < 3; i++) {
                INDArray q = QuantizedWeightNoise.quantize(w.get(i), bits[i], false);
                long distinct = Arrays.stream(w.get(i).dup().data().asDouble()).distinct().count();
                assertTrue(distinct > (1 << bits[i]) * 10L, "layer " + i + " has " + distinct + " distinct full-precision values");
                assertNotEquals(q, w.get(i), "full-precision weights of layer " + i + " are not their quantized values");
            }
        }
    }

    @Test
    void evaluationIsThatOfTheNetworkWithQuantizedWeights() throws Exception {
        try (Dl4jTrainingRun run = open(List.of(3, 2, 1), 9, Optional.empty())) {
            run.trainEpoch();
            Dl4jTrainingRun.Evaluation quantizedPath = run.evaluateValidation();
            MultiLayerNetwork copy = run.quantizedCopy();
            // the copy's weights are the quantized ones and its noises are off: a plain network
            for (QuantizedWeightNoise n : Dl4jTrainingRun.noisesOf(copy)) assertEquals(32, n.getTargetBits());
            INDArray x = TRAINER.data().validation().batches().get(0);
            INDArray a = run.network().output(x, false), b = copy.output(x, false);
            assertEquals(a, b, "outputs are identical");
            // and the full-precision network without quantization differs
            run.noises().forEach(n -> n.setTargetBits(32));
            assertNotEquals(a, run.network().output(x, false));
            List.of(3, 2, 1).forEach(i -> { });
            for (int i = 0; i < 3; i++) run.noises().get(i).setTargetBits(List.of(3, 2, 1).get(i));
            assertEquals(quantizedPath, run.evaluateValidation());
            // training forward pass = quantized copy's inference (STE forward)
            for (int i = 0; i < 3; i++) run.noises().get(i).setTrainBits(List.of(3, 2, 1).get(i));
            INDArray trainOut = run.network().output(x, true);
            assertEquals(b, trainOut);
        }
    }

    /**
     * Counts what a real network stores: per layer, its weights at the layer's bits, its biases at 32 bits and
     * its distinct quantization scales at 32 bits. At 1 bit every weight of a block becomes ±scale, so the
     * distinct magnitudes of the quantized tensor are exactly the scales stored (one per tensor, or one per
     * output channel with perChannel). Their sum is the size the trainer (and so every view) reports.
     */
    @Test
    void sizeCountsTheScalesARealLayerStores() throws Exception {
        for (boolean perChannel : List.of(false, true)) {
            Dl4jTrainer trainer = new Dl4jTrainer(TestData.small(1000).withValidationSize(500).withPerChannel(perChannel));
            List<Integer> bits = List.of(1, 1, 1);
            try (Dl4jTrainingRun run = (Dl4jTrainingRun) trainer.open(TestData.context(bits, 3, Optional.empty()))) {
                long stored = 0;
                int q = 0;
                for (Layer l : run.network().getLayers()) {
                    if (l.numParams() == 0) continue;
                    INDArray w = l.getParam(QuantizedWeightNoise.WEIGHT_KEY);
                    INDArray quantized = QuantizedWeightNoise.quantize(w, bits.get(q), perChannel);
                    long scales = Arrays.stream(toDoubles(quantized.data().asFloat())).map(Math::abs).distinct().count();
                    assertEquals(perChannel ? w.size(1) : 1, scales, "layer " + q + " (perChannel " + perChannel + ")");
                    assertEquals(scales, trainer.layers().get(q).scales());
                    stored += w.length() * bits.get(q) + 32L * l.getParam("b").length() + 32L * scales;
                    q++;
                }
                assertEquals(stored, trainer.size(BitAllocation.of(1, 1, 1)).bits());
            }
        }
    }

    private static double[] toDoubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    @Test
    void sizeEqualsModelSizeAndTheNetworksParameterCounts() throws Exception {
        List<QuantLayer> layers = TRAINER.layers();
        assertEquals(List.of(new QuantLayer(0, "dense0", 784 * 256, 256), new QuantLayer(1, "dense1", 256 * 128, 128),
                new QuantLayer(2, "dense2", 128 * 10, 10)), layers);
        BitAllocation bits = BitAllocation.of(4, 2, 8);
        assertEquals(ModelSize.of(layers, bits), TRAINER.size(bits));
        assertEquals(784 * 256 * 4L + 256 * 128 * 2L + 1280 * 8L + 32L * 3 + 32L * (256 + 128 + 10), TRAINER.size(bits).bits(),
                "weights at their bits, one float32 scale per quantized tensor, biases at 32 bits");
        try (Dl4jTrainingRun run = open(List.of(4, 2, 8), 1, Optional.empty())) {
            int q = 0;
            for (Layer l : run.network().getLayers()) {
                if (l.numParams() == 0) continue;
                assertEquals(layers.get(q).weights(), l.getParam("W").length());
                assertEquals(layers.get(q).biases(), l.getParam("b").length());
                q++;
            }
            assertEquals(3, q);
        }
        for (List<Integer> hidden : List.of(List.of(256, 128), List.of(32), List.of(100, 50, 25)))
            assertEquals(Architectures.mlp(784, hidden, 10), new Dl4jTrainer(
                    Dl4jTrainerConfig.builder("fashion-mnist", "d").hidden(hidden).build()).layers());
        Dl4jTrainer cnn = new Dl4jTrainer(Dl4jTrainerConfig.defaults("fashion-mnist", TestData.fashionDir().toString(), "cnn"));
        assertEquals(List.of("conv0", "conv1", "dense2", "dense3"), cnn.layers().stream().map(QuantLayer::name).toList());
        assertEquals(List.of(200L, 3200L, 256L * 128, 1280L), cnn.layers().stream().map(QuantLayer::weights).toList());
    }

    @Test
    void resumingFromACheckpointGivesExactlyTheUninterruptedWeights(@TempDir Path dir) throws Exception {
        var drop = TestData.small(1000).withValidationSize(500)
                .withDropBits(new DropBitsConfig(0.3, 2))
                .withSchedule(new ScheduleConfig("progressive", "backward", 1));
        Dl4jTrainer trainer = new Dl4jTrainer(drop);
        List<Integer> bits = List.of(4, 3, 2);
        List<INDArray> straight;
        List<Object> straightMetrics = new ArrayList<>();
        try (var run = (Dl4jTrainingRun) trainer.open(TestData.context(bits, 42, Optional.empty()))) {
            for (int e = 0; e < 3; e++) straightMetrics.add(run.trainEpoch().valAccuracy());
            straight = weights(run.network());
        }
        Path ckpt = dir.resolve("trial-0.zip");
        double firstAcc;
        try (var run = (Dl4jTrainingRun) trainer.open(TestData.context(bits, 42, Optional.empty()))) {
            firstAcc = run.trainEpoch().valAccuracy();
            run.saveCheckpoint(ckpt);
        }
        assertTrue(Files.isRegularFile(ckpt));
        assertTrue(!Files.exists(dir.resolve("trial-0.zip.tmp")), "the temp file is gone");
        List<Object> resumedMetrics = new ArrayList<>(List.of(firstAcc));
        try (var run = (Dl4jTrainingRun) trainer.open(TestData.context(bits, 42, Optional.of(ckpt)))) {
            assertEquals(2, run.nextEpoch());
            resumedMetrics.add(run.trainEpoch().valAccuracy());
            run.saveCheckpoint(ckpt);
        }
        try (var run = (Dl4jTrainingRun) trainer.open(TestData.context(bits, 42, Optional.of(ckpt)))) {
            assertEquals(3, run.nextEpoch());
            resumedMetrics.add(run.trainEpoch().valAccuracy());
            List<INDArray> resumed = weights(run.network());
            for (int i = 0; i < straight.size(); i++)
                assertArrayEquals(straight.get(i).data().asFloat(), resumed.get(i).data().asFloat(), 0f, "layer " + i + " weights");
        }
        assertEquals(straightMetrics, resumedMetrics);
        // a checkpoint of another candidate is refused with a message naming it
        Exception e = assertThrows(Exception.class, () -> trainer.open(TestData.context(List.of(8, 8, 8), 42, Optional.of(ckpt))));
        assertTrue(e.getMessage().contains("was written for bits [4, 3, 2]"), e.getMessage());
    }

    @Test
    void exportWritesTheQuantizedModel(@TempDir Path dir) throws Exception {
        try (Dl4jTrainingRun run = open(List.of(1, 1, 1), 3, Optional.empty())) {
            run.trainBatches(3);
            Path file = dir.resolve("model.zip");
            run.exportModel(file);
            MultiLayerNetwork exported = org.deeplearning4j.util.ModelSerializer.restoreMultiLayerNetwork(file.toFile(), false);
            INDArray w = exported.getLayer(0).getParam("W");
            assertEquals(2, Arrays.stream(w.dup().data().asDouble()).distinct().count(), "binary weights");
            INDArray x = TRAINER.data().validation().batches().get(0);
            assertEquals(run.network().output(x, false), exported.output(x, false));
        }
    }

    @Test
    void badCandidatesFailWithClearMessages() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> open(List.of(4, 4), 1, Optional.empty()));
        assertEquals("bits has 2 entries, but the mlp model has 3 quantizable layers (dense0, dense1, dense2)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> BitAllocation.of(4, 9, 4));
        assertTrue(e.getMessage().contains("bits[1] is 9"), e.getMessage());
        var ctx = new TrialContext(0, new Candidate(
                Map.of("optimizer", "rmsprop"), BitAllocation.of(4, 4, 4)), 1, 1, Optional.empty(), "cpu:0");
        e = assertThrows(IllegalArgumentException.class, () -> TRAINER.open(ctx));
        assertTrue(e.getMessage().startsWith("param 'optimizer' is 'rmsprop'"), e.getMessage());
        var gpu = TestData.context(List.of(4, 4, 4), 1, Optional.empty());
        var onGpu = new TrialContext(0, gpu.candidate(), 1, 1, Optional.empty(), "gpu:0");
        IllegalStateException g = assertThrows(IllegalStateException.class, () -> TRAINER.open(onGpu));
        assertTrue(g.getMessage().contains("CPU backend"), g.getMessage());
    }
}
