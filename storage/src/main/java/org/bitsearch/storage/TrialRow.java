package org.bitsearch.storage;

import org.bitsearch.search.space.BitAllocation;
import org.bitsearch.search.trial.Candidate;
import org.bitsearch.search.trial.TrialState;

import java.time.Instant;
import java.util.List;
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
 * @param learnedBits  the allocation the trainer learned (CPQ's DropBits regulariser), empty if none; when given it
 *                     is the trial's allocation and {@code sizeBits} its size, while the candidate keeps the proposal
 */
public record TrialRow(long searchId, int number, Candidate candidate, long seed, long sizeBits, TrialState state,
                       int attempts, String error, String reason, String device, Optional<Double> testAccuracy,
                       Instant created, Instant updated, List<Integer> learnedBits) {
    /** A trial whose trainer learned no bits. */
    public TrialRow(long searchId, int number, Candidate candidate, long seed, long sizeBits, TrialState state,
                    int attempts, String error, String reason, String device, Optional<Double> testAccuracy,
                    Instant created, Instant updated) {
        this(searchId, number, candidate, seed, sizeBits, state, attempts, error, reason, device, testAccuracy,
                created, updated, List.of());
    }

    /** The trial's allocation: its learned bits when the trainer learned them, else the candidate's. */
    public BitAllocation allocation() {
        return learnedBits.isEmpty() ? candidate.bits() : new BitAllocation(learnedBits);
    }

    public TrialRow {
        learnedBits = learnedBits == null ? List.of() : List.copyOf(learnedBits);
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
