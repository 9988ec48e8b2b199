package org.bitsearch.trainers.process;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One running trainer program, started through {@code launcher.sh} under {@code setsid}: the program and every
 * process it starts share one process group, led by the launcher, whose id is {@link #pid()}. The launcher forwards
 * this JVM's lines to the program's stdin and kills the whole group when that pipe closes: on {@link #kill()}, and
 * also when this JVM dies, even by SIGKILL (the kernel closes the pipe), so no process outlives bitsearch.
 * stderr goes straight to the attempt's log file (appended); stdout is read line by line by a daemon thread.
 *
 * <p>Used by one thread at a time (the run's); {@link #kill()} may be called from any thread.
 */
final class ChildProcess {
    /** The launcher script (POSIX sh), run with {@code sh -c}. */
    static final String LAUNCHER = loadLauncher();
    private static final Object END = new Object();

    private final Process process;
    private final BufferedWriter stdin;
    private final BlockingQueue<Object> lines = new LinkedBlockingQueue<>();
    private final Path log;
    private volatile boolean ended;

    private ChildProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
        this.stdin = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
        Thread reader = new Thread(() -> pump(process.getInputStream()), "process-trainer-stdout-" + process.pid());
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts {@code command} in {@code workingDir} with {@code env} added to this JVM's environment; its stderr is
     * appended to {@code log} (created with its directory).
     *
     * @throws IOException if the launcher cannot be started (no {@code setsid} or {@code sh})
     */
    static ChildProcess start(List<String> command, Path workingDir, Map<String, String> env, Path log) throws IOException {
        if (!Files.isDirectory(workingDir))
            throw new IOException("workingDir '" + workingDir + "' is not a directory");
        Files.createDirectories(log.toAbsolutePath().getParent());
        List<String> cmd = new ArrayList<>(List.of("setsid", "sh", "-c", LAUNCHER, "bitsearch-launcher"));
        cmd.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workingDir.toFile())
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().putAll(env);
        return new ChildProcess(pb.start(), log);
    }

    /** The launcher's pid, which is also the id of the program's process group. */
    long pid() { return process.pid(); }

    Path log() { return log; }

    /** Writes one line to the program's stdin. */
    void send(String line) throws IOException {
        stdin.write(line);
        stdin.write('\n');
        stdin.flush();
    }

    /**
     * The next stdout line, waiting at most {@code timeout}.
     *
     * @return the line; {@link Read#end()} at end of output (the program exited or closed stdout); {@link Read#timeout()}
     */
    Read next(Duration timeout) throws InterruptedException {
        if (ended && lines.isEmpty()) return Read.END;
        Object o = lines.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        if (o == null) return Read.TIMEOUT;
        if (o == END) {
            ended = true;
            return Read.END;
        }
        return new Read((String) o, false, false);
    }

    /** One read: a line, or the end of output, or a timeout. */
    record Read(String line, boolean end, boolean timeout) {
        static final Read END = new Read(null, true, false);
        static final Read TIMEOUT = new Read(null, false, true);
    }

    boolean alive() { return process.isAlive(); }

    /** Waits up to {@code timeout} for the launcher to exit; true if it did. */
    boolean waitFor(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** The exit status (the program's, passed on by the launcher; 128 + n after signal n); call after it exited. */
    int exitValue() { return process.exitValue(); }

    /**
     * Kills the program's whole process tree and waits for the launcher to go: closes the stdin pipe (the launcher
     * then SIGKILLs its process group), then SIGKILLs the group and every descendant still known directly. Safe to
     * call more than once and after the program exited.
     */
    void kill() {
        List<ProcessHandle> tree = new ArrayList<>();
        try {
            process.descendants().forEach(tree::add);
        } catch (RuntimeException ignored) {
            // no longer there
        }
        try {
            stdin.close();
        } catch (IOException ignored) {
            // the pipe is already broken: the launcher has gone
        }
        try {
            process.waitFor(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        killGroup(process.pid());
        tree.forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGKILL to process group {@code pgid} (nothing if it has no members left). */
    static void killGroup(long pgid) {
        try {
            Process k = new ProcessBuilder("kill", "-KILL", "--", "-" + pgid)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            k.waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
            // no kill(1): the launcher's own group kill and destroyForcibly remain
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The last {@code n} lines of the attempt's stderr log, joined by " | " ("" if none). */
    String stderrTail(int n) {
        try {
            if (!Files.exists(log)) return "";
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            List<String> kept = new ArrayList<>();
            for (int i = all.size() - 1; i >= 0 && kept.size() < n; i--)
                if (!all.get(i).isBlank()) kept.add(0, all.get(i).strip());
            return String.join(" | ", kept);
        } catch (IOException | UncheckedIOException e) {
            return "";
        }
    }

    private void pump(InputStream in) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) lines.add(line);
        } catch (IOException ignored) {
            // the pipe broke: the process is gone
        } finally {
            lines.add(END);
        }
    }

    private static String loadLauncher() {
        try (InputStream in = ChildProcess.class.getResourceAsStream("launcher.sh")) {
            if (in == null) throw new IllegalStateException("launcher.sh is missing from the class path");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
