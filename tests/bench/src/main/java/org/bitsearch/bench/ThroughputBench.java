package org.bitsearch.bench;

import org.bitsearch.search.trainer.TrainingRun;
import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.trainers.dl4j.Dl4jTrainer;
import org.bitsearch.trainers.dl4j.Dl4jTrainingRun;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Figure 1: training throughput of bitsearch's DL4J trainer (its fast step) side by side with PyTorch in the same run,
 * one thread each, on the Fashion-MNIST MLP 784-256-128-10 and the LeNet-style CNN, batch 128, Adam 1e-3, FP32 and
 * 8/4/2/1-bit fake quantization. Each repeat, for every model and width, trains one bitsearch epoch then one PyTorch
 * epoch of the same number of samples (A B A B), so each ratio compares epochs measured seconds apart. DL4J's own
 * {@code fit} (the trainer's fallback) is timed at FP32 in the same rounds for reference. Reports samples/s (wall
 * clock of the training loop only) and samples per CPU-second (the training thread's CPU time; the Python process's
 * for PyTorch), the steadier figure on a loaded machine. Runs on the calling thread.
 */
final class ThroughputBench {
    static final List<Integer> WIDTHS = List.of(32, 8, 4, 2, 1);
    static final List<String> MODELS = List.of("mlp", "cnn");

    /** One (model, width)'s figures over the repeats; the PyTorch ones are null without PyTorch. */
    record Row(String model, int bits, Summary bitsearch, Summary bitsearchCpu, Summary torch, Summary torchCpu,
               Summary ratio, Summary cpuRatio, Summary stepTimeToFp32) {}

    /**
     * Figures of every model and width, DL4J fit's FP32 figures per model, the last repeat's profile of each model
     * and width (by model, then width), the warm-up rounds, and how PyTorch ran (or why it did not).
     */
    record Result(Map<String, Integer> samples, int repeats, List<Row> rows, Map<String, Summary> fit,
                  Map<String, Map<Integer, Map<String, Integer>>> profiles, OpMicroBench.Result ops, StepRatioBench.Result stepRatio,
                  List<Double> warmUp, String torch, boolean torchRan) {}

    private final BenchConfig config;

    ThroughputBench(BenchConfig config) { this.config = config; }

    static Dl4jTrainer trainer(BenchConfig config, String model, int samples) {
        return new Dl4jTrainer(Dl4jBench.config(config.dataDir(), model, model.equals("mlp") ? List.of(256, 128) : List.of(128), samples, 1000));
    }

    Result run() throws Exception {
        Map<String, Dl4jTrainer> trainers = new LinkedHashMap<>();
        Map<String, Integer> samples = new LinkedHashMap<>();
        trainers.put("mlp", trainer(config, "mlp", config.pick(30000, 12000)));
        trainers.put("cnn", trainer(config, "cnn", config.pick(8000, 3000)));
        for (var e : trainers.entrySet()) samples.put(e.getKey(), e.getValue().data().trainCount());
        List<Double> warm = warmUp(config);
        Dl4jTrainer cnnWarm = trainer(config, "cnn", 1000);
        for (int bits : WIDTHS) epoch(cnnWarm, bits, 0, true);
        TorchWorker torch = null;
        String torchInfo;
        Optional<String> python = TorchWorker.findPython();
        if (python.isEmpty()) {
            torchInfo = "PyTorch did not run: no python3 (tried $BITSEARCH_PYTHON, python3, /usr/bin/python3) imports torch "
                    + "(on Debian: apt-get install python3-torch).";
        } else {
            try {
                torch = TorchWorker.start(python.get(), config.dataDir(), openBlasForTorch());
                torchInfo = "PyTorch " + torch.torchVersion() + " (" + torch.python + ", one thread, products through " + torch.blas + ")";
                for (String m : MODELS) torch.epoch(m, 32, 2000, 128, 0); // warm-up
            } catch (Exception e) {
                if (torch != null) torch.close();
                torch = null;
                torchInfo = "PyTorch did not run: " + e.getMessage();
            }
        }
        config.progress("throughput: %s", torchInfo);
        int reps = config.repeats(), n = WIDTHS.size();
        Map<String, double[][]> bs = new LinkedHashMap<>(), bc = new LinkedHashMap<>(), ts = new LinkedHashMap<>(), tc = new LinkedHashMap<>();
        Map<String, double[]> fit = new LinkedHashMap<>();
        for (String m : MODELS) {
            bs.put(m, new double[n][reps]);
            bc.put(m, new double[n][reps]);
            ts.put(m, new double[n][reps]);
            tc.put(m, new double[n][reps]);
            fit.put(m, new double[reps]);
        }
        Map<String, Map<Integer, Map<String, Integer>>> profiles = new LinkedHashMap<>();
        try {
            for (int r = 0; r < reps; r++) {
                for (String m : MODELS) {
                    Dl4jTrainer t = trainers.get(m);
                    for (int i = 0; i < n; i++) {
                        int bits = WIDTHS.get(i);
                        boolean profile = r == reps - 1;
                        TrainingProfile p = profile ? new TrainingProfile().start() : null;
                        double[] a;
                        try {
                            a = epoch(t, bits, r + 1, true);
                            if (p != null) profiles.computeIfAbsent(m, k -> new LinkedHashMap<>()).put(bits, p.stop(Thread.currentThread().getName()));
                        } finally {
                            if (p != null) p.close();
                        }
                        bs.get(m)[i][r] = a[0];
                        bc.get(m)[i][r] = a[1];
                        String line = String.format(java.util.Locale.ROOT, "%s %s: bitsearch %.0f samples/s (%.0f per CPU-s)", m, label(bits), a[0], a[1]);
                        if (torch != null) {
                            TorchWorker.Epoch b = torch.epoch(m, bits, samples.get(m), 128, r + 1);
                            ts.get(m)[i][r] = b.samplesPerSecond();
                            tc.get(m)[i][r] = samples.get(m) / b.cpuSeconds();
                            line += String.format(java.util.Locale.ROOT, ", PyTorch %.0f (%.0f per CPU-s): %.2fx",
                                    b.samplesPerSecond(), tc.get(m)[i][r], a[0] / b.samplesPerSecond());
                        }
                        if (bits == 32) {
                            fit.get(m)[r] = epoch(t, 32, r + 1, false)[0];
                            line += String.format(java.util.Locale.ROOT, "; DL4J fit %.0f samples/s", fit.get(m)[r]);
                        }
                        config.progress("throughput: repeat %d, %s", r + 1, line);
                    }
                }
            }
        } finally {
            if (torch != null) torch.close();
        }
        List<Row> rows = new ArrayList<>();
        for (String m : MODELS)
            for (int i = 0; i < n; i++) {
                double[] ratio = new double[reps], cpuRatio = new double[reps], step = new double[reps];
                for (int r = 0; r < reps; r++) {
                    ratio[r] = bs.get(m)[i][r] / ts.get(m)[i][r];
                    cpuRatio[r] = bc.get(m)[i][r] / tc.get(m)[i][r];
                    step[r] = bc.get(m)[0][r] / bc.get(m)[i][r];
                }
                rows.add(new Row(m, WIDTHS.get(i), Summary.of(bs.get(m)[i]), Summary.of(bc.get(m)[i]),
                        torch == null && !ranTorch(ts.get(m)[i]) ? null : Summary.of(ts.get(m)[i]),
                        ranTorch(tc.get(m)[i]) ? Summary.of(tc.get(m)[i]) : null,
                        ranTorch(ts.get(m)[i]) ? Summary.of(ratio) : null,
                        ranTorch(tc.get(m)[i]) ? Summary.of(cpuRatio) : null, Summary.of(step)));
            }
        Map<String, Summary> fitSummary = new LinkedHashMap<>();
        for (String m : MODELS) fitSummary.put(m, Summary.of(fit.get(m)));
        OpMicroBench micro = new OpMicroBench(config);
        OpMicroBench.Result ops = micro.run(trainers.get("mlp"));
        StepRatioBench.Result stepRatio = new StepRatioBench(config).run(trainers.get("mlp"));
        return new Result(samples, reps, rows, fitSummary, profiles, ops, stepRatio, warm, torchInfo,
                rows.get(0).torch() != null);
    }

    private static boolean ranTorch(double[] v) {
        for (double x : v) if (!(x > 0)) return false;
        return true;
    }

    /** The OpenBLAS library file bitsearch loaded, to preload into PyTorch; null with BITSEARCH_TORCH_BLAS=system. */
    static String openBlasForTorch() {
        if ("system".equals(System.getenv("BITSEARCH_TORCH_BLAS"))) return null;
        try {
            // Loader.load returns JavaCPP's JNI wrapper; OpenBLAS itself lies beside it
            java.nio.file.Path jni = java.nio.file.Path.of(org.bytedeco.javacpp.Loader.load(org.bytedeco.openblas.global.openblas_nolapack.class));
            java.nio.file.Path lib = jni.resolveSibling("libopenblas_nolapack.so.0");
            return java.nio.file.Files.isRegularFile(lib) ? lib.toString() : jni.toString();
        } catch (Throwable e) {
            return null;
        }
    }

    /**
     * Warms the JIT and the native libraries up until training speed settles: rounds of one 6,000-sample MLP epoch per
     * width (each width runs its own quantizer path) until a round's samples per CPU-second is within 10% of the
     * previous round's, at most 6 rounds. Measured on this machine under load, one warm-up epoch left the first
     * repeat 2–5× slower than later ones: the compiler threads were still compiling.
     *
     * @return samples per CPU-second of each round (the last is the settled speed)
     */
    static List<Double> warmUp(BenchConfig config) throws Exception {
        if (warmRounds != null) return warmRounds;
        Dl4jTrainer warm = new Dl4jTrainer(Dl4jBench.config(config.dataDir(), List.of(256, 128), 6000, 1000));
        List<Double> rounds = new ArrayList<>();
        for (int round = 0; round < 6; round++) {
            double cpuRate = 0;
            for (int bits : WIDTHS) cpuRate += epoch(warm, bits, round, true)[1] / WIDTHS.size();
            rounds.add(cpuRate);
            config.progress("warm-up round %d: %.0f samples per CPU-second", round + 1, cpuRate);
            int k = rounds.size();
            if (k >= 2 && Math.abs(rounds.get(k - 1) / rounds.get(k - 2) - 1) < 0.10) break;
        }
        warmRounds = List.copyOf(rounds);
        return warmRounds;
    }

    private static List<Double> warmRounds; // once per process: the JIT stays warm

    /**
     * Trains one epoch of all-{@code bits} and returns {samples/s, samples per CPU-second}; with {@code fast} false the
     * run trains with DL4J's fit (the fallback), by the trainer's system property.
     */
    static double[] epoch(Dl4jTrainer trainer, int bits, long seed, boolean fast) throws Exception {
        int layers = trainer.layers().size();
        String before = System.getProperty(Dl4jTrainingRun.FAST_STEP_PROPERTY);
        if (!fast) System.setProperty(Dl4jTrainingRun.FAST_STEP_PROPERTY, "false");
        TrainingRun run;
        try {
            run = trainer.open(Dl4jBench.context(0, Dl4jBench.candidate(java.util.Collections.nCopies(layers, bits)), seed, 1, 0));
        } finally {
            if (!fast) {
                if (before == null) System.clearProperty(Dl4jTrainingRun.FAST_STEP_PROPERTY);
                else System.setProperty(Dl4jTrainingRun.FAST_STEP_PROPERTY, before);
            }
        }
        try (run) {
            if (run instanceof Dl4jTrainingRun d && fast != (d.fitReason() == null))
                throw new IllegalStateException("the run " + (fast ? "did not use the fast step: " + d.fitReason() : "used the fast step"));
            EpochMetrics m = run.trainEpoch();
            double cpu = run instanceof Dl4jTrainingRun d ? d.lastTrainCpuSeconds() : 0;
            return new double[] {m.samplesPerSecond(), cpu > 0 ? trainer.data().trainCount() / cpu : Double.NaN};
        }
    }

    static String label(int bits) { return bits == 32 ? "FP32" : bits + "-bit"; }

    private static String cell(Summary s, int decimals) { return s == null ? "–" : s.format(decimals); }

    void report(Result r, BenchReport out) {
        out.heading(2, "1. Training throughput: bitsearch and PyTorch side by side (Fashion-MNIST, batch 128, Adam, one thread)");
        out.paragraph("MLP 784-256-128-10 (" + Summary.number(r.samples().get("mlp"), 0) + " samples per epoch) and the LeNet-style CNN "
                + "(conv 5×5×8, max-pool 2, conv 5×5×16, max-pool 2, dense 128, 10; " + Summary.number(r.samples().get("cnn"), 0)
                + " samples per epoch). Every weight tensor fake-quantized per tensor at the given width (straight-through estimator), "
                + "FP32 = none. bitsearch = the DL4J trainer with its fast step (Java loops and OpenBLAS products on the network's "
                + "parameters, equivalent to DL4J's fit: see the trainer's FastStepEquivalenceTest). " + r.torch() + ": the same "
                + "models, quantizers, optimizer and batch size in `torch_reference.py` (in the bench jar). Each repeat trains, "
                + "for each model and width, one bitsearch epoch and then one PyTorch epoch (A B A B); ratio = bitsearch ÷ PyTorch "
                + "of the same repeat. Samples/s is the wall clock of the training loop only; per CPU-second divides by the "
                + "training thread's (Python process's) CPU time, steadier on a loaded machine. \"Step time vs FP32\" is "
                + "bitsearch's CPU time per step at that width ÷ at FP32 in the same repeat. Warm-up: " + r.warmUp().size()
                + " MLP round(s) at " + r.warmUp().stream().map(x -> Summary.number(x, 0)).collect(java.util.stream.Collectors.joining(", "))
                + " samples per CPU-second, one CNN epoch per width and one PyTorch epoch per model. Values are median (min–max) over "
                + r.repeats() + " repeat(s).");
        List<List<String>> rows = new ArrayList<>();
        for (Row row : r.rows())
            rows.add(List.of(row.model().toUpperCase(Locale.ROOT), label(row.bits()), row.bitsearch().format(0), cell(row.torch(), 0),
                    cell(row.ratio(), 2), row.bitsearchCpu().format(0), cell(row.torchCpu(), 0), cell(row.cpuRatio(), 2),
                    row.bits() == 32 ? "1" : row.stepTimeToFp32().format(3)));
        out.table(List.of("model", "weights", "bitsearch samples/s", "PyTorch samples/s", "ratio", "bitsearch per CPU-s",
                "PyTorch per CPU-s", "ratio (CPU)", "bitsearch step time vs FP32"), rows);
        out.paragraph("DL4J's own `fit` (the trainer's fallback for layers the fast step does not cover), FP32, timed in the same "
                + "repeats: MLP " + r.fit().get("mlp").format(0) + " samples/s, CNN " + r.fit().get("cnn").format(0) + " samples/s.");
        if (r.profiles().isEmpty()) {
            new StepRatioBench(config).report(r.stepRatio(), out);
            return;
        }
        for (var model : r.profiles().entrySet()) profileTable(model.getKey(), model.getValue(), out);
        new OpMicroBench(config).report(r.ops(), out);
        new StepRatioBench(config).report(r.stepRatio(), out);
    }

    /** One model's JFR profile table: share of the training thread's samples per category and width. */
    private static void profileTable(String model, Map<Integer, Map<String, Integer>> profiles, BenchReport out) {
        String name = model.toUpperCase(Locale.ROOT);
        out.heading(3, "Where bitsearch's training thread spends its time (" + name + ", JFR sampling profile, last repeat)");
        out.paragraph("JDK Flight Recorder samples (Java and native-method samples, period 10 ms) of the training thread during the last "
                + "repeat's " + name + " epoch of each width (training and its validation pass). Native code (OpenBLAS, libnd4j) is attributed to the "
                + "Java call that entered it; each sample goes to the innermost frame matching a category. A native sample counts wall "
                + "time in native code whether or not the thread had a CPU. Share of the thread's samples:");
        List<String> header = new ArrayList<>(List.of("where"));
        profiles.keySet().forEach(b -> header.add(label(b)));
        List<String> labels = new ArrayList<>(profiles.values().iterator().next().keySet());
        List<List<String>> prow = new ArrayList<>();
        for (String l : labels) {
            List<String> cells = new ArrayList<>(List.of(l));
            for (Map<String, Integer> counts : profiles.values()) {
                int total = counts.values().stream().mapToInt(Integer::intValue).sum();
                cells.add(total == 0 ? "–" : Summary.number(100.0 * counts.getOrDefault(l, 0) / total, 1) + " %");
            }
            prow.add(cells);
        }
        List<String> totals = new ArrayList<>(List.of("samples"));
        for (Map<String, Integer> counts : profiles.values())
            totals.add(String.valueOf(counts.values().stream().mapToInt(Integer::intValue).sum()));
        prow.add(totals);
        out.table(header, prow);
    }
}
