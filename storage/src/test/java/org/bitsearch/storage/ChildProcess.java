package org.bitsearch.storage;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A {@link CrashWriter} running in a child JVM on this test's class path, whose stdout lines (acknowledged writes)
 * are collected by a reader thread. {@link #kill()} sends SIGKILL ({@link Process#destroyForcibly()} on Linux).
 */
final class ChildProcess {
    /** Exit status of a process killed by SIGKILL (128 + 9). */
    static final int SIGKILL_EXIT = 137;

    private final Process process;
    private final Path stderr;
    private final List<String> lines = new ArrayList<>();
    private final CountDownLatch ready = new CountDownLatch(1);
    private final Thread reader;

    private ChildProcess(Process process, Path stderr) {
        this.process = process;
        this.stderr = stderr;
        this.reader = new Thread(this::readLines, "child-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    static ChildProcess start(Path dataDir, long seed, String mode, Path stderr) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), CrashWriter.class.getName(),
                dataDir.toString(), Long.toString(seed), mode);
        pb.redirectError(ProcessBuilder.Redirect.appendTo(stderr.toFile()));
        return new ChildProcess(pb.start(), stderr);
    }

    private void readLines() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.equals("READY")) ready.countDown();
                else if (line.endsWith(" ;")) synchronized (lines) { lines.add(line.substring(0, line.length() - 2)); }
            }
        } catch (IOException e) {
            // the child died; what was read so far is kept
        }
    }

    /** Waits until the child has opened the store; fails with its stderr if it does not. */
    void awaitReady(long seconds) throws InterruptedException, IOException {
        if (!ready.await(seconds, TimeUnit.SECONDS))
            throw new AssertionError("child did not open the store within " + seconds + " s (alive: " + process.isAlive()
                    + "); its stderr:\n" + Files.readString(stderr));
    }

    /** Waits until the child has acknowledged at least {@code n} writes (or died, or the time is up). */
    void awaitLines(int n, long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline && process.isAlive()) {
            synchronized (lines) {
                if (lines.size() >= n) return;
            }
            Thread.sleep(5);
        }
    }

    /** SIGKILLs the child, waits for it and returns its exit status. */
    int kill() throws InterruptedException {
        process.destroyForcibly();
        int status = process.waitFor();
        reader.join(5000);
        return status;
    }

    boolean isAlive() { return process.isAlive(); }

    /** The acknowledgement lines read so far, without their " ;" (complete lines only). */
    List<String> lines() {
        synchronized (lines) { return List.copyOf(lines); }
    }
}
