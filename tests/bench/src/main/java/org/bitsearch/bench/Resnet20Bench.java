package org.bitsearch.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.bitsearch.search.space.BitAllocation;
import org.bitsearch.search.trial.Candidate;
import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.trainers.dl4j.Dl4jTrainer;
import org.bitsearch.trainers.dl4j.Dl4jTrainerConfig;
import org.bitsearch.trainers.dl4j.Dl4jTrainingRun;
import org.bitsearch.trainers.dl4j.data.DataConfig;
import org.bitsearch.trainers.dl4j.model.Hyperparameters;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Figure 10: ResNet-20 training speed, bitsearch's built-in {@code resnet20} (He et al. 2016, CIFAR; a DL4J
 * {@code ComputationGraph} trained on DL4J's {@code fit} path) against the same network in PyTorch
 * ({@code resnet20_torch.py}, copied into the bench jar from {@code examples/tools} by the bench's pom), one thread
 * each, batch 32, Adam 1e-3, on a small CIFAR-10-format subset that the bench generates for the purpose (speed only:
 * the data has the format, not CIFAR's content). Widths as FIRST/MIDDLE/LAST: the stem convolution's weights at
 * FIRST bits, the classifier's at LAST, the other 20 convolutions' (projections included) at MIDDLE; per-tensor
 * fake quantization with a straight-through estimator on both sides; FP32 = none.
 *
 * <p>Each repeat trains, for every width, one bitsearch epoch (a fresh trial: {@code trainEpoch()}'s samples/s, the
 * training loop only, and its thread's CPU time) and then one PyTorch epoch of the same samples (a fresh
 * {@code python3} process; the script times its training loop and reports its process CPU time): A B A B, so each
 * ratio compares epochs measured seconds apart. One untimed epoch of each side warms up first.
 */
final class Resnet20Bench {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** FIRST/MIDDLE/LAST weight bits of each measured width. */
    static final List<List<Integer>> WIDTHS = List.of(List.of(32, 32, 32), List.of(8, 4, 8), List.of(4, 2, 4));
    static final int BATCH = 32, LAYERS = 22;

    record Row(List<Integer> bits, Summary bitsearch, Summary bitsearchCpu, Summary torch, Summary torchCpu, Summary ratio, Summary cpuRatio) {}

    record Result(int samples, int repeats, List<Row> rows, String torch, boolean torchRan, long parameters) {}

    private final BenchConfig config;
    final int samples;

    Resnet20Bench(BenchConfig config) {
        this.config = config;
        this.samples = config.pick(160, 64);
    }

    /** The 22 weight bit-widths of resnet20 for FIRST/MIDDLE/LAST: conv1 first, fc last, the rest middle. */
    static List<Integer> dl4jBits(List<Integer> flm) {
        List<Integer> out = new ArrayList<>(Collections.nCopies(LAYERS, flm.get(1)));
        out.set(0, flm.get(0));
        out.set(LAYERS - 1, flm.get(2));
        return out;
    }

    static String label(List<Integer> flm) {
        return flm.stream().allMatch(b -> b == 32) ? "FP32" : "W" + flm.get(0) + "/" + flm.get(1) + "/" + flm.get(2);
    }

    /**
     * Writes a CIFAR-10 binary subset to {@code dir}: {@code data_batch_1.bin} with {@code train} records and
     * {@code test_batch.bin} with {@code test}; record i has label i mod 10, its class brightening a band of rows,
     * plus seeded noise (as {@code examples/tools/make-cifar-subset.py}).
     */
    static void writeCifar(Path dir, int train, int test, long seed) throws IOException {
        Files.createDirectories(dir);
        SplittableRandom rng = new SplittableRandom(seed);
        for (String name : List.of("data_batch_1.bin", "test_batch.bin")) {
            int n = name.startsWith("data") ? train : test;
            byte[] b = new byte[n * 3073];
            for (int i = 0; i < n; i++) {
                int off = i * 3073, y = i % 10;
                b[off] = (byte) y;
                for (int ch = 0; ch < 3; ch++)
                    for (int r = 0; r < 32; r++) {
                        int base = r * 10 / 32 == y ? 200 : 30;
                        for (int c = 0; c < 32; c++)
                            b[off + 1 + ch * 1024 + r * 32 + c] = (byte) Math.max(0, Math.min(255, base + 10 * ch + rng.nextInt(40) - 20));
                    }
            }
            Files.write(dir.resolve(name), b);
        }
    }

    /** The trainer: resnet20 on the subset, {@code samples} training samples, 10 validation, batch 32, one thread. */
    static Dl4jTrainer trainer(Path dir, int samples) {
        Dl4jTrainerConfig c = Dl4jTrainerConfig.defaults(DataConfig.dir("cifar", dir), "resnet20").toBuilder()
                .trainSubset(samples).validationSize(10).batchSize(BATCH).evalBatchSize(10).threads(1).build();
        return new Dl4jTrainer(c);
    }

    Result run() throws Exception {
        Path dir = Files.createTempDirectory("bitsearch-resnet20");
        try {
            writeCifar(dir.resolve("cifar"), samples + 10, 20, 1);
            Dl4jTrainer trainer = trainer(dir.resolve("cifar"), samples);
            Optional<String> python = TorchWorker.findPython();
            Path script = dir.resolve("resnet20_torch.py");
            String torchInfo;
            if (python.isEmpty()) {
                torchInfo = "PyTorch did not run: no python3 (tried $BITSEARCH_PYTHON, python3, /usr/bin/python3) imports torch "
                        + "(on Debian: apt-get install python3-torch).";
            } else {
                try (InputStream s = Resnet20Bench.class.getResourceAsStream("resnet20_torch.py")) {
                    if (s == null) throw new IOException("resnet20_torch.py is missing from the bench jar");
                    Files.copy(s, script, StandardCopyOption.REPLACE_EXISTING);
                }
                torchInfo = null;
            }
            String blas = ThroughputBench.openBlasForTorch();
            // warm-up: one untimed epoch of each side
            double warm = dl4jEpoch(trainer, WIDTHS.get(0), 0)[0];
            config.progress("resnet20: warm-up DL4J epoch %.2f samples/s", warm);
            JsonNode version = null;
            if (torchInfo == null) {
                try {
                    version = torchEpoch(python.get(), script, dir.resolve("cifar"), WIDTHS.get(0), blas);
                    torchInfo = version.path("framework").asText("PyTorch").replace("pytorch", "PyTorch") + " (" + python.get()
                            + ", one thread, products through " + (blas == null ? "the system's libblas.so.3" : "the OpenBLAS bitsearch uses, preloaded") + ")";
                    config.progress("resnet20: warm-up PyTorch epoch %.2f samples/s", version.get("samplesPerSecond").asDouble());
                } catch (IOException e) {
                    torchInfo = "PyTorch did not run: " + e.getMessage();
                    version = null;
                }
            }
            int reps = config.repeats(), n = WIDTHS.size();
            double[][] bs = new double[n][reps], bc = new double[n][reps], ts = new double[n][reps], tc = new double[n][reps];
            for (int r = 0; r < reps; r++)
                for (int i = 0; i < n; i++) {
                    double[] a = dl4jEpoch(trainer, WIDTHS.get(i), r + 1);
                    bs[i][r] = a[0];
                    bc[i][r] = a[1];
                    String line = String.format(Locale.ROOT, "%s: bitsearch %.2f samples/s (%.2f per CPU-s)", label(WIDTHS.get(i)), a[0], a[1]);
                    if (version != null) {
                        JsonNode t = torchEpoch(python.get(), script, dir.resolve("cifar"), WIDTHS.get(i), blas);
                        ts[i][r] = t.get("samplesPerSecond").asDouble();
                        tc[i][r] = t.get("samples").asDouble() / t.get("cpuSeconds").asDouble();
                        line += String.format(Locale.ROOT, ", PyTorch %.2f (%.2f per CPU-s): %.3fx", ts[i][r], tc[i][r], a[0] / ts[i][r]);
                    }
                    config.progress("resnet20: repeat %d, %s, load %s", r + 1, line, MachineInfo.loadAverage().orElse("?"));
                }
            List<Row> rows = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Summary torch = null, torchCpu = null, ratio = null, cpuRatio = null;
                if (version != null) {
                    double[] q = new double[reps], qc = new double[reps];
                    for (int r = 0; r < reps; r++) {
                        q[r] = bs[i][r] / ts[i][r];
                        qc[r] = bc[i][r] / tc[i][r];
                    }
                    torch = Summary.of(ts[i]);
                    torchCpu = Summary.of(tc[i]);
                    ratio = Summary.of(q);
                    cpuRatio = Summary.of(qc);
                }
                rows.add(new Row(WIDTHS.get(i), Summary.of(bs[i]), Summary.of(bc[i]), torch, torchCpu, ratio, cpuRatio));
            }
            long params = version == null ? -1 : version.path("parameters").asLong(-1);
            return new Result(samples, reps, rows, torchInfo, version != null, params);
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** One bitsearch epoch of a fresh resnet20 trial at {@code flm}: {samples/s, samples per CPU-second} of the training loop. */
    static double[] dl4jEpoch(Dl4jTrainer trainer, List<Integer> flm, long seed) throws Exception {
        Candidate c = new Candidate(Map.of(Hyperparameters.LEARNING_RATE, 1e-3, Hyperparameters.OPTIMIZER, "adam",
                Hyperparameters.BATCH_SIZE, (long) BATCH), new BitAllocation(dl4jBits(flm)));
        try (var run = trainer.open(Dl4jBench.context(0, c, seed, 1, 0))) {
            EpochMetrics m = run.trainEpoch();
            double cpu = run instanceof Dl4jTrainingRun d ? d.lastTrainCpuSeconds() : 0;
            return new double[]{m.samplesPerSecond(), cpu > 0 ? trainer.data().trainCount() / cpu : Double.NaN};
        }
    }

    /** One PyTorch epoch in a fresh process: the script's JSON line (samples, seconds, samplesPerSecond, cpuSeconds, ...). */
    JsonNode torchEpoch(String python, Path script, Path data, List<Integer> flm, String blas) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(python, script.toString(), data.toString(), String.valueOf(samples), String.valueOf(BATCH),
                flm.get(0) + "," + flm.get(1) + "," + flm.get(2));
        Process p = TorchWorker.oneThread(pb, blas).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(600, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("resnet20_torch.py did not finish in 600 s");
        }
        if (p.exitValue() != 0) throw new IOException("resnet20_torch.py exited with " + p.exitValue() + ": " + out);
        String[] lines = out.split("\n");
        JsonNode r = JSON.readTree(lines[lines.length - 1]);
        if (!r.has("samplesPerSecond") || !r.has("cpuSeconds")) throw new IOException("resnet20_torch.py printed " + out);
        return r;
    }

    private static String cell(Summary s, int decimals) { return s == null ? "–" : s.format(decimals); }

    void report(Result r, BenchReport out) {
        out.heading(2, "10. ResNet-20 training speed: bitsearch (DL4J graph, fit path) and PyTorch side by side (CIFAR-10 format, batch 32, one thread)");
        out.paragraph("bitsearch's built-in `resnet20` (He et al. 2016, CIFAR: 3×3 convolution of 16, three stages of three basic "
                + "blocks of 16/32/64 channels, batch normalisation, ReLU, 1×1 projection shortcuts where the shape changes, global "
                + "average pooling, dense 10; a DL4J `ComputationGraph`, trained on DL4J's `fit` path: the fast step of figures 1–2 "
                + "covers MLPs and CNNs, not graphs) against " + r.torch() + " running the same network in `resnet20_torch.py` "
                + "(`examples/tools`, copied into the bench jar" + (r.parameters() > 0 ? "; " + Summary.number(r.parameters(), 0)
                + " trainable parameters, as bitsearch's" : "") + "). Adam 1e-3, batch 32, one epoch of " + r.samples()
                + " samples of a CIFAR-10-format subset the bench generates (speed only: no accuracy is measured). Weights "
                + "FIRST/MIDDLE/LAST: the stem convolution at FIRST bits, the classifier at LAST, the other 20 convolutions "
                + "(projections included) at MIDDLE, per-tensor fake quantization with a straight-through estimator on both sides. "
                + "Each repeat trains, for each width, one bitsearch epoch (a fresh trial) and then one PyTorch epoch (a fresh "
                + "process) of the same samples (A B A B); ratio = bitsearch ÷ PyTorch of the same repeat. Samples/s is the wall "
                + "clock of the training loop only; per CPU-second divides by the training thread's (the Python process's) CPU "
                + "time, steadier on a loaded machine. One untimed epoch of each side warms up first. Values are median (min–max) over "
                + r.repeats() + " repeat(s).");
        List<List<String>> rows = new ArrayList<>();
        for (Row row : r.rows())
            rows.add(List.of(label(row.bits()), row.bitsearch().format(2), cell(row.torch(), 2), cell(row.ratio(), 3),
                    row.bitsearchCpu().format(2), cell(row.torchCpu(), 2), cell(row.cpuRatio(), 3)));
        out.table(List.of("weights", "bitsearch samples/s", "PyTorch samples/s", "ratio", "bitsearch per CPU-s", "PyTorch per CPU-s", "ratio (CPU)"), rows);
    }
}
