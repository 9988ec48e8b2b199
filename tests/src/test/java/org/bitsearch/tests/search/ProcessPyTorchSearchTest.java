package org.bitsearch.tests.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.bitsearch.orchestrator.http.ExportBuilder;
import org.bitsearch.orchestrator.http.SearchReader;
import org.bitsearch.orchestrator.http.SpecTrainerLookup;
import org.bitsearch.orchestrator.wiring.StandardTrainers;
import org.bitsearch.actors.spec.SpecCompiler;
import org.bitsearch.storage.H2SearchStore;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real search with the PyTorch reference trainer ({@code examples/pytorch/train.py}) on CPU, in a real
 * {@code bitsearch} JVM: killed with SIGKILL after its first epoch report, resumed from the script's checkpoint to
 * the end (pruning, test accuracies), then exported. Data: Fashion-MNIST from {@code ../shared} when present (a
 * 4,000-image training subset), otherwise small generated IDX files. Skipped only when no Python with PyTorch is
 * found ({@code python3 -c 'import torch'}; also tried: {@code $BITSEARCH_PYTHON}, {@code /usr/bin/python3}).
 */
class ProcessPyTorchSearchTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path REPO = Path.of(System.getProperty("bitsearch.repoRoot"));
    static final Path SHARED = Path.of(System.getProperty("bitsearch.shared", "../shared"), "datasets", "fashion-mnist");
    static String python;

    @TempDir Path work;

    @BeforeAll
    static void findPyTorch() throws Exception {
        List<String> candidates = new ArrayList<>();
        if (System.getenv("BITSEARCH_PYTHON") != null) candidates.add(System.getenv("BITSEARCH_PYTHON"));
        candidates.addAll(List.of("python3", "/usr/bin/python3"));
        for (String c : candidates) {
            try {
                Process p = new ProcessBuilder(c, "-c", "import torch").redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    python = c;
                    return;
                }
            } catch (IOException notThere) {
                // next candidate
            }
        }
        Assumptions.abort("PyTorch is not installed: python3 -c 'import torch' fails"
                + " (apt-get install python3-torch; .ci/run installs it)");
    }

    @Test
    void aPyTorchSearchIsKilledResumedFromTheScriptsCheckpointMeasuredAndExported() throws Exception {
        // through a link inside the temp dir, so that the script's command line names this test (see scripts())
        Path data = Files.isRegularFile(SHARED.resolve("train-images-idx3-ubyte.gz"))
                ? Files.createSymbolicLink(work.resolve("data"), SHARED.toAbsolutePath()) : synthetic(work.resolve("data"));
        Path spec = work.resolve("torch.yaml");
        Files.writeString(spec, """
                name: torch-cpu
                seed: 5
                trainer:
                  kind: process
                  command: [%s, %s, --data, %s, --hidden, "32", --train-subset, "4000", --validation-size, "1000"]
                  layers:
                    - {name: dense0, weights: 25088, biases: 32}
                    - {name: dense1, weights: 320, biases: 10}
                  env: {OMP_NUM_THREADS: "1"}
                  epochTimeoutSeconds: 300
                space:
                  params:
                    learningRate: {type: logfloat, low: 1.0e-3, high: 1.0e-2}
                    batchSize: {type: categorical, choices: [64, 128]}
                  bits: {allowed: [1, 2, 4, 8]}
                sampler: {type: random}
                pruner: {type: pareto-asha, minResource: 1, maxResource: 3, reductionFactor: 2}
                budget: {maxTrials: 4, maxConcurrent: 1, maxEpochs: 3, maxRetries: 1}
                """.formatted(python, REPO.resolve("examples/pytorch/train.py"), data));
        Path db = work.resolve("db");
        Pattern continued = Pattern.compile("trial (\\d+) epoch (\\d+):.*CONTINUE.*");
        int killedTrial;
        try (CliProcess run = CliProcess.start(work, "run", spec.toString(), "--db", db.toString(), "--cpu-slots", "1")) {
            run.awaitErr(lines -> lines.stream().anyMatch(l -> continued.matcher(l).matches()), 300);
            // the verdict's line may be printed just before the checkpoint row is written: give the write a moment
            // (far less than an epoch of 4000 images)
            Thread.sleep(100);
            run.process.destroyForcibly();
            run.process.waitFor();
            Matcher m = run.err.stream().map(continued::matcher).filter(Matcher::matches).findFirst().orElseThrow();
            killedTrial = Integer.parseInt(m.group(1));
        }
        // no python process of this test outlives bitsearch
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!scripts().isEmpty() && System.nanoTime() < deadline) Thread.sleep(100);
        assertEquals(List.of(), scripts(), "train.py processes left after the SIGKILL of bitsearch");

        int recorded;
        try (H2SearchStore store = H2SearchStore.open(db)) {
            assertFalse(store.trial(1, killedTrial).orElseThrow().state().isFinished(), "the kill interrupted trial " + killedTrial);
            recorded = store.latestCheckpoint(1, killedTrial).map(c -> c.epoch())
                    .orElseThrow(() -> new AssertionError("trial " + killedTrial + " had no checkpoint recorded at the kill"));
        }
        JsonNode result;
        try (CliProcess resume = CliProcess.start(work, "resume", "1", "--db", db.toString(), "--json", "--cpu-slots", "1")) {
            assertEquals(0, resume.await(600), String.join("\n", resume.err));
            result = JSON.readTree(resume.stdout());
            Pattern started = Pattern.compile("trial " + killedTrial + " started on \\S+ \\(attempt \\d+, from epoch (\\d+)\\)");
            int from = resume.err.stream().map(started::matcher).filter(Matcher::find).findFirst()
                    .map(x -> Integer.parseInt(x.group(1))).orElse(-1);
            assertEquals(recorded + 1, from, "trial " + killedTrial + " went on from its checkpoint of epoch " + recorded
                    + ":\n" + String.join("\n", resume.err));
        }
        assertEquals("COMPLETED", result.path("state").asText(), result.toPrettyString());
        assertEquals(4, result.path("counts").path("total").asInt());
        assertEquals(0, result.path("counts").path("failed").asInt(), result.toPrettyString());
        assertFalse(result.path("front").isEmpty());
        for (JsonNode p : result.path("front")) {
            assertTrue(p.path("valAccuracy").asDouble() > 0.3, p.toString());
            assertTrue(p.path("testAccuracy").asDouble() > 0.3, "measured by task test: " + p);
        }

        // export: the front's models, written by the script's task export
        try (H2SearchStore store = H2SearchStore.open(db)) {
            SpecTrainerLookup trainers = new SpecTrainerLookup(new SpecCompiler(StandardTrainers.factory()));
            ExportBuilder export = new ExportBuilder(store, new SearchReader(store, trainers), trainers,
                    Files.createDirectories(work.resolve("export-tmp")), "test");
            Optional<Path> zip = export.build(1);
            assertTrue(zip.isPresent());
            try (ZipFile z = new ZipFile(zip.get().toFile())) {
                long models = z.stream().filter(e -> e.getName().startsWith("models/trial-")).count();
                assertEquals(result.path("front").size(), models, "one model per front point");
            }
        }
        assertEquals(List.of(), scripts());
    }

    /** Live processes running this test's train.py with this test's data. */
    private List<Long> scripts() {
        String marker = work.toString();
        return ProcessHandle.allProcesses().filter(ProcessHandle::isAlive)
                .filter(p -> p.info().arguments().map(a -> String.join(" ", a)).orElse("").contains(marker))
                .filter(p -> p.info().arguments().map(a -> String.join(" ", a)).orElse("").contains("train.py"))
                .map(ProcessHandle::pid).toList();
    }

    /** Ten classes of 28x28 images, each a bar at its own place plus noise: learnable in an epoch. */
    static Path synthetic(Path dir) throws IOException {
        Files.createDirectories(dir);
        Random rng = new Random(7);
        write(dir, "train", 4000, rng);
        write(dir, "t10k", 1000, rng);
        return dir;
    }

    private static void write(Path dir, String prefix, int n, Random rng) throws IOException {
        byte[] labels = new byte[n];
        byte[] images = new byte[n * 784];
        for (int i = 0; i < n; i++) {
            int c = rng.nextInt(10);
            labels[i] = (byte) c;
            for (int p = 0; p < 784; p++) {
                int row = p / 28, col = p % 28;
                boolean bar = c < 5 ? row / 5 == c : col / 5 == c - 5;
                int v = (bar ? 180 : 20) + (int) (rng.nextGaussian() * 30);
                images[i * 784 + p] = (byte) Math.max(0, Math.min(255, v));
            }
        }
        try (DataOutputStream o = new DataOutputStream(gz(dir.resolve(prefix + "-images-idx3-ubyte.gz")))) {
            o.writeInt(0x803);
            o.writeInt(n);
            o.writeInt(28);
            o.writeInt(28);
            o.write(images);
        }
        try (DataOutputStream o = new DataOutputStream(gz(dir.resolve(prefix + "-labels-idx1-ubyte.gz")))) {
            o.writeInt(0x801);
            o.writeInt(n);
            o.write(labels);
        }
    }

    private static OutputStream gz(Path file) throws IOException {
        return new GZIPOutputStream(Files.newOutputStream(file));
    }
}
