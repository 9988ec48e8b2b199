package org.bitsearch.search.pruner;

import org.bitsearch.search.trial.Decision;
import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.search.trial.Verdict;

/** Never stops a trial early, except a report whose accuracy is NaN. Stateless. */
public final class NoPruner implements Pruner {
    @Override public Verdict onReport(int number, long sizeBits, EpochMetrics metrics) {
        if (Double.isNaN(metrics.valAccuracy()))
            return new Verdict(Decision.STOP, -1, "accuracy is NaN at epoch " + metrics.epoch());
        return Verdict.proceed();
    }
}
