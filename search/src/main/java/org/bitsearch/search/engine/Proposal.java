package org.bitsearch.search.engine;

import org.bitsearch.search.trial.Candidate;

/**
 * A candidate the engine asks to be trained.
 *
 * @param number    the trial number (0-based, consecutive)
 * @param candidate the configuration
 * @param seed      the trial's seed: a pure function of (search seed, number)
 * @param sizeBits  exact model size of the candidate's allocation
 */
public record Proposal(int number, Candidate candidate, long seed, long sizeBits) {
    public Proposal {
        if (number < 0) throw new IllegalArgumentException("number is " + number + ", but must be >= 0");
        if (candidate == null) throw new IllegalArgumentException("candidate must not be null");
    }
}
