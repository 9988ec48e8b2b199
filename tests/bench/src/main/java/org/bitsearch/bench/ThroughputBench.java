package org.bitsearch.bench;

import org.bitsearch.trainers.dl4j.Dl4jTrainer;
import org.bitsearch.trainers.dl4j.Dl4jTrainingRun;
import org.bitsearch.search.trainer.TrainingRun;
import org.bitsearch.search.trial.EpochMetrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Figure 1: training throughput of the DL4J trainer on the Fashion-MNIST MLP 784-256-128-10, batch 128, one
 * native thread, FP32 (32 bits everywhere: the weight noise passes weights through) and 8/4/2/1-bit fake
 * quantization. Each repeat trains one epoch of every width in turn (FP32, 8, 4, 2, 1, then again), so the
 * quantized/FP32 ratio of a repeat compares epochs measured seconds apart. Reports samples/s (wall clock, training
 * only) and samples per CPU-second of the training thread. Runs on the calling thread.
 */
final class ThroughputBench {
    static final List<Integer> WIDTHS = List.of(32, 8, 4, 2, 1);

    /** One width's figures over the repeats. */
    record Row(int bits, Summary samplesPerSecond, Summary samplesPerCpuSecond, Summary ratioToFp32) {}

    /** Figures of every width, and the last repeat's profile per width (samples per category). */
    record Result(int trainSamples, int repeats, List<Row> rows, Map<Integer, Map<String, Integer>> profiles, OpMicroBench.Result ops,
                  List<Double> warmUp) {}

    private final BenchConfig config;

    ThroughputBench(BenchConfig config) { this.config = config; }

    Result run() throws Exception {
        Dl4jTrainer trainer = new Dl4jTrainer(Dl4jBench.config(config.dataDir(), List.of(256, 128), config.pick(30000, 12000), 1000));
        int samples = trainer.data().trainCount();
        config.progress("throughput: %d training samples per epoch, %d repeat(s), warming up", samples, config.repeats());
        List<Double> warm = warmUp(config);
        int n = WIDTHS.size();
        double[][] sps = new double[n][config.repeats()], cps = new double[n][config.repeats()];
        Map<Integer, Map<String, Integer>> profiles = new LinkedHashMap<>();
        for (int r = 0; r < config.repeats(); r++) {
            for (int i = 0; i < n; i++) {
                boolean profile = r == config.repeats() - 1;
                TrainingProfile p = profile ? new TrainingProfile().start() : null;
                double[] m;
                try {
                    m = epoch(trainer, WIDTHS.get(i), r + 1);
                    if (p != null) profiles.put(WIDTHS.get(i), p.stop(Thread.currentThread().getName()));
                } finally {
                    if (p != null) p.close();
                }
                sps[i][r] = m[0];
                cps[i][r] = m[1];
                config.progress("throughput: repeat %d, %s: %.0f samples/s, %.0f samples per CPU-second", r + 1, label(WIDTHS.get(i)), m[0], m[1]);
            }
        }
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double[] ratio = new double[config.repeats()];
            for (int r = 0; r < ratio.length; r++) ratio[r] = sps[i][r] / sps[0][r];
            rows.add(new Row(WIDTHS.get(i), Summary.of(sps[i]), Summary.of(cps[i]), Summary.of(ratio)));
        }
        OpMicroBench micro = new OpMicroBench(config);
        return new Result(samples, config.repeats(), rows, profiles, micro.run(trainer), warm);
    }

    /**
     * Warms the JIT and the native libraries up until training speed settles: rounds of one 6,000-sample epoch per
     * width (each width runs its own quantizer path) until a round's samples per CPU-second is within 10% of the
     * previous round's, at most 6 rounds. Measured on this machine under load, one warm-up epoch left the first
     * repeat 2–5× slower than later ones: the compiler threads were still compiling DL4J's Java side.
     *
     * @return samples per CPU-second of each round (the last is the settled speed)
     */
    static List<Double> warmUp(BenchConfig config) throws Exception {
        if (warmRounds != null) return warmRounds;
        Dl4jTrainer warm = new Dl4jTrainer(Dl4jBench.config(config.dataDir(), List.of(256, 128), 6000, 1000));
        List<Double> rounds = new ArrayList<>();
        for (int round = 0; round < 6; round++) {
            double cpuRate = 0;
            for (int bits : WIDTHS) cpuRate += epoch(warm, bits, round)[1] / WIDTHS.size();
            rounds.add(cpuRate);
            config.progress("warm-up round %d: %.0f samples per CPU-second", round + 1, cpuRate);
            int n = rounds.size();
            if (n >= 2 && Math.abs(rounds.get(n - 1) / rounds.get(n - 2) - 1) < 0.10) break;
        }
        warmRounds = List.copyOf(rounds);
        return warmRounds;
    }

    private static List<Double> warmRounds; // once per process: the JIT stays warm

    /** Trains one epoch of all-{@code bits} and returns {samples/s, samples per CPU-second}. */
    static double[] epoch(Dl4jTrainer trainer, int bits, long seed) throws Exception {
        int layers = trainer.layers().size();
        try (TrainingRun run = trainer.open(Dl4jBench.context(0, Dl4jBench.candidate(java.util.Collections.nCopies(layers, bits)), seed, 1, 0))) {
            EpochMetrics m = run.trainEpoch();
            double cpu = run instanceof Dl4jTrainingRun d ? d.lastTrainCpuSeconds() : 0;
            return new double[] {m.samplesPerSecond(), cpu > 0 ? trainer.data().trainCount() / cpu : Double.NaN};
        }
    }

    static String label(int bits) { return bits == 32 ? "FP32" : bits + "-bit"; }

    void report(Result r, BenchReport out) {
        out.heading(2, "1. Training throughput (DL4J, Fashion-MNIST MLP 784-256-128-10, batch 128)");
        out.paragraph("One epoch of " + Summary.number(r.trainSamples(), 0) + " training samples per width and repeat, one BLAS/OpenMP "
                + "thread (the setting searches use: one trainer per core), widths alternated within each repeat "
                + "(FP32, 8, 4, 2, 1, FP32, ...) after warm-up rounds (one 6,000-sample epoch per width) "
                + "repeated until the speed settles: " + r.warmUp().size() + " round(s) at "
                + r.warmUp().stream().map(x -> Summary.number(x, 0)).collect(java.util.stream.Collectors.joining(", "))
                + " samples per CPU-second. Samples/s is wall clock of the training loop "
                + "only (no evaluation); samples per CPU-second divides by the training thread's CPU time and is the steadier "
                + "figure on a loaded machine. Ratio = samples/s of the width ÷ FP32 in the same repeat. Values are "
                + "median (min–max) over " + r.repeats() + " repeat(s).");
        List<List<String>> rows = new ArrayList<>();
        for (Row row : r.rows())
            rows.add(List.of(label(row.bits()), row.samplesPerSecond().format(0), row.samplesPerCpuSecond().format(0),
                    row.bits() == 32 ? "1" : row.ratioToFp32().format(3)));
        out.table(List.of("weights", "samples/s", "samples per CPU-second", "ratio to FP32"), rows);
        out.paragraph("Published reference for the same MLP on these 2 cores (quoted, not run here: no PyTorch on this machine): "
                + "PyTorch 1.13 CPU 86,000–120,000 samples/s in FP32 and 60,000–107,000 samples/s with fake quantization. "
                + String.format(java.util.Locale.ROOT, "Here FP32 reaches a median of %,.0f samples/s on one thread (%,.0f per CPU-second): "
                        + "%.1f× below the reference's lower end (figure 2 gives the total of two trainers on the two cores).",
                        r.rows().get(0).samplesPerSecond().median(), r.rows().get(0).samplesPerCpuSecond().median(),
                        86000 / r.rows().get(0).samplesPerSecond().median()));
        if (r.profiles().isEmpty()) return;
        out.heading(3, "Where the training thread's time goes (JFR sampling profile, last repeat)");
        out.paragraph("JDK Flight Recorder samples (Java and native-method samples, period 10 ms) of the training thread during the last "
                + "repeat's epoch of each width (training and its validation pass). Native code (OpenBLAS, libnd4j) is attributed to the "
                + "Java call that entered it; each sample goes to the innermost frame matching a category. A native sample counts wall "
                + "time in native code whether or not the thread had a CPU, so on a loaded machine memory-bound calls (the gathers) "
                + "weigh more than their CPU cost; 1b times the suspects alone. Share of the thread's samples:");
        List<String> header = new ArrayList<>(List.of("where"));
        r.profiles().keySet().forEach(b -> header.add(label(b)));
        List<String> labels = new ArrayList<>(r.profiles().values().iterator().next().keySet());
        List<List<String>> prow = new ArrayList<>();
        for (String l : labels) {
            List<String> cells = new ArrayList<>(List.of(l));
            for (Map<String, Integer> counts : r.profiles().values()) {
                int total = counts.values().stream().mapToInt(Integer::intValue).sum();
                cells.add(total == 0 ? "–" : Summary.number(100.0 * counts.getOrDefault(l, 0) / total, 1) + " %");
            }
            prow.add(cells);
        }
        List<String> totals = new ArrayList<>(List.of("samples"));
        for (Map<String, Integer> counts : r.profiles().values())
            totals.add(String.valueOf(counts.values().stream().mapToInt(Integer::intValue).sum()));
        prow.add(totals);
        out.table(header, prow);
        new OpMicroBench(config).report(r.ops(), out);
    }
}
