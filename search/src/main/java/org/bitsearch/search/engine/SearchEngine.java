package org.bitsearch.search.engine;

import org.bitsearch.search.pareto.FrontPoint;
import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.search.trial.TrialRecord;
import org.bitsearch.search.trial.TrialState;
import org.bitsearch.search.trial.Verdict;

import java.util.List;
import java.util.Optional;

/**
 * The deterministic ask/tell state machine of one search: space, sampler, pruner, Pareto front and budget.
 * No clock, no I/O, no threads; not thread-safe (the supervisor actor owns it). Same settings and the same
 * sequence of calls give the same proposals and verdicts, in this process or another.
 *
 * <p>CONTRACT SKELETON: the search-core issue implements the bodies; the signatures are what the actors and
 * storage code against. Keep them stable.
 */
public final class SearchEngine {
    private final SearchSettings settings;

    public SearchEngine(SearchSettings settings) {
        this.settings = settings;
        throw new UnsupportedOperationException("SearchEngine not implemented yet");
    }

    /**
     * Rebuilds an engine from recorded rows: {@code trials} in number order (any state, with their reports) and
     * {@code reportOrder}, every recorded report in the order it was recorded. Sampler and pruner (rung) state is
     * replayed from them, so the next {@link #ask()} and {@link #report} answer as the original engine would have.
     */
    public static SearchEngine restore(SearchSettings settings, List<TrialRecord> trials, List<ReportRef> reportOrder) {
        throw new UnsupportedOperationException("SearchEngine.restore not implemented yet");
    }

    public SearchSettings settings() { return settings; }

    /**
     * The next candidate to train, or empty if the budget is spent, {@code maxConcurrent} trials are unfinished,
     * or the sampler waits for results (NSGA-II between generations). The proposal counts as PENDING at once.
     */
    public Optional<Proposal> ask() { throw new UnsupportedOperationException(); }

    /** Records trial {@code number}'s report (its epochs must come in order) and returns the pruner's verdict. */
    public Verdict report(int number, EpochMetrics metrics) { throw new UnsupportedOperationException(); }

    /** Marks trial {@code number} finished (COMPLETED, PRUNED or FAILED); updates the Pareto front. */
    public void finish(int number, TrialState state) { throw new UnsupportedOperationException(); }

    /** Trials proposed and not finished. */
    public int unfinished() { throw new UnsupportedOperationException(); }

    /** True when every budgeted trial has been proposed and finished. */
    public boolean isDone() { throw new UnsupportedOperationException(); }

    /** All trials known, in number order. */
    public List<TrialRecord> trials() { throw new UnsupportedOperationException(); }

    /** The current Pareto front of COMPLETED trials (best validation accuracy vs size), sorted by size. */
    public List<FrontPoint> front() { throw new UnsupportedOperationException(); }

    /** 2-D hypervolume of {@link #front()} against (settings.refAccuracy, settings.refSizeBits). */
    public double hypervolume() { throw new UnsupportedOperationException(); }
}
