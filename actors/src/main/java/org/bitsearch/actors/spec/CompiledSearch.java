package org.bitsearch.actors.spec;

import org.bitsearch.search.pruner.PrunerConfig;
import org.bitsearch.search.engine.SearchSettings;
import org.bitsearch.search.trainer.Trainer;

import java.time.Duration;
import java.util.Optional;

/**
 * A validated search spec, ready to run.
 *
 * @param name        the search's name
 * @param seed        the search seed
 * @param settings    what the search engine needs (space, sampler, pruner, budget, hypervolume reference)
 * @param trainerKind {@code trainer.kind}
 * @param trainer     the trainer built from the spec's trainer object
 * @param maxRetries  how many times a failed trial is retried before it is recorded FAILED
 * @param maxWall     the wall-clock limit of one run of the search, if any
 * @param specJson    the spec as stored (JSON)
 */
public record CompiledSearch(String name, long seed, SearchSettings settings, String trainerKind, Trainer trainer,
                             int maxRetries, Optional<Duration> maxWall, String specJson) {
    public CompiledSearch {
        if (name == null || settings == null || trainer == null || specJson == null)
            throw new IllegalArgumentException("name, settings, trainer and specJson must not be null");
        if (maxRetries < 0) throw new IllegalArgumentException("budget.maxRetries is " + maxRetries + ", but must be >= 0");
        if (maxWall == null) maxWall = Optional.empty();
    }

    /**
     * The epoch at which a trial is complete: {@code budget.maxEpochs}, or ASHA's maximum resource R if smaller
     * (a trial that reaches R has passed every rung).
     */
    public int completionEpoch() {
        if (settings.pruner() instanceof PrunerConfig.Asha a) return Math.min(a.maxResource(), settings.maxEpochs());
        return settings.maxEpochs();
    }
}
