package org.bitsearch.actors.api;

import org.bitsearch.search.pareto.FrontPoint;
import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.search.trial.TrialState;
import org.bitsearch.search.trial.Verdict;
import org.bitsearch.storage.SearchState;

import java.util.List;

/**
 * Every state change of every search, published on one event stream ({@link SearchEvents}) for the command
 * line's progress display and the web page's server-sent events. Published after the change is in the database.
 */
public sealed interface SearchEvent {
    long searchId();

    /** A search started or resumed. */
    record SearchStarted(long searchId, String name, boolean resumed) implements SearchEvent {}

    /**
     * A trial began (or resumed) training on a device slot; {@code attempt} counts from 1. Published once the run
     * is open: {@code fromEpoch} is the epoch it trains next, 1 for a fresh run and the checkpoint's epoch + 1
     * for a run restored from a checkpoint ({@code TrainingRun.nextEpoch()}).
     */
    record TrialStarted(long searchId, int number, String device, int attempt, int fromEpoch) implements SearchEvent {}

    /** A trial reported an epoch and the pruner answered. */
    record EpochReported(long searchId, int number, EpochMetrics metrics, Verdict verdict) implements SearchEvent {}

    /** A trial ended: COMPLETED, PRUNED (reason: the rung verdict) or FAILED (reason: the error). */
    record TrialFinished(long searchId, int number, TrialState state, String reason) implements SearchEvent {}

    /**
     * A trial's attempt was cancelled by a stop, the wall-clock limit or a shutdown ({@code reason}): its running
     * epoch was discarded and the trial is INTERRUPTED (unfinished; a resume continues it from its last checkpoint).
     */
    record TrialInterrupted(long searchId, int number, String reason) implements SearchEvent {}

    /** A trial failed and will be retried after a backoff. */
    record TrialRetrying(long searchId, int number, int attempt, String error) implements SearchEvent {}

    /** The Pareto front changed. */
    record FrontChanged(long searchId, List<FrontPoint> front, double hypervolume) implements SearchEvent {
        public FrontChanged { front = List.copyOf(front); }
    }

    /** A search ended (COMPLETED, FAILED) or was STOPPED by a user. */
    record SearchFinished(long searchId, SearchState state, String message) implements SearchEvent {}
}
