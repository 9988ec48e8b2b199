package org.bitsearch.search.pruner;

import org.bitsearch.search.trial.Decision;
import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.search.trial.Verdict;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class MedianStoppingPrunerTest {
    private final Pruner pruner = new MedianStoppingPruner(new PrunerConfig.Median(1, 2));

    private Verdict report(int trial, int epoch, double value) {
        return pruner.onReport(trial, 1000, new EpochMetrics(epoch, value, 1, 1, 0, 0));
    }

    @Test void stopsBelowTheMedianOfOtherTrials() {
        assertEquals("epoch 1 is within the warm-up of 1", report(0, 1, 0.5).reason());
        assertEquals("0 other trials reported epoch 2, needs 2", report(0, 2, 0.6).reason());
        assertEquals(Decision.CONTINUE, report(1, 1, 0.4).decision());
        assertEquals("1 other trials reported epoch 2, needs 2", report(1, 2, 0.55).reason());
        assertEquals(Decision.CONTINUE, report(2, 1, 0.3).decision());
        Verdict stop = report(2, 2, 0.35);
        assertEquals(Decision.STOP, stop.decision());
        assertEquals("best accuracy 0.35 is below the median 0.575 of 2 trials at epoch 2", stop.reason());
        report(3, 1, 0.9);
        Verdict best = report(3, 2, 0.7); // its best so far (0.9) counts
        assertEquals("best accuracy 0.9 is not below the median 0.55 of 3 trials at epoch 2", best.reason());
        report(4, 1, 0.5);
        Verdict equal = report(4, 2, 0.575); // others: 0.6, 0.55, 0.35, 0.9 → median 0.575; equal continues
        assertEquals(Decision.CONTINUE, equal.decision(), equal.reason());
        assertEquals(Decision.STOP, report(5, 1, Double.NaN).decision());
        assertEquals(Decision.STOP, report(4, 3, Double.NaN).decision());
    }
}
