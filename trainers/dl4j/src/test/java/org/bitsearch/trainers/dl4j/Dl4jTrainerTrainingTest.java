package org.bitsearch.trainers.dl4j;

import org.bitsearch.search.space.BitAllocation;
import org.bitsearch.search.trainer.TrialContext;
import org.bitsearch.search.trial.Candidate;
import org.bitsearch.search.trial.EpochMetrics;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Short real training runs on a Fashion-MNIST subset: far above chance (0.1) at 32, 4 and 1 bits. */
class Dl4jTrainerTrainingTest {
    private static final Dl4jTrainer TRAINER = new Dl4jTrainer(TestData.small(3000));

    private static double train(int bits) throws Exception {
        try (var run = TRAINER.open(TestData.context(List.of(bits, bits, bits), 7, Optional.empty()))) {
            EpochMetrics m1 = run.trainEpoch();
            EpochMetrics m2 = run.trainEpoch();
            System.out.printf("bits %d: %s | %s%n", bits, m1, m2);
            assertTrue(!m2.diverged());
            assertTrue(m2.trainLoss() < m1.trainLoss(), "training loss falls: " + m1.trainLoss() + " -> " + m2.trainLoss());
            double test = run.testAccuracy();
            System.out.printf("bits %d: test accuracy %.4f%n", bits, test);
            return m2.valAccuracy();
        }
    }

    @Test void fullPrecisionLearns() throws Exception { assertTrue(train(32) > 0.7); }

    @Test void fourBitLearns() throws Exception { assertTrue(train(4) > 0.7); }

    @Test void binaryLearns() throws Exception { assertTrue(train(1) > 0.6); }

    @Test
    void smallCnnLearnsWithPerChannelScales() throws Exception {
        Dl4jTrainer cnn = new Dl4jTrainer(Dl4jTrainerConfig.defaults("fashion-mnist", TestData.fashionDir().toString(), "cnn")
                .withTrainSubset(640).withValidationSize(200).withPerChannel(true));
        // small: DL4J's CPU convolution without oneDNN (im2col into a permuted buffer) is slow
        var ctx = new TrialContext(0, new Candidate(
                Map.of("batchSize", 32L, "learningRate", 3e-3), BitAllocation.of(4, 4, 2, 8)),
                7, 1, Optional.empty(), "cpu:0");
        try (var run = cnn.open(ctx)) {
            EpochMetrics m = run.trainEpoch();
            System.out.println("cnn 4,4,2,8 per-channel: " + m);
            assertTrue(!m.diverged() && m.valAccuracy() > 0.3, "cnn val accuracy " + m.valAccuracy());
        }
    }

    @Test
    void aDivergingRunReportsDiverged() throws Exception {
        var ctx = new TrialContext(0, new Candidate(
                Map.of("learningRate", 1e30, "optimizer", "sgd"), BitAllocation.of(32, 32, 32)),
                1, 1, Optional.empty(), "cpu:0");
        try (var run = TRAINER.open(ctx)) {
            EpochMetrics m = run.trainEpoch();
            assertTrue(m.diverged(), "diverged: " + m);
            assertEquals(2, run.nextEpoch());
        }
    }
}
