package org.bitsearch.bench;

import org.bitsearch.trainers.dl4j.Dl4jTrainer;
import org.bitsearch.search.trainer.TrainingRun;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Figure 2: total training throughput with one trainer and with two concurrent trainers (two runs of the 4-bit MLP
 * in two threads, one native thread each, the trainer's fast step), alternating one, two, one, two. The total is all samples trained ÷ the
 * wall time from start to the last run's end. Blocks the calling thread; uses two worker threads it shuts down.
 */
final class ParallelScalingBench {
    record Result(int trainSamples, int repeats, Summary one, Summary two, Summary speedup) {}

    private final BenchConfig config;

    ParallelScalingBench(BenchConfig config) { this.config = config; }

    Result run() throws Exception {
        Dl4jTrainer trainer = new Dl4jTrainer(Dl4jBench.config(config.dataDir(), List.of(256, 128), config.pick(30000, 12000), 1000));
        int samples = trainer.data().trainCount();
        ThroughputBench.warmUp(config);
        double[] one = new double[config.repeats()], two = new double[config.repeats()], speedup = new double[config.repeats()];
        ExecutorService pool = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "bench-trainer");
            t.setDaemon(true);
            return t;
        });
        try {
            for (int r = 0; r < config.repeats(); r++) {
                one[r] = concurrent(pool, trainer, 1, r);
                two[r] = concurrent(pool, trainer, 2, r);
                speedup[r] = two[r] / one[r];
                config.progress("parallel: repeat %d: 1 trainer %.0f samples/s, 2 trainers %.0f samples/s in total", r + 1, one[r], two[r]);
            }
        } finally {
            pool.shutdownNow();
        }
        return new Result(samples, config.repeats(), Summary.of(one), Summary.of(two), Summary.of(speedup));
    }

    /** Trains one epoch in each of {@code k} concurrent runs; returns total samples/s. */
    private static double concurrent(ExecutorService pool, Dl4jTrainer trainer, int k, int repeat) throws Exception {
        List<Future<Integer>> futures = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < k; i++) {
            int slot = i;
            futures.add(pool.submit(() -> {
                int layers = trainer.layers().size();
                try (TrainingRun run = trainer.open(Dl4jBench.context(slot, Dl4jBench.candidate(java.util.Collections.nCopies(layers, 4)),
                        1000L * repeat + slot, 1, slot))) {
                    run.trainEpoch();
                    return trainer.data().trainCount();
                }
            }));
        }
        long total = 0;
        for (Future<Integer> f : futures) total += f.get();
        return total / ((System.nanoTime() - start) / 1e9);
    }

    void report(Result r, BenchReport out) {
        out.heading(2, "2. Parallel scaling (total samples/s, 1 and 2 concurrent trainers)");
        out.paragraph("One epoch of " + Summary.number(r.trainSamples(), 0) + " samples of the 4-bit MLP per trainer, each trainer in its own "
                + "thread with one native thread, alternating 1, 2, 1, 2 trainers. Total = all samples ÷ wall time until the last "
                + "trainer ends (this includes each run's validation pass). Median (min–max) over " + r.repeats() + " repeat(s).");
        out.table(List.of("trainers", "total samples/s", "speed-up over 1"), List.of(
                List.of("1", r.one().format(0), "1"),
                List.of("2", r.two().format(0), r.speedup().format(2))));
    }
}
