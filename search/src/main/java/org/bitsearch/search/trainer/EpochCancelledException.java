package org.bitsearch.search.trainer;

/**
 * Thrown by {@link TrainingRun#trainEpoch()} when {@link TrainingRun#cancel()} stopped it between two minibatches.
 * The interrupted epoch's work is discarded: nothing was reported for it, and the trial goes on later from its last
 * checkpoint. Not a failure of the trial: callers do not count it as a failed attempt.
 */
public final class EpochCancelledException extends Exception {
    private static final long serialVersionUID = 1L;

    public EpochCancelledException(int epoch) {
        super("epoch " + epoch + " was cancelled before it finished; it is discarded");
    }
}
