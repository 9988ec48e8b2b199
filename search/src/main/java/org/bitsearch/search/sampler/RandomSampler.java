package org.bitsearch.search.sampler;

import org.bitsearch.search.rng.SplitMix64;
import org.bitsearch.search.space.Dimension;
import org.bitsearch.search.space.Dimensions;
import org.bitsearch.search.space.FeasibleAllocations;
import org.bitsearch.search.space.SearchSpace;
import org.bitsearch.search.trial.Candidate;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Independent uniform draws: every hyperparameter uniformly (log-uniformly for log ranges), the bit allocation
 * constructively by {@link FeasibleAllocations#sample}, then (when the space has {@code activationBits}) the
 * activation allocation the same way from the same generator; without it the draws are exactly those of before. Redraws up to {@value #TRIES} times to avoid repeating
 * an earlier candidate; a space too small for that gets a repeat.
 */
public final class RandomSampler implements Sampler {
    static final int TRIES = 64;
    private final SearchSpace space;
    private final FeasibleAllocations allocations;
    private final FeasibleAllocations activations;

    public RandomSampler(SearchSpace space) {
        this.space = space;
        this.allocations = new FeasibleAllocations(space.bits());
        this.activations = space.activationBits().map(FeasibleAllocations::new).orElse(null);
    }

    @Override public Optional<Candidate> propose(ProposalContext ctx) {
        return Optional.of(distinct(ctx, () -> draw(ctx.rng())));
    }

    /** One uniform draw. */
    public Candidate draw(SplitMix64 rng) {
        Map<String, Object> params = new LinkedHashMap<>();
        for (Dimension d : space.dimensions()) params.put(d.name(), Dimensions.sample(d, rng));
        var bits = allocations.sample(rng);
        return new Candidate(params, bits, activations == null ? null : activations.sample(rng));
    }

    /** Draws until the candidate is new, at most {@value #TRIES} times. */
    static Candidate distinct(ProposalContext ctx, Supplier<Candidate> draw) {
        Candidate c = draw.get();
        for (int i = 1; i < TRIES && ctx.isDuplicate(c); i++) c = draw.get();
        return c;
    }
}
