package org.bitsearch.storage;

import org.bitsearch.search.trial.Candidate;
import org.bitsearch.search.trial.TrialState;

import java.time.Instant;
import java.util.Optional;

/**
 * One trial as stored.
 *
 * @param attempts     how many times training was started (1 on the first start; retries and resumes add one)
 * @param error        why the trial FAILED (or the last retried error), empty if none
 * @param device       the slot it ran on last ("cpu:0", "gpu:1"), empty if never started
 * @param testAccuracy accuracy of the quantized model on the test set, measured at the end for front points
 */
public record TrialRow(long searchId, int number, Candidate candidate, long seed, long sizeBits, TrialState state,
                       int attempts, String error, String device, Optional<Double> testAccuracy,
                       Instant created, Instant updated) {
    public TrialRow {
        if (number < 0) throw new IllegalArgumentException("number is " + number + ", but must be >= 0");
        if (candidate == null || state == null) throw new IllegalArgumentException("candidate and state must not be null");
        if (error == null) error = "";
        if (device == null) device = "";
        if (testAccuracy == null) testAccuracy = Optional.empty();
    }
}
