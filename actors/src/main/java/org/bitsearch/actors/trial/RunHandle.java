package org.bitsearch.actors.trial;

import org.bitsearch.search.trainer.TrainingRun;

/**
 * Owns one open {@link TrainingRun} and serialises every use of it: steps and {@link #close()} run one at a time,
 * so closing a run whose actor stopped mid-epoch waits for that epoch instead of pulling the network from under
 * it. Used only from blocking-dispatcher threads, except {@link #cancel()}.
 */
final class RunHandle {
    /** One blocking step on the run. */
    interface Step<T> {
        T apply(TrainingRun run) throws Exception;
    }

    private final TrainingRun run;
    private boolean closed;

    RunHandle(TrainingRun run) {
        this.run = run;
    }

    /** Runs {@code step} on the run; throws IllegalStateException if the run was closed. */
    synchronized <T> T call(Step<T> step) throws Exception {
        if (closed) throw new IllegalStateException("the training run was closed");
        return step.apply(run);
    }

    /**
     * Cancels the running epoch ({@link TrainingRun#cancel()}): not serialised with the steps, since it must reach the
     * step that runs now. Callable from any thread.
     */
    void cancel() {
        run.cancel();
    }

    /** Closes the run once; later calls do nothing. Blocks until a running step ends. */
    synchronized void close() {
        if (closed) return;
        closed = true;
        run.close();
    }
}
