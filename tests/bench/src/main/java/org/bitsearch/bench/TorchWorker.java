package org.bitsearch.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The PyTorch side of figure 1: a long-lived {@code python3} process running the reference trainer
 * ({@code torch_reference.py}, shipped in the bench jar), asked for one timed epoch at a time so that the bench can
 * alternate bitsearch and PyTorch epochs (A B A B) without paying Python's start-up between them.
 *
 * <p>The interpreter is the first of {@code $BITSEARCH_PYTHON}, {@code python3}, {@code /usr/bin/python3} for which
 * {@code import torch} works. It runs with one intra-op thread (OMP/MKL/OpenBLAS at 1, {@code torch.set_num_threads(1)}).
 * Debian's {@code python3-torch} does its products through the generic {@code libblas.so.3}, which is the slow
 * reference BLAS unless an optimised one is installed; so that both sides use an optimised BLAS, the worker
 * preloads the OpenBLAS library bitsearch itself uses ({@code LD_PRELOAD}) unless {@code BITSEARCH_TORCH_BLAS=system}.
 */
final class TorchWorker implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One timed epoch of the reference trainer. */
    record Epoch(double samplesPerSecond, double cpuSeconds, double seconds, double loss) {}

    private final Process process;
    private final BufferedWriter in;
    private final BufferedReader out;
    private final Path script;
    final String python, blas;
    private String torchVersion = "?";

    private TorchWorker(Process process, Path script, String python, String blas) {
        this.process = process;
        this.in = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.script = script;
        this.python = python;
        this.blas = blas;
    }

    /** The first interpreter that imports torch, or empty (the reason is logged by the caller). */
    static Optional<String> findPython() { return findPython("import torch"); }

    /** The first of {@code $BITSEARCH_PYTHON}, {@code python3}, {@code /usr/bin/python3} that runs {@code code} (an import line) without error, or empty. */
    static Optional<String> findPython(String code) {
        List<String> candidates = new ArrayList<>();
        String env = System.getenv("BITSEARCH_PYTHON");
        if (env != null && !env.isBlank()) candidates.add(env);
        candidates.add("python3");
        candidates.add("/usr/bin/python3");
        for (String p : candidates) {
            try {
                Process pr = new ProcessBuilder(p, "-c", code).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                if (pr.waitFor(120, TimeUnit.SECONDS) && pr.exitValue() == 0) return Optional.of(p);
                pr.destroyForcibly();
            } catch (IOException e) {
                // not installed under that name: try the next
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    /**
     * {@code pb} set up as every PyTorch process of the bench runs: one thread in each pool it may use (OpenMP, MKL,
     * OpenBLAS), {@code openBlas} preloaded unless null, its standard error passed through. Returns {@code pb}.
     */
    static ProcessBuilder oneThread(ProcessBuilder pb, String openBlas) {
        Map<String, String> env = pb.environment();
        env.put("OMP_NUM_THREADS", "1");
        env.put("MKL_NUM_THREADS", "1");
        env.put("OPENBLAS_NUM_THREADS", "1");
        if (openBlas != null) env.put("LD_PRELOAD", openBlas);
        return pb.redirectError(ProcessBuilder.Redirect.INHERIT);
    }

    /**
     * Starts the worker on the Fashion-MNIST IDX files in {@code dataDir}.
     *
     * @param openBlas the OpenBLAS library to preload, or null for the system's BLAS
     */
    static TorchWorker start(String python, Path dataDir, String openBlas) throws IOException {
        Path script = Files.createTempFile("bitsearch-torch-reference", ".py");
        try (InputStream s = TorchWorker.class.getResourceAsStream("torch_reference.py")) {
            if (s == null) throw new IOException("torch_reference.py is missing from the bench jar");
            Files.copy(s, script, StandardCopyOption.REPLACE_EXISTING);
        }
        ProcessBuilder pb = new ProcessBuilder(python, script.toString(), "--data", dataDir.toString(), "--threads", "1");
        Process p = oneThread(pb, openBlas).start();
        TorchWorker w = new TorchWorker(p, script, python, openBlas == null ? "the system's libblas.so.3"
                : "the OpenBLAS bitsearch uses (" + Path.of(openBlas).getFileName() + "), preloaded");
        JsonNode ready;
        try {
            ready = w.read();
        } catch (IOException e) {
            w.close();
            throw e;
        }
        if (!ready.path("ready").asBoolean()) {
            w.close();
            throw new IOException("the PyTorch worker did not start: " + ready);
        }
        w.torchVersion = ready.path("torch").asText();
        return w;
    }

    String torchVersion() { return torchVersion; }

    /** Trains one epoch of {@code samples} images of {@code model} ("mlp" or "cnn") at {@code bits}. */
    Epoch epoch(String model, int bits, int samples, int batch, long seed) throws IOException {
        in.write(JSON.writeValueAsString(Map.of("model", model, "bits", bits, "samples", samples, "batch", batch, "seed", seed)));
        in.newLine();
        in.flush();
        JsonNode r = read();
        if (r.has("error")) throw new IOException("the PyTorch worker failed: " + r.get("error").asText());
        return new Epoch(r.get("samples_per_second").asDouble(), r.get("cpu_seconds").asDouble(), r.get("seconds").asDouble(),
                r.get("loss").asDouble());
    }

    private JsonNode read() throws IOException {
        String line = out.readLine();
        if (line == null) throw new IOException("the PyTorch worker exited (code " + (process.isAlive() ? "?" : process.exitValue()) + ")");
        return JSON.readTree(line);
    }

    @Override
    public void close() throws IOException {
        try {
            in.close();
        } catch (IOException ignored) {
            // the process may be gone already
        }
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        Files.deleteIfExists(script);
    }
}
