package org.bitsearch.bench;

import org.bitsearch.search.engine.Proposal;
import org.bitsearch.search.engine.SearchEngine;
import org.bitsearch.search.engine.SearchSettings;
import org.bitsearch.search.trainer.Trainer;
import org.bitsearch.search.trainer.TrainingRun;
import org.bitsearch.search.trainer.TrialContext;
import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.search.trial.TrialState;
import org.bitsearch.search.trial.Verdict;

import java.util.Optional;

/**
 * Drives a {@link SearchEngine} with a {@link Trainer} on the calling thread, one trial at a time, without actors
 * or storage: ask, train epoch by epoch while the pruner says CONTINUE, finish. Used to compare pruners on equal
 * terms (same sampler, same seed) and to time the engine itself.
 */
final class SequentialSearch {
    /** What one search cost and reached. */
    record Outcome(int trials, int completed, int pruned, long epochs, double wallSeconds, double hypervolume, int frontSize) {}

    /** Optional per-operation timing, in nanoseconds, filled by {@link #run}. */
    static final class Timing {
        long askNanos, reportNanos, finishNanos, asks, reports, finishes;
    }

    private SequentialSearch() {}

    static Outcome run(SearchSettings settings, Trainer trainer, Timing timing) throws Exception {
        long start = System.nanoTime();
        SearchEngine engine = new SearchEngine(settings);
        long epochs = 0;
        int completed = 0, pruned = 0;
        while (true) {
            long t0 = System.nanoTime();
            Optional<Proposal> next = engine.ask();
            if (timing != null) { timing.askNanos += System.nanoTime() - t0; timing.asks++; }
            if (next.isEmpty()) break;
            Proposal p = next.get();
            TrialState state = TrialState.COMPLETED;
            try (TrainingRun run = trainer.open(new TrialContext(p.number(), p.candidate(), p.seed(), engine.epochLimit(), Optional.empty(), "cpu:0"))) {
                for (int epoch = 1; ; epoch++) {
                    EpochMetrics m = run.trainEpoch();
                    epochs++;
                    long t1 = System.nanoTime();
                    Verdict v = engine.report(p.number(), m);
                    if (timing != null) { timing.reportNanos += System.nanoTime() - t1; timing.reports++; }
                    if (m.diverged()) { state = TrialState.FAILED; break; }
                    if (v.stop()) { state = TrialState.PRUNED; break; }
                    if (engine.isLastEpoch(epoch)) break;
                }
            }
            long t2 = System.nanoTime();
            engine.finish(p.number(), state);
            if (timing != null) { timing.finishNanos += System.nanoTime() - t2; timing.finishes++; }
            if (state == TrialState.COMPLETED) completed++;
            if (state == TrialState.PRUNED) pruned++;
        }
        return new Outcome(engine.trials().size(), completed, pruned, epochs, (System.nanoTime() - start) / 1e9,
                engine.hypervolume(), engine.front().size());
    }
}
