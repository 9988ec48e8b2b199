package org.bitsearch.trainers.dl4j;

import org.bitsearch.search.space.BitAllocation;
import org.bitsearch.search.trainer.TrialContext;
import org.bitsearch.search.trial.Candidate;
import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.trainers.dl4j.schedule.DropBitsConfig;
import org.bitsearch.trainers.dl4j.schedule.ScheduleConfig;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs of both model families train with the fast step, and a whole epoch through the run (shuffle, progressive
 * schedule, DropBits draws, the epoch's shorter last batch) moves the weights as the same run trained by DL4J's
 * {@code fit} does.
 */
class FastStepRunTest {
    private static Dl4jTrainingRun open(Dl4jTrainer trainer, List<Integer> bits, boolean fast) throws Exception {
        if (!fast) System.setProperty(Dl4jTrainingRun.FAST_STEP_PROPERTY, "false");
        try {
            TrialContext ctx = new TrialContext(0, new Candidate(Map.of("batchSize", 64L), new BitAllocation(bits)), 5, 3, Optional.empty(), "cpu:0");
            return (Dl4jTrainingRun) trainer.open(ctx);
        } finally {
            System.clearProperty(Dl4jTrainingRun.FAST_STEP_PROPERTY);
        }
    }

    @Test
    void bothModelsTrainWithTheFastStepAndTheSwitchFallsBackToFit() throws Exception {
        Dl4jTrainer mlp = new Dl4jTrainer(TestData.small(300));
        try (Dl4jTrainingRun run = open(mlp, List.of(4, 4, 4), true)) {
            assertNull(run.fitReason());
        }
        try (Dl4jTrainingRun run = open(mlp, List.of(4, 4, 4), false)) {
            assertTrue(run.fitReason().contains(Dl4jTrainingRun.FAST_STEP_PROPERTY), run.fitReason());
        }
        Dl4jTrainer cnn = new Dl4jTrainer(Dl4jTrainerConfig.defaults("fashion-mnist", TestData.fashionDir().toString(), "cnn")
                .withTrainSubset(300).withValidationSize(200));
        try (Dl4jTrainingRun run = open(cnn, List.of(8, 4, 2, 1), true)) {
            assertNull(run.fitReason());
        }
    }

    @Test
    void anEpochWithScheduleAndDropBitsMovesTheWeightsAsFitDoes() throws Exception {
        Dl4jTrainer trainer = new Dl4jTrainer(TestData.small(600).withValidationSize(300)
                .withDropBits(new DropBitsConfig(0.5, 2)).withSchedule(new ScheduleConfig("progressive", "backward", 1)));
        float[] start, viaFit, viaFast;
        EpochMetrics fitMetrics, fastMetrics;
        try (Dl4jTrainingRun fit = open(trainer, List.of(4, 3, 2), false);
             Dl4jTrainingRun fast = open(trainer, List.of(4, 3, 2), true)) {
            start = fit.network().params().toFloatVector();
            assertEquals(0, relErr(start, fast.network().params().toFloatVector()), "same initial weights");
            fitMetrics = fit.trainEpoch();
            fitMetrics = fit.trainEpoch(); // epoch 2: two layers quantized, DropBits on
            fastMetrics = fast.trainEpoch();
            fastMetrics = fast.trainEpoch();
            viaFit = fit.network().params().toFloatVector();
            viaFast = fast.network().params().toFloatVector();
            assertEquals(fit.network().getIterationCount(), fast.network().getIterationCount());
        }
        double e = relErr(minus(viaFit, start), minus(viaFast, start));
        // float rounding and a few weights crossing a quantization boundary one step apart; a wrong bit-width or
        // a missed DropBits draw moves the weights by far more
        assertTrue(e < 2e-2, "weight change after two epochs: relative error " + e);
        assertEquals(fitMetrics.trainLoss(), fastMetrics.trainLoss(), 1e-2 * fitMetrics.trainLoss());
        assertEquals(fitMetrics.valAccuracy(), fastMetrics.valAccuracy(), 0.02);
    }

    private static float[] minus(float[] a, float[] b) {
        float[] d = new float[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i] - b[i];
        return d;
    }

    private static double relErr(float[] expected, float[] actual) {
        double num = 0, den = 0;
        for (int i = 0; i < expected.length; i++) {
            double d = expected[i] - actual[i];
            num += d * d;
            den += (double) expected[i] * expected[i];
        }
        return Math.sqrt(num / Math.max(den, 1e-30));
    }
}
