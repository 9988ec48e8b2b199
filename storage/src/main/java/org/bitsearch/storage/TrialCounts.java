package org.bitsearch.storage;

import java.util.Optional;

/**
 * How many trials of one search are in each state, and the best finite validation accuracy any of its reports
 * reached: the summary a search list needs, computed by the database ({@link SearchStore#trialCounts}).
 *
 * @param interrupted     trials whose attempt a stop, the wall-clock limit or a shutdown cancelled (unfinished, resumable)
 * @param bestValAccuracy the highest finite {@code valAccuracy} of any report of the search, empty if none
 */
public record TrialCounts(long searchId, int total, int pending, int running, int interrupted, int completed, int pruned,
                          int failed, Optional<Double> bestValAccuracy) {
    public TrialCounts {
        if (pending < 0 || running < 0 || interrupted < 0 || completed < 0 || pruned < 0 || failed < 0)
            throw new IllegalArgumentException("counts must be >= 0, but are " + pending + "/" + running + "/" + interrupted + "/"
                    + completed + "/" + pruned + "/" + failed);
        if (total != pending + running + interrupted + completed + pruned + failed)
            throw new IllegalArgumentException("total is " + total + ", but must be the sum of the state counts");
        if (bestValAccuracy == null) bestValAccuracy = Optional.empty();
    }

    /** A search without trials. */
    public static TrialCounts none(long searchId) {
        return new TrialCounts(searchId, 0, 0, 0, 0, 0, 0, 0, Optional.empty());
    }

    /** Trials that reached a final state (COMPLETED, PRUNED or FAILED). */
    public int finished() { return completed + pruned + failed; }
}
