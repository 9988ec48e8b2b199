package org.bitsearch.actors.train;

import org.nd4j.linalg.factory.Nd4j;

/**
 * Bounds ND4J's native threads (libnd4j's OpenMP pool and the BLAS library). The settings are process-wide, so
 * the bound is per process: with {@code threads == 0} it is the available cores divided by the runs open at the
 * moment, at least 1 (STACK.md: two trainers on two cores are fastest with one thread each). Thread-safe.
 */
public final class NativeThreads {
    private static int openRuns;
    private static int applied = -1;

    private NativeThreads() {}

    /** Registers an open run and applies the bound; pair with {@link #release}. */
    public static synchronized void acquire(int threads) {
        openRuns++;
        apply(threads);
    }

    /** Unregisters a run opened with {@link #acquire}. */
    public static synchronized void release() {
        if (openRuns > 0) openRuns--;
    }

    /** Applies the bound again (called at the start of every epoch: other runs may have opened or closed). */
    public static synchronized void apply(int threads) {
        int n = threads > 0 ? threads : Math.max(1, Runtime.getRuntime().availableProcessors() / Math.max(1, openRuns));
        if (n == applied) return;
        Nd4j.getEnvironment().setMaxThreads(n);
        Nd4j.getEnvironment().setMaxMasterThreads(n);
        Nd4j.factory().blas().setMaxThreads(n);
        applied = n;
    }

    /** The bound currently applied (-1 before the first run). */
    public static synchronized int current() { return applied; }
}
