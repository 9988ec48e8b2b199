package org.bitsearch.search.pruner;

import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.search.trial.Verdict;

/**
 * Judges epoch reports: CONTINUE or STOP. A pruner's whole state is the sequence of reports it was given, so
 * replaying the recorded reports in recorded order rebuilds it exactly (resume). Implementations are
 * deterministic (no clock, no randomness) and not thread-safe; the engine calls them from one thread.
 */
public interface Pruner {
    /**
     * Records one report of trial {@code number} (model size {@code sizeBits}) and returns the verdict. Called
     * exactly once per report, epochs of a trial in order. A NaN accuracy is always STOP.
     */
    Verdict onReport(int number, long sizeBits, EpochMetrics metrics);

    /** The pruner for {@code config}. */
    static Pruner create(PrunerConfig config) {
        if (config instanceof PrunerConfig.None) return new NoPruner();
        if (config instanceof PrunerConfig.Median m) return new MedianStoppingPruner(m);
        if (config instanceof PrunerConfig.Asha a)
            return a.paretoAware() ? new ParetoAshaPruner(a) : new AshaPruner(a);
        throw new IllegalArgumentException("pruner " + config + " is unknown");
    }
}
