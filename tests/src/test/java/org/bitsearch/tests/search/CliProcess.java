package org.bitsearch.tests.search;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A real {@code bitsearch} JVM started from the test's class path; collects its stdout and stderr lines. */
final class CliProcess implements AutoCloseable {
    final Process process;
    final List<String> out = new CopyOnWriteArrayList<>();
    final List<String> err = new CopyOnWriteArrayList<>();

    private CliProcess(Process process) {
        this.process = process;
        pump(process.getInputStream(), out);
        pump(process.getErrorStream(), err);
    }

    static CliProcess start(Path workDir, String... args) throws IOException {
        return start(workDir, List.of("-Xmx512m"), args);
    }

    static CliProcess start(Path workDir, List<String> jvmOptions, String... args) throws IOException {
        return start(workDir, jvmOptions, java.util.Map.of(), args);
    }

    /** As above, with {@code env} added to (or, for an empty value, removed from) the inherited environment. */
    static CliProcess start(Path workDir, List<String> jvmOptions, java.util.Map<String, String> env, String... args) throws IOException {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", cp));
        cmd.addAll(1, jvmOptions);
        cmd.add("org.bitsearch.orchestrator.Main");
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile());
        pb.environment().put("OMP_NUM_THREADS", "1");
        env.forEach((k, v) -> {
            if (v.isEmpty()) pb.environment().remove(k);
            else pb.environment().put(k, v);
        });
        return new CliProcess(pb.start());
    }

    private static void pump(InputStream in, List<String> sink) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) sink.add(line);
            } catch (IOException ignored) {
                // the process died
            }
        }, "cli-pump");
        t.setDaemon(true);
        t.start();
    }

    /** Waits until some stderr line satisfies {@code condition} on the lines so far. */
    void awaitErr(Predicate<List<String>> condition, long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.test(err)) {
            if (!process.isAlive()) throw new AssertionError("bitsearch exited with " + process.exitValue() + ":\n" + String.join("\n", err));
            if (System.nanoTime() > deadline) throw new AssertionError("timed out; stderr:\n" + String.join("\n", err));
            Thread.sleep(20);
        }
    }

    int await(long seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("bitsearch did not end within " + seconds + " s; stderr:\n" + String.join("\n", err));
        }
        Thread.sleep(100); // let the pumps drain
        return process.exitValue();
    }

    String stdout() { return String.join("\n", out); }

    @Override
    public void close() {
        if (process.isAlive()) process.destroyForcibly();
    }
}
