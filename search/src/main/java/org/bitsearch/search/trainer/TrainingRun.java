package org.bitsearch.search.trainer;

import org.bitsearch.search.trial.EpochMetrics;

import java.nio.file.Path;

/**
 * One trial's training, advanced one epoch per call. Not thread-safe, except {@link #cancel()}: the trial actor
 * calls it from one blocking-dispatcher thread at a time. A STOP between epochs needs no cooperation from the run;
 * a stop that must not wait for the running epoch uses {@link #cancel()}.
 */
public interface TrainingRun extends AutoCloseable {
    /** The epoch the next {@link #trainEpoch()} will train, 1-based (greater than 1 after a restored checkpoint). */
    int nextEpoch();

    /**
     * Trains one epoch with quantization-aware training, evaluates the quantized model on the validation
     * split and returns the report. A diverged epoch (NaN or infinite loss) is returned, not thrown:
     * {@link EpochMetrics#diverged()} tells the caller to fail the trial.
     */
    EpochMetrics trainEpoch() throws Exception;

    /**
     * Asks the running {@link #trainEpoch()} (or the next one, if none runs) to stop at its next minibatch boundary
     * (for a trainer without minibatches: as soon as it can), where it throws {@link EpochCancelledException}. The
     * interrupted epoch is discarded; afterwards the run is only good for {@link #close()}, and the trial resumes
     * from its last checkpoint. Thread-safe, returns at once, idempotent; may be called from any thread.
     */
    void cancel();

    /**
     * Writes a checkpoint (full-precision weights, updater state, the epoch count, RNG state) to {@code file}
     * atomically: a temp file beside it, then a move. Restoring it and training on gives the same result as
     * never having stopped.
     */
    void saveCheckpoint(Path file) throws Exception;

    /** Accuracy of the quantized model on the held-out test set. Called at most a few times, at the end. */
    double testAccuracy() throws Exception;

    /** Writes the quantized model (weights replaced by their quantized values) for export. */
    void exportModel(Path file) throws Exception;

    @Override void close();
}
