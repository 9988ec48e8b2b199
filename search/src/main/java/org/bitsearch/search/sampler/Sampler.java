package org.bitsearch.search.sampler;

import org.bitsearch.search.space.SearchSpace;
import org.bitsearch.search.trial.Candidate;

import java.util.Optional;
import java.util.OptionalLong;

/**
 * Proposes candidates. A proposal is a pure function of the {@link ProposalContext} (trial number, history,
 * the trial's generator): the same history gives the same proposal in any process, which is what makes resume
 * exact. Every proposal is inside the space and satisfies the bit-allocation constraints. Not thread-safe.
 */
public interface Sampler {
    /** The candidate for {@code ctx.number()}, or empty if the sampler waits for running trials to finish. */
    Optional<Candidate> propose(ProposalContext ctx);

    /** How many distinct candidates this sampler can ever propose, if it is finite by design (grid). */
    default OptionalLong size() { return OptionalLong.empty(); }

    /** The sampler for {@code config} over {@code space}. Throws if the configuration cannot work on the space. */
    static Sampler create(SamplerConfig config, SearchSpace space) {
        if (config instanceof SamplerConfig.Random) return new RandomSampler(space);
        if (config instanceof SamplerConfig.Grid g) return new GridSampler(space, g.pointsPerFloat());
        if (config instanceof SamplerConfig.Tpe t) return new TpeSampler(space, t);
        if (config instanceof SamplerConfig.Nsga2 n) return new Nsga2Sampler(space, n);
        throw new IllegalArgumentException("sampler " + config + " is unknown");
    }
}
