package org.bitsearch.trainers.dl4j;

import org.bitsearch.trainers.dl4j.schedule.DropBitsConfig;
import org.bitsearch.trainers.dl4j.schedule.ProgressiveSchedule;
import org.bitsearch.trainers.dl4j.schedule.ScheduleConfig;
import org.bitsearch.search.space.QuantLayer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScheduleTest {
    @Test
    void progressiveQuantizesOneMoreLayerEveryEEpochsInOrder() {
        ProgressiveSchedule s = new ProgressiveSchedule(new ScheduleConfig("progressive", "forward", 2), new int[]{2, 0, 1});
        assertArrayEquals(new boolean[]{false, false, true}, s.quantizedIn(1));
        assertArrayEquals(new boolean[]{false, false, true}, s.quantizedIn(2));
        assertArrayEquals(new boolean[]{true, false, true}, s.quantizedIn(3));
        assertArrayEquals(new boolean[]{true, true, true}, s.quantizedIn(5));
        assertArrayEquals(new boolean[]{true, true, true}, s.quantizedIn(50));
        ProgressiveSchedule none = new ProgressiveSchedule(ScheduleConfig.NONE, ProgressiveSchedule.fixedOrder("forward", 3));
        assertArrayEquals(new boolean[]{true, true, true}, none.quantizedIn(1));
        assertArrayEquals(new int[]{2, 1, 0}, ProgressiveSchedule.fixedOrder("backward", 3));
        assertThrows(IllegalArgumentException.class, () -> new ProgressiveSchedule(ScheduleConfig.NONE, new int[]{0, 0, 1}));
    }

    @Test
    void aGroupedScheduleQuantizesEveryFactorLayerOfAModelLayerTogether() {
        // model layers 0, 1, 2; layer 0 factorized into 3 network layers (a CP), layer 1 into 2, layer 2 unfactorized
        ProgressiveSchedule s = new ProgressiveSchedule(new ScheduleConfig("progressive", "backward", 1), new int[]{2, 1, 0})
                .grouped(new int[]{0, 0, 0, 1, 1, 2});
        assertArrayEquals(new boolean[]{false, false, false, false, false, true}, s.quantizedIn(1));
        assertArrayEquals(new boolean[]{false, false, false, true, true, true}, s.quantizedIn(2));
        assertArrayEquals(new boolean[]{true, true, true, true, true, true}, s.quantizedIn(3));
        ProgressiveSchedule plain = new ProgressiveSchedule(new ScheduleConfig("progressive", "forward", 1), new int[]{0, 1, 2});
        for (int[] bad : new int[][]{{0, 0, 1}, {1, 1, 2}, {0, 2, 2}, {0, 1, 0, 2}})
            assertTrue(assertThrows(IllegalArgumentException.class, () -> plain.grouped(bad)).getMessage().contains("does not cover the model layers 0..2"),
                    Arrays.toString(bad));
    }

    @Test
    void sensitivityOrderIsLeastSensitiveFirst() {
        List<QuantLayer> layers = List.of(new QuantLayer(0, "a", 10, 1), new QuantLayer(1, "b", 10, 1), new QuantLayer(2, "c", 10, 1));
        SensitivityTable t = new SensitivityTable(layers, 0.9, 0.3, List.of(
                new SensitivityTable.Row(0, "a", 1, 0.5, 1.0, 0.4, 0.7), new SensitivityTable.Row(0, "a", 4, 0.9, 0.3, 0.0, 0.0),
                new SensitivityTable.Row(1, "b", 1, 0.8, 0.5, 0.1, 0.2), new SensitivityTable.Row(1, "b", 4, 0.9, 0.3, 0.0, 0.0),
                new SensitivityTable.Row(2, "c", 1, 0.85, 0.4, 0.05, 0.1), new SensitivityTable.Row(2, "c", 4, 0.9, 0.3, 0.0, 0.0)));
        assertArrayEquals(new int[]{2, 1, 0}, t.leastSensitiveFirst());
        assertTrue(t.toText().contains("least to most sensitive: c b a"), t.toText());
    }

    @Test
    void dropBitsTrainsWithFewerBitsOnlyInTrainingAndDeterministically() throws Exception {
        Dl4jTrainer trainer = new Dl4jTrainer(TestData.small(600).withValidationSize(300).withDropBits(new DropBitsConfig(0.5, 2)));
        List<List<Integer>> seen = new ArrayList<>();
        for (int rep = 0; rep < 2; rep++) {
            try (var run = (Dl4jTrainingRun) trainer.open(TestData.context(List.of(4, 4, 1), 3, Optional.empty()))) {
                List<Integer> trainBits = new ArrayList<>();
                boolean[] all = {true, true, true};
                int[] rows = trainer.data().trainIndices();
                for (int step = 0; step < 20; step++) {
                    run.step(Arrays.copyOfRange(rows, step * 16, step * 16 + 16), all);
                    run.noises().forEach(n -> trainBits.add(n.getTrainBits()));
                    run.noises().forEach(n -> assertTrue(n.getTargetBits() == 4 || n.getTargetBits() == 1, "targets never change"));
                }
                seen.add(trainBits);
            }
        }
        assertEquals(seen.get(0), seen.get(1), "the same seed drops the same bits");
        List<Integer> bits = seen.get(0);
        long dropped = 0;
        for (int i = 0; i < bits.size(); i++) {
            int layer = i % 3;
            if (layer == 2) assertEquals(1, bits.get(i), "1-bit layers have nothing to drop");
            else {
                assertTrue(bits.get(i) >= 2 && bits.get(i) <= 4, "4 bits minus 0..2: " + bits.get(i));
                if (bits.get(i) < 4) dropped++;
            }
        }
        assertTrue(dropped > 5 && dropped < 35, "about half of 40 layer-steps drop bits: " + dropped);
    }

    @Test
    void progressiveSensitivityScheduleTrains() throws Exception {
        Dl4jTrainer trainer = new Dl4jTrainer(TestData.small(600).withValidationSize(300)
                .withSchedule(new ScheduleConfig("progressive", "sensitivity", 1)));
        try (var run = (Dl4jTrainingRun) trainer.open(TestData.context(List.of(2, 2, 2), 3, Optional.empty()))) {
            int[] order = trainer.sensitivity().leastSensitiveFirst();
            assertEquals(3, order.length);
            run.trainEpoch();
            long quantized = run.noises().stream().filter(n -> n.getTrainBits() == 2).count();
            assertEquals(1, quantized, "epoch 1 trains one layer quantized");
            assertEquals(2, run.noises().get(order[0]).getTrainBits());
        }
    }

    @Test
    void aProgressiveRunReportsTheCurrentModelsAccuracyBesideTheTargetsUntilEveryLayerIsQuantized() throws Exception {
        Dl4jTrainer trainer = new Dl4jTrainer(TestData.small(600).withValidationSize(300)
                .withSchedule(new ScheduleConfig("progressive", "forward", 1)));
        try (var run = (Dl4jTrainingRun) trainer.open(TestData.context(List.of(1, 1, 1), 3, Optional.empty()))) {
            var e1 = run.trainEpoch();
            // epoch 1: only the first layer is quantized; the target model binarizes all three
            assertTrue(e1.currentAccuracy() != e1.valAccuracy(), "two models, two accuracies: " + e1);
            assertTrue(e1.currentAccuracy() > e1.valAccuracy(), "layers 2 and 3 never trained binarized: " + e1);
            assertEquals(1, run.noises().get(0).getTargetBits(), "the target bits are restored after the current evaluation");
            assertEquals(1, run.noises().get(2).getTargetBits());
            run.trainEpoch();
            var e3 = run.trainEpoch();
            assertEquals(e3.valAccuracy(), e3.currentAccuracy(), "from epoch 3 every layer is quantized: one model");
        }
    }
}
