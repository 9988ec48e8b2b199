package org.bitsearch.actors.train;

import org.bitsearch.search.trial.EpochMetrics;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

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
}
