package org.bitsearch.bench;

import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.trainers.dl4j.Dl4jTrainer;
import org.bitsearch.trainers.dl4j.Dl4jTrainingRun;
import org.bitsearch.search.trainer.TrainingRun;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Figure 2: total training throughput with one trainer and with two concurrent trainers (two runs of the 4-bit MLP
 * in two threads, one native thread each, the trainer's fast step), alternating one, two, one, two. The total is all samples trained ÷ the
 * wall time from start to the last run's end. Beside it, what a loaded machine cannot hide: each trainer's samples per
 * CPU-second of its training thread (equal with one and two trainers when nothing in the process makes them wait or
 * spin on each other) and the cores the process's trainers received (their CPU seconds ÷ wall seconds), which the
 * scheduler decides: with Linux's autogroup scheduling the CPU is shared between sessions, not threads, so on a
 * machine other sessions keep busy a second thread adds little CPU to its session. Blocks the calling thread; uses
 * two worker threads it shuts down.
 */
final class ParallelScalingBench {
    record Result(int trainSamples, int repeats, Summary one, Summary two, Summary speedup, Summary cpuRateOne, Summary cpuRateTwo,
                  Summary cpuEfficiency, Summary coresOne, Summary coresTwo, String autogroup) {}

    /** One concurrent round: total samples/s, mean samples per CPU-second of a trainer, cores received. */
    private record Round(double total, double perCpuSecond, double cores) {}

    private final BenchConfig config;

    ParallelScalingBench(BenchConfig config) { this.config = config; }

    Result run() throws Exception {
        Dl4jTrainer trainer = new Dl4jTrainer(Dl4jBench.config(config.dataDir(), List.of(256, 128), config.pick(30000, 12000), 1000));
        int samples = trainer.data().trainCount();
        ThroughputBench.warmUp(config);
        int reps = config.repeats();
        double[] one = new double[reps], two = new double[reps], speedup = new double[reps], rateOne = new double[reps],
                rateTwo = new double[reps], efficiency = new double[reps], coresOne = new double[reps], coresTwo = new double[reps];
        ExecutorService pool = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "bench-trainer");
            t.setDaemon(true);
            return t;
        });
        try {
            for (int r = 0; r < config.repeats(); r++) {
                Round a = concurrent(pool, trainer, 1, r), b = concurrent(pool, trainer, 2, r);
                one[r] = a.total();
                two[r] = b.total();
                speedup[r] = two[r] / one[r];
                rateOne[r] = a.perCpuSecond();
                rateTwo[r] = b.perCpuSecond();
                efficiency[r] = rateTwo[r] / rateOne[r];
                coresOne[r] = a.cores();
                coresTwo[r] = b.cores();
                config.progress("parallel: repeat %d: 1 trainer %.0f samples/s (%.0f per CPU-s, %.2f cores), 2 trainers %.0f samples/s in total "
                        + "(%.0f per CPU-s each, %.2f cores)", r + 1, one[r], rateOne[r], coresOne[r], two[r], rateTwo[r], coresTwo[r]);
            }
        } finally {
            pool.shutdownNow();
        }
        return new Result(samples, reps, Summary.of(one), Summary.of(two), Summary.of(speedup), Summary.of(rateOne), Summary.of(rateTwo),
                Summary.of(efficiency), Summary.of(coresOne), Summary.of(coresTwo), autogroup());
    }

    /** Whether the kernel schedules by autogroup (sessions share the CPU, not threads): "on", "off" or "unknown". */
    static String autogroup() {
        try {
            String v = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/kernel/sched_autogroup_enabled")).strip();
            return v.equals("1") ? "on" : v.equals("0") ? "off" : "unknown";
        } catch (Exception e) {
            return "unknown";
        }
    }

    /** Trains one epoch in each of {@code k} concurrent runs. */
    private static Round concurrent(ExecutorService pool, Dl4jTrainer trainer, int k, int repeat) throws Exception {
        List<Future<double[]>> futures = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < k; i++) {
            int slot = i;
            futures.add(pool.submit(() -> {
                int layers = trainer.layers().size();
                try (TrainingRun run = trainer.open(Dl4jBench.context(slot, Dl4jBench.candidate(java.util.Collections.nCopies(layers, 4)),
                        1000L * repeat + slot, 1, slot))) {
                    EpochMetrics m = run.trainEpoch();
                    double cpu = run instanceof Dl4jTrainingRun d ? d.lastTrainCpuSeconds() : Double.NaN;
                    double trainWall = trainer.data().trainCount() / m.samplesPerSecond();
                    return new double[]{trainer.data().trainCount(), cpu, trainWall};
                }
            }));
        }
        long total = 0;
        double cpu = 0, rate = 0, trainWall = 0;
        for (Future<double[]> f : futures) {
            double[] r = f.get();
            total += (long) r[0];
            cpu += r[1];
            rate += r[0] / r[1] / k;
            trainWall = Math.max(trainWall, r[2]);
        }
        return new Round(total / ((System.nanoTime() - start) / 1e9), rate, cpu / trainWall);
    }

    void report(Result r, BenchReport out) {
        out.heading(2, "2. Parallel scaling (total samples/s, 1 and 2 concurrent trainers)");
        out.paragraph("One epoch of " + Summary.number(r.trainSamples(), 0) + " samples of the 4-bit MLP per trainer, each trainer in its own "
                + "thread with one native thread, alternating 1, 2, 1, 2 trainers. Total = all samples ÷ wall time until the last "
                + "trainer ends (this includes each run's validation pass). Median (min–max) over " + r.repeats() + " repeat(s).");
        out.paragraph("Samples per CPU-second: each trainer's training samples ÷ its training thread's CPU time (validation "
                + "excluded), the mean of the trainers; CPU efficiency = that figure with 2 trainers ÷ with 1 in the same repeat (1 "
                + "means the two trainers do not slow each other down: no lock, spinning pool or shared cache costs them CPU). Cores "
                + "received = the trainers' training CPU seconds ÷ the longest training loop's wall seconds: on an idle 2-core "
                + "machine about 1 and 2; below that, other work had the CPU. Autogroup scheduling is " + r.autogroup()
                + " on this machine (with it on, the kernel shares the CPU fairly between sessions rather than threads, so a "
                + "second thread gains a session little CPU while other sessions are busy); the speed-up an idle machine would "
                + "give is about 2 × the CPU efficiency.");
        out.table(List.of("trainers", "total samples/s", "speed-up over 1", "samples per CPU-s per trainer", "CPU efficiency vs 1",
                "cores received"), List.of(
                List.of("1", r.one().format(0), "1", r.cpuRateOne().format(0), "1", r.coresOne().format(2)),
                List.of("2", r.two().format(0), r.speedup().format(2), r.cpuRateTwo().format(0), r.cpuEfficiency().format(3),
                        r.coresTwo().format(2))));
    }
}
