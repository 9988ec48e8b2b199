package org.bitsearch.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.bitsearch.actors.api.SearchEvent;
import org.bitsearch.orchestrator.wiring.StandardTrainers;
import org.bitsearch.search.pareto.FrontPoint;
import org.bitsearch.search.pareto.Hypervolume;
import org.bitsearch.search.pareto.Pareto;
import org.bitsearch.search.space.Architectures;
import org.bitsearch.search.space.BitAllocation;
import org.bitsearch.search.space.ModelSize;
import org.bitsearch.search.space.QuantLayer;
import org.bitsearch.search.trial.TrialState;
import org.bitsearch.storage.ReportRow;
import org.bitsearch.storage.TrialRow;
import org.bitsearch.trainers.dl4j.data.DataSplit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Figure 9: one whole search, end to end, bitsearch against Optuna + PyTorch. The search of issue 11: NSGA-II
 * (population 8) over the learning rate (log-uniform [3e-4, 1e-2]) and one bit-width per layer from {1, 2, 4, 8}
 * of the MLP 784-256-128-10, 24 trials of at most 4 epochs on 20,000 Fashion-MNIST training samples, 5,000
 * held-out validation samples, batch 128, Adam, one native thread per trial (quick mode: fewer of everything).
 *
 * <p>The drivers, alternated per seed (the order rotates, so every driver runs first, second, ... in turn):
 * <ul>
 *   <li>bitsearch through the whole actor + H2 path ({@link ActorSearchRunner}) with Pareto-ASHA
 *       (r = 1, R = 4, η = 2, keepFront: a trial on its rung's first front continues), one slot, one trial at a time;</li>
 *   <li>the same without pruning;</li>
 *   <li>the same with Pareto-ASHA on two slots (two trials at a time, one thread each: what bitsearch does by
 *       default on a 2-core machine);</li>
 *   <li>Optuna 3.1's NSGAIISampler (population 8, the same seed) with every trial trained by the PyTorch reference
 *       trainer of figure 1 ({@code optuna_search.py} beside {@code torch_reference.py} in the bench jar), one
 *       thread, on exactly bitsearch's training and validation samples (the harness passes the split's indices);
 *       no pruner (Optuna 3.1 does not prune multi-objective studies).</li>
 * </ul>
 *
 * <p>Hypervolume: every driver's final front computed here by the same code, from its finished, unpruned trials'
 * final-epoch validation accuracy (of the quantized model) and {@link ModelSize} (weights × bits + 32-bit scales and
 * biases), normalised against the reference point (accuracy 0, the all-32-bit size), as {@link Hypervolume#normalized}.
 * Wall time: bitsearch's from submitting the spec to the last trial's end (and, separately, to SearchFinished, which
 * adds the front's test-accuracy measurement); Optuna's is the study's {@code optimize} (after Python's imports and
 * the data load, which are reported apart), as bitsearch's excludes the JVM start and the trainer's data load is
 * inside its search. Before the timed drivers one untimed 2-trial search warms the JVM up.
 *
 * <p>System properties narrow a run: {@code bitsearch.bench.e2e.drivers} (comma-separated {@link Driver} names; default
 * {@link #DEFAULT_DRIVERS}) and {@code bitsearch.bench.e2e.firstSeed} (default 42; repeat s uses firstSeed + s).
 */
final class EndToEndBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final List<Integer> HIDDEN = List.of(256, 128);
    static final List<Integer> ALLOWED = List.of(1, 2, 4, 8);

    /** The drivers, in the rotation order of seed 0. */
    enum Driver {
        ASHA("bitsearch, Pareto-ASHA, 1 slot"), NONE("bitsearch, no pruning, 1 slot"), OPTUNA("Optuna + PyTorch"),
        ASHA2("bitsearch, Pareto-ASHA, 2 slots"),
        /** Pareto-ASHA without keepFront (the quota alone, the rule before it): only when named in the drivers property. */
        ASHA_QUOTA("bitsearch, Pareto-ASHA without keepFront, 1 slot");
        final String label;
        Driver(String label) { this.label = label; }
    }

    /** The drivers that run unless the {@code bitsearch.bench.e2e.drivers} property names others. */
    static final List<Driver> DEFAULT_DRIVERS = List.of(Driver.ASHA, Driver.NONE, Driver.OPTUNA, Driver.ASHA2);

    /** One trial's outcome as the hypervolume needs it. */
    record Point(int number, List<Integer> bits, double valAccuracy) {}

    /** One search. {@code wallSeconds} to the last trial's end; {@code totalSeconds} to the driver's end. */
    record Run(Driver driver, long seed, double wallSeconds, double totalSeconds, long epochs, int pruned, List<Point> completed,
               double hypervolume, double cpuSeconds) {}

    /** CPU seconds of this process so far (every thread: trainers, actors, H2, JIT, GC), or NaN where unknown. */
    static double processCpuSeconds() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() / 1e9 : Double.NaN;
    }

    record Result(String setup, List<Run> runs, String optuna, boolean optunaRan, List<String> failures) {}

    private final BenchConfig config;
    final int trials, epochs, subset, validation, population;

    EndToEndBench(BenchConfig config) {
        this.config = config;
        this.trials = config.pick(24, 8);
        this.epochs = config.pick(4, 2);
        this.subset = config.pick(20000, 3000);
        this.validation = config.pick(5000, 1000);
        this.population = config.pick(8, 4);
    }

    static List<QuantLayer> layers() { return Architectures.mlp(784, HIDDEN, 10); }

    /** Normalised hypervolume of {@code points} against (0, the all-32-bit size), sizes by {@link ModelSize}. */
    static double hypervolume(List<Point> points) {
        List<QuantLayer> layers = layers();
        List<FrontPoint> fp = new ArrayList<>();
        for (Point p : points) {
            if (Double.isNaN(p.valAccuracy())) continue;
            fp.add(new FrontPoint(p.number(), p.valAccuracy(), ModelSize.of(layers, new BitAllocation(p.bits())).bits()));
        }
        if (fp.isEmpty()) return 0;
        return Hypervolume.normalized(fp, 0, ModelSize.of(layers, new BitAllocation(java.util.Collections.nCopies(layers.size(), 32))).bits());
    }

    /** The Pareto-ASHA settings of the ASHA drivers (keepFront: see {@link org.bitsearch.search.pruner.ParetoAshaPruner}). */
    String ashaSpec(boolean keepFront) {
        return "{type: pareto-asha, minResource: 1, maxResource: " + epochs + ", reductionFactor: 2" + (keepFront ? ", keepFront: true}" : "}");
    }

    String spec(long seed, boolean asha, int slots) { return spec(seed, asha ? ashaSpec(true) : "{type: none}", slots); }

    String spec(long seed, String pruner, int slots) {
        return """
                name: bench-end-to-end
                seed: %d
                trainer:
                  kind: dl4j
                  dataset: fashion-mnist
                  dataDir: "%s"
                  model: mlp
                  hidden: [256, 128]
                  trainSubset: %d
                  validationSize: %d
                  splitSeed: 0
                  batchSize: 128
                  threads: 1
                space:
                  params:
                    learningRate: {type: logfloat, low: 3.0e-4, high: 1.0e-2}
                  bits: {allowed: [1, 2, 4, 8], nonIncreasing: false}
                sampler: {type: nsga2, populationSize: %d}
                pruner: %s
                budget: {maxTrials: %d, maxConcurrent: %d, maxEpochs: %d, maxRetries: 0, maxWallSeconds: 7200}
                """.formatted(seed, config.dataDir().toAbsolutePath().toString().replace("\\", "/").replace("\"", "\\\""),
                subset, validation, population, pruner, trials, slots, epochs);
    }

    Result run() throws Exception {
        Optional<String> python = TorchWorker.findPython("import torch, optuna");
        Path dir = Files.createTempDirectory("bitsearch-e2e");
        String optunaInfo;
        try {
            if (python.isEmpty()) {
                optunaInfo = "Optuna did not run: no python3 (tried $BITSEARCH_PYTHON, python3, /usr/bin/python3) imports torch and optuna "
                        + "(on Debian: apt-get install python3-torch python3-optuna)";
            } else {
                copyResource("torch_reference.py", dir);
                copyResource("optuna_search.py", dir);
                writeSplit(dir.resolve("split.json"));
                optunaInfo = "Optuna + PyTorch ran with " + python.get();
            }
            config.progress("end-to-end: %s", optunaInfo);
            List<Driver> drivers = new ArrayList<>(DEFAULT_DRIVERS);
            String only = System.getProperty("bitsearch.bench.e2e.drivers");
            if (only != null && !only.isBlank()) {
                List<String> names = Arrays.stream(only.split(",")).map(String::strip).map(x -> x.toUpperCase(Locale.ROOT)).toList();
                for (String name : names)
                    if (Arrays.stream(Driver.values()).noneMatch(x -> x.name().equals(name)))
                        throw new IllegalArgumentException("bitsearch.bench.e2e.drivers names " + name + ", but drivers are "
                                + Arrays.toString(Driver.values()));
                drivers = new ArrayList<>(Arrays.stream(Driver.values()).filter(x -> names.contains(x.name())).toList());
            }
            if (python.isEmpty()) drivers.remove(Driver.OPTUNA);
            long firstSeed = Long.getLong("bitsearch.bench.e2e.firstSeed", 42);
            warmUp();
            List<Run> runs = new ArrayList<>();
            List<String> failures = new ArrayList<>();
            String versions = null;
            for (int s = 0; s < config.repeats(); s++) {
                long seed = firstSeed + s;
                for (int k = 0; k < drivers.size(); k++) {
                    Driver d = drivers.get((k + s) % drivers.size());
                    Run r;
                    try {
                        if (d == Driver.OPTUNA) {
                            OptunaRun o = optuna(python.get(), dir, seed);
                            versions = o.versions;
                            r = o.run;
                        } else {
                            r = bitsearch(d, seed);
                        }
                    } catch (Exception | LinkageError e) {
                        // one failed search must not throw away the others' minutes: the figure lists it
                        failures.add(d.label + ", seed " + seed + ": " + e);
                        config.progress("end-to-end seed %d: %s failed: %s", seed, d.label, e);
                        e.printStackTrace(config.log());
                        continue;
                    }
                    runs.add(r);
                    config.progress("end-to-end seed %d: %s %.1f s (%.1f s to the end, %.1f CPU s), %d epochs, %d pruned, hypervolume %.4f, load %s",
                            seed, d.label, r.wallSeconds(), r.totalSeconds(), r.cpuSeconds(), r.epochs(), r.pruned(), r.hypervolume(),
                            MachineInfo.loadAverage().orElse("?"));
                }
            }
            if (versions != null) optunaInfo = versions + " (" + python.get() + ", one thread, products through the OpenBLAS bitsearch uses, preloaded"
                    + (ThroughputBench.openBlasForTorch() == null ? ": not found, the system's BLAS" : "") + ")";
            String setup = String.format(Locale.ROOT, "%d trials of at most %d epochs; MLP 784-256-128-10 on %,d training / %,d validation "
                            + "samples of Fashion-MNIST (split seed 0, the same samples for every driver); NSGA-II population %d (bitsearch's first generation a "
                            + "space-filling design: each layer's widths equally often, learning rates one per stratum; Optuna's random); learning rate "
                            + "log-uniform [3e-4, 1e-2] and one bit-width per layer from {1, 2, 4, 8}; Adam, batch 128, one native thread per trial; "
                            + "Pareto-ASHA r = 1, R = %d, η = 2 with keepFront (a trial on its rung's first non-dominated front continues "
                            + "even outside the top ⌊n/η⌋: `pruner: %s`)", trials, epochs, subset, validation, population, epochs, ashaSpec(true));
            if (runs.isEmpty()) throw new IllegalStateException("every end-to-end search failed: " + String.join("; ", failures));
            return new Result(setup, runs, optunaInfo, python.isPresent(), failures);
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /**
     * One untimed search of 2 trials of one epoch through the same path, so that the JIT and the native libraries are
     * warm before the first timed driver (on this machine the first search otherwise paid several seconds more).
     */
    private void warmUp() throws Exception {
        String spec = spec(1, "{type: none}", 1).replace("maxTrials: " + trials, "maxTrials: 2").replace("maxEpochs: " + epochs, "maxEpochs: 1");
        long t0 = System.nanoTime();
        ActorSearchRunner.run(spec, StandardTrainers.factory(), 1, Duration.ofMinutes(20), e -> {}, (store, id, wall) -> wall);
        config.progress("end-to-end: warm-up search took %.1f s", (System.nanoTime() - t0) / 1e9);
    }

    private Run bitsearch(Driver d, long seed) throws Exception {
        int slots = d == Driver.ASHA2 ? 2 : 1;
        String spec = spec(seed, d == Driver.NONE ? "{type: none}" : ashaSpec(d != Driver.ASHA_QUOTA), slots);
        AtomicLong lastTrialEnd = new AtomicLong();
        java.util.concurrent.atomic.AtomicReference<Double> cpuAtLastTrialEnd = new java.util.concurrent.atomic.AtomicReference<>(Double.NaN);
        double cpu0 = processCpuSeconds();
        return ActorSearchRunner.run(spec, StandardTrainers.factory(), slots, Duration.ofMinutes(60), e -> {
            if (e instanceof SearchEvent.TrialFinished) {
                lastTrialEnd.set(System.nanoTime());
                cpuAtLastTrialEnd.set(processCpuSeconds());
            }
        }, (store, id, total) -> {
            Map<Integer, ReportRow> last = store.reports(id).stream().collect(Collectors.toMap(ReportRow::number, r -> r,
                    (a, b) -> a.seq() > b.seq() ? a : b));
            List<Point> done = new ArrayList<>();
            int pruned = 0;
            List<TrialRow> rows = store.trials(id);
            for (TrialRow t : rows) {
                if (t.state() == TrialState.PRUNED) pruned++;
                ReportRow r = last.get(t.number());
                if (t.state() == TrialState.COMPLETED && r != null)
                    done.add(new Point(t.number(), t.candidate().bits().bits(), r.metrics().valAccuracy()));
            }
            if (rows.size() != trials) throw new IllegalStateException(d.label + " seed " + seed + ": " + rows.size() + " trials, expected " + trials);
            Map<Integer, List<String>> curves = new LinkedHashMap<>();
            for (ReportRow rr : store.reports(id))
                curves.computeIfAbsent(rr.number(), k -> new ArrayList<>()).add(Summary.number(rr.metrics().valAccuracy(), 3));
            for (TrialRow t : rows)
                config.log().printf(Locale.ROOT, "[bench]   e2e %s seed %d trial %d %s lr=%s size=%d %s val=%s%s%n", d.name(), seed, t.number(),
                        t.candidate().bits().bits(), t.candidate().params().get("learningRate"), t.sizeBits(), t.state(),
                        curves.getOrDefault(t.number(), List.of()), t.reason() == null ? "" : " (" + t.reason() + ")");
            long epochsTrained = store.reports(id).size();
            // wall to the last trial's end: total minus the time after it (the front's test measurement, the end)
            double after = (System.nanoTime() - lastTrialEnd.get()) / 1e9;
            return new Run(d, seed, Math.max(0, total - after), total, epochsTrained, pruned, done, hypervolume(done),
                    cpuAtLastTrialEnd.get() - cpu0);
        });
    }

    private record OptunaRun(Run run, String versions) {}

    private OptunaRun optuna(String python, Path dir, long seed) throws Exception {
        List<String> cmd = List.of(python, dir.resolve("optuna_search.py").toString(), "--data", config.dataDir().toAbsolutePath().toString(),
                "--split", dir.resolve("split.json").toString(), "--trials", String.valueOf(trials), "--epochs", String.valueOf(epochs),
                "--population", String.valueOf(population), "--seed", String.valueOf(seed), "--hidden", "256,128", "--bits", "1,2,4,8");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
        Map<String, String> env = pb.environment();
        env.put("OMP_NUM_THREADS", "1");
        env.put("MKL_NUM_THREADS", "1");
        env.put("OPENBLAS_NUM_THREADS", "1");
        String blas = ThroughputBench.openBlasForTorch();
        if (blas != null) env.put("LD_PRELOAD", blas);
        long t0 = System.nanoTime();
        Process p = pb.start();
        p.getOutputStream().close();
        String out;
        try (InputStream s = p.getInputStream()) {
            out = new String(s.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (!p.waitFor(60, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IOException("optuna_search.py did not end within an hour");
        }
        double total = (System.nanoTime() - t0) / 1e9;
        if (p.exitValue() != 0) throw new IOException("optuna_search.py exited with " + p.exitValue() + " (its stderr is above)");
        String[] lines = out.strip().split("\n");
        JsonNode r = JSON.readTree(lines[lines.length - 1]);
        List<Point> done = new ArrayList<>();
        for (JsonNode t : r.get("trials")) {
            List<Integer> bits = new ArrayList<>();
            t.get("bits").forEach(b -> bits.add(b.asInt()));
            config.log().printf(Locale.ROOT, "[bench]   e2e OPTUNA seed %d trial %d %s %s%n", seed, t.get("number").asInt(), bits, t);
            done.add(new Point(t.get("number").asInt(), bits, t.get("valAccuracy").asDouble()));
        }
        if (done.size() != trials) throw new IOException("optuna_search.py reported " + done.size() + " trials, expected " + trials);
        Run run = new Run(Driver.OPTUNA, seed, r.get("seconds").asDouble(), total, r.get("epochs").asLong(), 0, done, hypervolume(done),
                r.has("cpuSeconds") ? r.get("cpuSeconds").asDouble() : Double.NaN);
        return new OptunaRun(run, "Optuna " + r.get("optuna").asText() + " + PyTorch " + r.get("torch").asText());
    }

    /** The validation and training indices of bitsearch's split (splitSeed 0), as DataSplit draws them. */
    private void writeSplit(Path file) throws IOException {
        int n = 60000; // the Fashion-MNIST training set
        int[] perm = DataSplit.permutation(n, new SplittableRandom(0));
        Map<String, int[]> split = new LinkedHashMap<>();
        split.put("validation", Arrays.copyOfRange(perm, 0, validation));
        split.put("train", Arrays.copyOfRange(perm, validation, validation + subset));
        Files.writeString(file, JSON.writeValueAsString(split));
    }

    private static void copyResource(String name, Path dir) throws IOException {
        try (InputStream s = EndToEndBench.class.getResourceAsStream(name)) {
            if (s == null) throw new IOException(name + " is missing from the bench jar");
            Files.copy(s, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    void report(Result r, BenchReport out) {
        out.heading(2, "9. One search end to end: bitsearch against Optuna + PyTorch");
        out.paragraph("The search of issue 11: " + r.setup() + ". bitsearch runs the whole program's path (actors, H2, a checkpoint "
                + "per epoch; SearchSystem in this JVM) with the DL4J trainer and its fast step; " + r.optuna() + " runs `optuna_search.py` "
                + "(in the bench jar): Optuna's NSGAIISampler with the same population and seed, every trial trained by figure 1's "
                + "PyTorch reference (`torch_reference.py`: the same MLP, fake quantization, Adam and batch size) on the same training "
                + "and validation samples, with no pruner (Optuna 3.1 does not prune multi-objective studies). The drivers alternate: "
                + "per seed all of them run one after the other and the order rotates from seed to seed. Hypervolume: of each "
                + "driver's final front, computed here by the same code for all: final-epoch validation accuracy of the quantized "
                + "model of every finished, unpruned trial against its size (weights × bits, one 32-bit scale per quantized layer, "
                + "32-bit biases), normalised with the reference point accuracy 0 and the all-32-bit size. Wall time: from the "
                + "start of the search to its last trial's end (bitsearch: submit to the last TrialFinished; Optuna: "
                + "`study.optimize`; bitsearch's includes its trainer loading the IDX files at the first trial, Optuna's does not); \"to the end\" adds bitsearch's test-accuracy measurement of the front and its shut-down, and "
                + "for Optuna the Python process's start, imports and data load. Ratio columns divide by Optuna's figure of the "
                + "same seed. An untimed 2-trial bitsearch search warms the JVM up first.");
        if (!r.optunaRan()) out.paragraph("**" + r.optuna() + "**: only bitsearch's rows were measured.");
        if (!r.failures().isEmpty())
            out.paragraph("**Searches that failed** (left out of the table; the others stand): " + String.join("; ", r.failures()) + ".");
        Map<Long, Run> optunaBySeed = new LinkedHashMap<>();
        for (Run run : r.runs()) if (run.driver() == Driver.OPTUNA) optunaBySeed.put(run.seed(), run);
        List<List<String>> rows = new ArrayList<>();
        for (Driver d : Driver.values()) {
            List<Run> mine = r.runs().stream().filter(x -> x.driver() == d).toList();
            if (mine.isEmpty()) continue;
            List<Double> wallRatio = new ArrayList<>(), hvRatio = new ArrayList<>(), cpuRatio = new ArrayList<>();
            for (Run x : mine) {
                Run o = optunaBySeed.get(x.seed());
                if (o == null || d == Driver.OPTUNA) continue;
                wallRatio.add(x.wallSeconds() / o.wallSeconds());
                if (Double.isFinite(x.cpuSeconds()) && Double.isFinite(o.cpuSeconds()) && o.cpuSeconds() > 0) cpuRatio.add(x.cpuSeconds() / o.cpuSeconds());
                if (o.hypervolume() > 0) hvRatio.add(x.hypervolume() / o.hypervolume());
            }
            rows.add(List.of(d.label, String.valueOf(mine.size()),
                    Summary.of(mine.stream().map(Run::wallSeconds).toList()).format(1),
                    Summary.of(mine.stream().map(Run::totalSeconds).toList()).format(1),
                    Summary.of(mine.stream().map(x -> (double) x.epochs()).toList()).format(0),
                    Summary.of(mine.stream().map(x -> (double) x.pruned()).toList()).format(0),
                    Summary.of(mine.stream().map(Run::hypervolume).toList()).format(4),
                    d == Driver.OPTUNA ? "1" : wallRatio.isEmpty() ? "–" : Summary.of(wallRatio).format(3),
                    cpuText(mine.stream().map(Run::cpuSeconds).toList()),
                    d == Driver.OPTUNA ? "1" : cpuRatio.isEmpty() ? "–" : Summary.of(cpuRatio).format(3),
                    d == Driver.OPTUNA ? "1" : hvRatio.isEmpty() ? "–" : Summary.of(hvRatio).format(4)));
        }
        out.table(List.of("driver", "seeds", "wall s", "wall s to the end", "epochs trained", "trials pruned", "hypervolume",
                "wall ÷ Optuna", "CPU s", "CPU ÷ Optuna", "hypervolume ÷ Optuna"), rows);
        out.paragraph("CPU s: the CPU seconds of the driver's process over its search (bitsearch: every thread of this JVM, from the "
                + "search system's start to the last trial's end: trainers, actors, H2, JIT and GC; Optuna: `time.process_time()` "
                + "around `study.optimize`). On a loaded machine the wall time depends on how much of the CPU each run got; the CPU "
                + "ratio does not (it still grows a little with load, through shared caches).");
        List<List<String>> each = new ArrayList<>();
        for (Run x : r.runs())
            each.add(List.of(String.valueOf(x.seed()), x.driver().label, Summary.number(x.wallSeconds(), 1), String.valueOf(x.epochs()),
                    Double.isFinite(x.cpuSeconds()) ? Summary.number(x.cpuSeconds(), 1) : "–",
                    Summary.number(x.hypervolume(), 4), frontText(x.completed())));
        out.paragraph("Every run, in the order measured (front: bits per layer and validation accuracy of its points, smallest first):");
        out.table(List.of("seed", "driver", "wall s", "epochs", "CPU s", "hypervolume", "front"), each);
        out.paragraph("Median (min–max) over seeds. With several seeds, a ratio's spread shows how much the sampler's own "
                + "randomness (the two NSGA-II implementations draw different candidates from the same seed) moves the hypervolume.");
    }

    private static String cpuText(List<Double> cpu) {
        List<Double> known = cpu.stream().filter(Double::isFinite).toList();
        return known.isEmpty() ? "–" : Summary.of(known).format(1);
    }

    static String frontText(List<Point> points) {
        List<QuantLayer> layers = layers();
        Map<Integer, Point> byNumber = points.stream().collect(Collectors.toMap(Point::number, p -> p, (a, b) -> a));
        List<FrontPoint> fp = points.stream().filter(p -> !Double.isNaN(p.valAccuracy()))
                .map(p -> new FrontPoint(p.number(), p.valAccuracy(), ModelSize.of(layers, new BitAllocation(p.bits())).bits())).toList();
        return Pareto.front(fp).stream().map(f -> byNumber.get(f.number()).bits() + " " + Summary.number(f.accuracy(), 3))
                .collect(Collectors.joining("; "));
    }
}
