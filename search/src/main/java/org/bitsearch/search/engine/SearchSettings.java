package org.bitsearch.search.engine;

import org.bitsearch.search.sampler.SamplerConfig;
import org.bitsearch.search.pruner.PrunerConfig;
import org.bitsearch.search.space.SearchSpace;

/**
 * Everything that determines a search's proposals and decisions. Same settings, same history: same proposals.
 *
 * @param space          what to search
 * @param sampler        how to propose
 * @param pruner         how to stop early
 * @param seed           the search seed; trial seeds derive from (seed, trial number)
 * @param maxTrials      budget: the most trials ever proposed (>= 1)
 * @param maxConcurrent  the most trials running at once (>= 1)
 * @param maxEpochs      the most epochs one trial trains (>= 1)
 * @param refAccuracy    hypervolume reference point, accuracy (usually 0)
 * @param refSizeBits    hypervolume reference point, size in bits (usually the all-32-bit model's size)
 * @see #of(SearchSpace, SamplerConfig, PrunerConfig, long, int, int, int)
 */
public record SearchSettings(SearchSpace space, SamplerConfig sampler, PrunerConfig pruner, long seed,
                             int maxTrials, int maxConcurrent, int maxEpochs,
                             double refAccuracy, double refSizeBits) {
    public SearchSettings {
        if (space == null || sampler == null || pruner == null) throw new IllegalArgumentException("space, sampler and pruner must not be null");
        if (maxTrials < 1) throw new IllegalArgumentException("budget.maxTrials is " + maxTrials + ", but must be >= 1");
        if (maxConcurrent < 1) throw new IllegalArgumentException("budget.maxConcurrent is " + maxConcurrent + ", but must be >= 1");
        if (maxEpochs < 1) throw new IllegalArgumentException("budget.maxEpochs is " + maxEpochs + ", but must be >= 1");
        if (pruner instanceof PrunerConfig.Asha a && a.maxResource() > maxEpochs)
            throw new IllegalArgumentException("pruner.maxResource is " + a.maxResource() + ", but must be <= budget.maxEpochs (" + maxEpochs + ")");
        if (!(refAccuracy >= 0 && refAccuracy < 1))
            throw new IllegalArgumentException("refAccuracy is " + refAccuracy + ", but must be in [0, 1)");
        if (!(refSizeBits > 0) || Double.isInfinite(refSizeBits))
            throw new IllegalArgumentException("refSizeBits is " + refSizeBits + ", but must be finite and > 0");
    }

    /** Settings with the usual hypervolume reference: accuracy 0 and the all-32-bit model's size. */
    public static SearchSettings of(SearchSpace space, SamplerConfig sampler, PrunerConfig pruner, long seed,
                                    int maxTrials, int maxConcurrent, int maxEpochs) {
        if (space == null) throw new IllegalArgumentException("space, sampler and pruner must not be null");
        return new SearchSettings(space, sampler, pruner, seed, maxTrials, maxConcurrent, maxEpochs, 0, space.bits().fp32Bits());
    }
}
