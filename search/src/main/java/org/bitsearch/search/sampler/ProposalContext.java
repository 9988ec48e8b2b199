package org.bitsearch.search.sampler;

import org.bitsearch.search.rng.SplitMix64;
import org.bitsearch.search.trial.Candidate;
import org.bitsearch.search.trial.TrialRecord;

import java.util.List;
import java.util.Set;

/**
 * What a sampler may look at when proposing trial {@code number}.
 *
 * @param number   the trial number to propose for
 * @param trials   every trial so far, in number order (unfinished ones included); read-only
 * @param proposed every candidate proposed so far, for duplicate avoidance (membership tests only)
 * @param rng      the trial's sampler generator, derived from (search seed, number)
 * @param designSeed the search's design seed, derived from the search seed alone ({@code Seeds.designSeed}): the
 *                 same for every trial, for designs laid out over several trials (NSGA-II's first generation)
 */
public record ProposalContext(int number, List<TrialRecord> trials, Set<Candidate> proposed, SplitMix64 rng, long designSeed) {
    /** True if {@code c} was proposed before. */
    public boolean isDuplicate(Candidate c) { return proposed.contains(c); }
}
