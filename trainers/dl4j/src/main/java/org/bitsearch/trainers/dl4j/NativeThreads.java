package org.bitsearch.trainers.dl4j;

import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * Bounds ND4J's native threads (libnd4j's OpenMP pool and the BLAS library). The settings are process-wide, so
 * the bound is per process: with {@code threads == 0} it is the cores left idle by other processes divided by the
 * runs open at the moment, at most the available cores divided by the open runs, and at least 1. Thread-safe.
 *
 * <p>Why the load matters: libnd4j runs each op as an OpenMP parallel region and OpenBLAS splits each gemm across
 * its pool; when the cores are oversubscribed every region waits for its threads to be scheduled. Measured on a
 * 2-core machine at load average ~10: an MLP epoch at 2 threads ran at 668 samples/s, at 1 thread at 10,278
 * (15x). STACK.md: two trainers on two cores are fastest with one thread each. The load average is read once
 * per epoch ({@link #apply}); the run's own busy threads are subtracted from it.
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

    /**
     * Applies the bound again (called at the start of every epoch and entry point: other runs may have opened or
     * closed, and the caller may be a different thread). The OpenMP team size is set on every call: it is a
     * per-thread setting of the calling thread, and {@code Environment.setMaxThreads} alone does not bound it:
     * libnd4j ops such as softmax open {@code omp parallel} regions with the default team (all cores). Measured:
     * softmax of [128, 10] with maxThreads 1 took 150-1,300 µs of CPU and 1.4-13 ms wall on a loaded 2-core
     * machine, and 45-60 µs CPU, 95-370 µs wall with {@code omp_set_num_threads(1)}.
     */
    public static synchronized void apply(int threads) {
        int n = threads > 0 ? threads : automatic(Runtime.getRuntime().availableProcessors(), Math.max(1, openRuns),
                java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
                Math.max(0, applied));
        NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(n);
        if (n == applied) return;
        Nd4j.getEnvironment().setMaxThreads(n);
        Nd4j.getEnvironment().setMaxMasterThreads(n);
        Nd4j.factory().blas().setMaxThreads(n);
        applied = n;
    }

    /**
     * The automatic bound: the cores that other processes leave idle (the load average minus this process's own
     * {@code ownThreads} per open run), shared by the open runs, capped at {@code cores / runs}, at least 1.
     *
     * @param load the one-minute load average, negative when unknown (then only the cap applies)
     */
    static int automatic(int cores, int runs, double load, int ownThreads) {
        int cap = Math.max(1, cores / runs);
        if (load < 0) return cap;
        double otherLoad = Math.max(0, load - (double) ownThreads * runs);
        int idle = (int) Math.floor(cores - otherLoad + 0.25);
        return Math.max(1, Math.min(cap, idle / runs));
    }

    /** The bound currently applied (-1 before the first run). */
    public static synchronized int current() { return applied; }
}
