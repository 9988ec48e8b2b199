package org.bitsearch.trainers.dl4j;

import org.nd4j.linalg.factory.Environment;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * Bounds ND4J's native threads (libnd4j's OpenMP pool and the BLAS library) to a run's {@code threads} setting;
 * {@code threads == 0} (the default, "automatic") means {@value #DEFAULT_THREADS} thread. The settings are
 * process-wide (the OpenMP team size per calling thread), so concurrent runs of one process should use the same
 * setting. Thread-safe.
 *
 * <p>Why a fixed default and not one chosen from the machine's load or the number of open runs: the thread count
 * changes how libnd4j and OpenBLAS split sums (measured: the fast step's {@code sgemm} of [128, 784]·[784, 64]
 * gave other last bits at 2 threads than at 1), so a count that follows the load made a trial's reports depend on
 * what else ran on the machine: with the former bound (the cores other processes leave idle, divided by the open
 * runs), a trial alone on an idle 2-core machine trained with 2 threads and next to another trial with 1, and
 * reported different losses (CPQ on 800 samples, 2 epochs: validation loss 1.3041214916 at 1 thread, 1.3041214891
 * at 2), and the fast step's 1-bit activation masks flipped at float ties. Results are functions of the seeds and
 * of explicit settings only.
 *
 * <p>Why one thread: it is the measured best on the 2-core development machine. When the cores are oversubscribed
 * every OpenMP region and every split gemm waits for its threads to be scheduled: an MLP epoch at load average ~10
 * ran at 668 samples/s with 2 threads and at 10,278 with 1 (15x); two trainers on two cores are fastest with one
 * thread each (BENCHMARKS.md figure 2), and a search keeps every core busy with one trial per slot. A single run on
 * an otherwise idle many-core machine may go faster with {@code threads > 1}: set it explicitly.
 */
public final class NativeThreads {
    /** The native threads of a run whose {@code threads} setting is 0. */
    public static final int DEFAULT_THREADS = 1;

    private static int applied = -1;

    private NativeThreads() {}

    /** The native threads of a run with setting {@code threads}: itself, or {@value #DEFAULT_THREADS} when 0. */
    public static int bound(int threads) {
        if (threads < 0) throw new IllegalArgumentException("threads is " + threads + ", but must be >= 0 (0 = one native thread per run)");
        return threads > 0 ? threads : DEFAULT_THREADS;
    }

    /**
     * Applies {@link #bound}{@code (threads)} (called at the start of every epoch and entry point: the caller may be
     * a different thread). The OpenMP team size is set on every call: it is a per-thread setting of the calling
     * thread, and {@code Environment.setMaxThreads} alone does not bound it: libnd4j ops such as softmax open
     * {@code omp parallel} regions with the default team (all cores). Measured: softmax of [128, 10] with maxThreads 1
     * took 150-1,300 µs of CPU and 1.4-13 ms wall on a loaded 2-core machine, and 45-60 µs CPU, 95-370 µs wall with
     * {@code omp_set_num_threads(1)}.
     */
    public static synchronized void apply(int threads) {
        int n = bound(threads);
        // ND4J first: NativeOpsHolder initialised before the backend fails (its class init reads backend properties)
        Environment env = Nd4j.getEnvironment();
        NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(n);
        if (n == applied) return;
        env.setMaxThreads(n);
        env.setMaxMasterThreads(n);
        Nd4j.factory().blas().setMaxThreads(n);
        applied = n;
    }

    /** The bound currently applied (-1 before the first call of {@link #apply}). */
    public static synchronized int current() { return applied; }
}
