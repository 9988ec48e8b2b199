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
 * @param reason       why the trial ended as it did (the finish reason: the rung verdict of a PRUNED trial,
 *                     "completed N epochs", the failure of a FAILED one), empty while unfinished
 * @param device       the slot it ran on last ("cpu:0", "gpu:1"), empty if never started
 * @param testAccuracy accuracy of the quantized model on the test set, measured at the end for front points
 */
public record TrialRow(long searchId, int number, Candidate candidate, long seed, long sizeBits, TrialState state,
                       int attempts, String error, String reason, String device, Optional<Double> testAccuracy,
                       Instant created, Instant updated) {
    public TrialRow {
        if (number < 0) throw new IllegalArgumentException("number is " + number + ", but must be >= 0");
        if (candidate == null || state == null) throw new IllegalArgumentException("candidate and state must not be null");
        if (error == null) error = "";
        if (reason == null) reason = "";
        if (device == null) device = "";
        if (testAccuracy == null) testAccuracy = Optional.empty();
    }

    /** Why the trial is where it is: its finish reason once finished, else the last retried error, else empty. */
    public String statusReason() {
        return reason.isEmpty() ? error : reason;
    }
}
