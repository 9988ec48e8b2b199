package org.bitsearch.search.trainer;

import org.bitsearch.search.trial.Candidate;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Everything a {@link Trainer} needs to open one trial's run.
 *
 * @param number     the trial number within its search (0-based, no gaps)
 * @param candidate  hyperparameters and bit allocation to train
 * @param seed       the trial's seed, derived from the search seed and the trial number
 * @param maxEpochs  the most epochs this trial may train (the pruner may stop it earlier)
 * @param checkpoint the checkpoint to restore before training, if the trial is being resumed
 * @param device     the device slot the run must use: "cpu:N" or "gpu:N" (N = CUDA device index), prefixed by
 *                   {@code NODE/} for a slot of a cluster worker ("127.0.0.1:25521/cpu:0"; see {@link #node()})
 * @param searchId   the search the trial belongs to (0 when the run serves no search, e.g. {@code bitsearch train})
 * @param attempt    the attempt number of this trial, from 1 (1 for a run opened to test or export)
 * @param trialDir   the trial's directory (where its checkpoints live), when a trial actor opens the run for an
 *                   attempt; empty for a test or an export, and outside a search
 */
public record TrialContext(int number, Candidate candidate, long seed, int maxEpochs, Optional<Path> checkpoint,
                           String device, long searchId, int attempt, Optional<Path> trialDir) {
    public TrialContext {
        if (number < 0) throw new IllegalArgumentException("number is " + number + ", but must be >= 0");
        if (candidate == null) throw new IllegalArgumentException("candidate must not be null");
        if (maxEpochs < 1) throw new IllegalArgumentException("maxEpochs is " + maxEpochs + ", but must be >= 1");
        if (checkpoint == null) checkpoint = Optional.empty();
        if (device == null || !device.matches("([^/\\s]+/)?(cpu|gpu):\\d+"))
            throw new IllegalArgumentException("device is '" + device + "', but must be cpu:N or gpu:N, optionally NODE/ before it");
        if (searchId < 0) throw new IllegalArgumentException("searchId is " + searchId + ", but must be >= 0");
        if (attempt < 1) throw new IllegalArgumentException("attempt is " + attempt + ", but must be >= 1");
        if (trialDir == null) trialDir = Optional.empty();
    }

    /** A context outside any trial attempt (a test, an export, {@code bitsearch train}): search 0, attempt 1, no trial directory. */
    public TrialContext(int number, Candidate candidate, long seed, int maxEpochs, Optional<Path> checkpoint, String device) {
        this(number, candidate, seed, maxEpochs, checkpoint, device, 0, 1, Optional.empty());
    }

    /** The cluster node the slot belongs to ("HOST:PORT" of a worker); empty for a slot of this process. */
    public Optional<String> node() {
        int slash = device.lastIndexOf('/');
        return slash < 0 ? Optional.empty() : Optional.of(device.substring(0, slash));
    }

    /** The device on its own node: "cpu:N" or "gpu:N". */
    public String localDevice() { return device.substring(device.lastIndexOf('/') + 1); }

    /**
     * The same context for the device on its own node (what a worker hands its trainer); the trial directory, a path
     * of the coordinator, is dropped.
     */
    public TrialContext onLocalDevice() {
        return new TrialContext(number, candidate, seed, maxEpochs, checkpoint, localDevice(), searchId, attempt, Optional.empty());
    }

    public boolean onGpu() { return localDevice().startsWith("gpu:"); }

    /** The device index N of "cpu:N" / "gpu:N". */
    public int deviceIndex() { return Integer.parseInt(localDevice().substring(4)); }
}
