package org.bitsearch.search.pruner;

import org.bitsearch.search.trial.Decision;
import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.search.trial.Verdict;

/**
 * The progressive-schedule hook (Lan 2021, Iterative Training; BiTAT 2022): under a progressive schedule some
 * layers have never trained quantized before epoch F = {@code judgeFromEpoch} (the trainer's
 * {@code fullyQuantizedEpoch}), so a trial's fully quantized accuracy before F says little about where it ends.
 * This wrapper answers CONTINUE to every report before F without showing it to the wrapped pruner, and passes
 * every report from F on (and any NaN report, which is always STOP) to it unchanged. The wrapped pruner's rungs
 * below F thus stay empty for every trial of the search alike; its rung logic is not changed. Deterministic;
 * its state is the wrapped pruner's.
 */
public final class ScheduleAwarePruner implements Pruner {
    private final Pruner inner;
    private final int judgeFromEpoch;

    public ScheduleAwarePruner(Pruner inner, int judgeFromEpoch) {
        if (inner == null) throw new IllegalArgumentException("inner must not be null");
        if (judgeFromEpoch < 1) throw new IllegalArgumentException("judgeFromEpoch is " + judgeFromEpoch + ", but must be >= 1");
        this.inner = inner;
        this.judgeFromEpoch = judgeFromEpoch;
    }

    /** {@code inner} itself if {@code judgeFromEpoch} is 1 (nothing to wait for), else the wrapper. */
    public static Pruner wrap(Pruner inner, int judgeFromEpoch) {
        return judgeFromEpoch <= 1 ? inner : new ScheduleAwarePruner(inner, judgeFromEpoch);
    }

    @Override public Verdict onReport(int number, long sizeBits, EpochMetrics metrics) {
        if (metrics.epoch() < judgeFromEpoch && !Double.isNaN(metrics.valAccuracy()))
            return new Verdict(Decision.CONTINUE, -1, "epoch " + metrics.epoch() + ": the progressive schedule quantizes every layer from epoch "
                    + judgeFromEpoch + ", judged from then on");
        return inner.onReport(number, sizeBits, metrics);
    }
}
