package org.bitsearch.trainers.process;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.bitsearch.search.trainer.EpochCancelledException;
import org.bitsearch.search.trainer.TrainingRun;
import org.bitsearch.search.trainer.TrialContext;
import org.bitsearch.search.trial.EpochMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * One trial attempt of a {@link ProcessTrainer}: one program process speaking the protocol of README.md ("The process
 * trainer protocol"), driven one epoch per {@link #trainEpoch()} call as the {@link TrainingRun} contract asks.
 *
 * <ul>
 *   <li>The first {@code trainEpoch} starts the program with the slot's {@link DeviceEnvironment} and writes the
 *       {@code start} line; each later one answers the previous report with {@code continue} (the trial actor calls
 *       it only after the supervisor recorded that report and decided to go on). It returns at the next {@code epoch}
 *       line.</li>
 *   <li>{@link #saveCheckpoint} wraps the program's reported checkpoint file into bitsearch's
 *       ({@link ProcessCheckpoint}) and deletes the program's older file.</li>
 *   <li>{@link #close()} answers {@code stop}, waits {@code stopGraceSeconds} for the program to exit, then kills
 *       its process tree; the attempt's working directory goes (bitsearch's checkpoint holds what resume needs).</li>
 *   <li>{@link #testAccuracy()} and {@link #exportModel} run the program once more with task {@code test} or
 *       {@code export} on the latest checkpoint.</li>
 * </ul>
 * Any breach (non-zero or early exit, malformed line, missing checkpoint file, silence beyond
 * {@code epochTimeoutSeconds}) kills the process tree and throws {@link ProtocolException}; the trial actor fails the
 * attempt and the retry rules apply. The program's stderr and its non-protocol stdout lines go to
 * {@code <trial dir>/logs/attempt-<n>.log} (and {@code test.log}, {@code export.log}).
 *
 * <p>Not thread-safe, as the contract says: one thread at a time.
 */
final class ProcessTrainingRun implements TrainingRun {
    private static final Logger log = LoggerFactory.getLogger(ProcessTrainingRun.class);
    private static final int TAIL_LINES = 5;
    /** How often a wait for the program checks {@link #cancel()}. */
    private static final Duration POLL = Duration.ofMillis(100);

    private final ProcessTrainerConfig config;
    private final TrialContext context;
    private final Map<String, String> deviceEnv;
    private final Path trialDir;
    private final Path workDir;
    private final boolean temporaryTrialDir;
    /** The program's latest checkpoint: restored at open, then the last one it reported. */
    private Path programCheckpoint;
    private int nextEpoch;
    private ChildProcess child;
    private boolean awaitingVerdict;
    private ProtocolMessage.Epoch lastReport;
    private Path lastSaved;
    private volatile boolean cancelled;

    private ProcessTrainingRun(ProcessTrainerConfig config, TrialContext context, Map<String, String> deviceEnv,
                               Path trialDir, Path workDir, boolean temporaryTrialDir) {
        this.config = config;
        this.context = context;
        this.deviceEnv = deviceEnv;
        this.trialDir = trialDir;
        this.workDir = workDir;
        this.temporaryTrialDir = temporaryTrialDir;
        this.nextEpoch = 1;
    }

    static ProcessTrainingRun open(ProcessTrainerConfig config, TrialContext context, String parentVisible) throws IOException {
        // The trial actor names the trial's directory: the attempt works in process/attempt-<n>. A run opened for a
        // test or an export (or by `bitsearch train`) gets a directory of its own, so that it never touches a
        // training attempt's files.
        Path dir;
        Path work;
        boolean temporary = false;
        if (context.trialDir().isPresent()) {
            dir = context.trialDir().get().toAbsolutePath().normalize();
            work = dir.resolve("process").resolve("attempt-" + context.attempt());
        } else {
            if (context.checkpoint().isPresent()) dir = context.checkpoint().get().toAbsolutePath().normalize().getParent();
            else {
                dir = Files.createTempDirectory("bitsearch-process-");
                temporary = true;
            }
            Files.createDirectories(dir.resolve("process"));
            work = Files.createTempDirectory(dir.resolve("process"), "run-");
        }
        ProcessTrainingRun run = new ProcessTrainingRun(config, context, DeviceEnvironment.of(context.localDevice(), parentVisible),
                dir, work, temporary);
        if (context.checkpoint().isPresent()) {
            ProcessCheckpoint.Restored r = ProcessCheckpoint.extract(context.checkpoint().get(), context.number(),
                    context.seed(), run.workDir);
            run.programCheckpoint = r.file();
            run.nextEpoch = r.header().epoch() + 1;
        }
        return run;
    }

    @Override public int nextEpoch() { return nextEpoch; }

    @Override
    public EpochMetrics trainEpoch() throws Exception {
        if (nextEpoch > context.maxEpochs())
            throw new IllegalStateException("trial " + context.number() + " has trained all " + context.maxEpochs() + " epochs");
        if (cancelled) {
            stopChild();
            throw new EpochCancelledException(nextEpoch);
        }
        long started = System.nanoTime();
        if (child == null) {
            Files.createDirectories(workDir);
            child = ChildProcess.start(config.command(), config.workingPath(), environment(),
                    trialDir.resolve("logs").resolve("attempt-" + context.attempt() + ".log"));
            send(start("train", null));
        } else if (awaitingVerdict) {
            send("{\"type\":\"continue\"}");
        } else {
            throw new IllegalStateException("trial " + context.number() + ": the program is no longer running");
        }
        awaitingVerdict = false;
        ProtocolMessage m = await("epoch " + nextEpoch);
        if (!(m instanceof ProtocolMessage.Epoch e))
            throw breach("sent a " + typeName(m) + " message while training, but only epoch reports belong to task train");
        if (e.epoch() != nextEpoch)
            throw breach("reported epoch " + e.epoch() + ", but the epoch it was training is " + nextEpoch);
        Path file = resolve(e.checkpoint());
        if (!Files.isRegularFile(file))
            throw breach("reported checkpoint '" + e.checkpoint() + "' for epoch " + e.epoch() + ", but " + file + " does not exist");
        double seconds = (System.nanoTime() - started) / 1e9;
        lastReport = e;
        programCheckpoint = file;
        nextEpoch = e.epoch() + 1;
        awaitingVerdict = true;
        return new EpochMetrics(e.epoch(), e.valAccuracy(), e.valLoss(), e.trainLoss(), seconds, e.samplesPerSecond(), e.currentAccuracy());
    }

    /**
     * Makes the running (or next) {@link #trainEpoch()} kill the program's process tree and throw
     * {@link EpochCancelledException} within a fraction of a second; the epoch in progress is lost, the trial resumes
     * from its last recorded checkpoint. Thread-safe; returns at once.
     */
    @Override
    public void cancel() {
        cancelled = true;
    }

    @Override
    public void saveCheckpoint(Path file) throws Exception {
        if (lastReport == null) throw new IllegalStateException("no epoch has been reported yet: nothing to checkpoint");
        Path reported = programCheckpoint;
        new ProcessCheckpoint(context.number(), context.seed(), lastReport.epoch(), lastReport.checkpoint()).write(reported, file);
        if (lastSaved != null && !lastSaved.equals(reported) && lastSaved.startsWith(workDir)) Files.deleteIfExists(lastSaved);
        lastSaved = reported;
    }

    @Override
    public double testAccuracy() throws Exception {
        ProtocolMessage m = runTask("test", null);
        if (!(m instanceof ProtocolMessage.Test t))
            throw new ProtocolException(label() + "answered task test with a " + typeName(m) + " message, but must send {\"type\":\"test\",\"testAccuracy\":...}");
        return t.testAccuracy();
    }

    @Override
    public void exportModel(Path file) throws Exception {
        Path target = file.toAbsolutePath();
        Files.deleteIfExists(target);
        ProtocolMessage m = runTask("export", target);
        if (!(m instanceof ProtocolMessage.Exported))
            throw new ProtocolException(label() + "answered task export with a " + typeName(m) + " message, but must send {\"type\":\"exported\"}");
        if (!Files.isRegularFile(target))
            throw new ProtocolException(label() + "reported exported, but " + target + " does not exist");
    }

    /** Stops the training program (stop, grace period, kill) and removes the attempt's working directory. */
    @Override
    public void close() {
        stopChild();
        deleteTree(workDir);
        if (temporaryTrialDir) deleteTree(trialDir);
    }

    // ------------------------------------------------------------------ internals

    /** Runs the program once for {@code task} (test or export) on the latest checkpoint and returns its answer. */
    private ProtocolMessage runTask(String task, Path exportPath) throws Exception {
        stopChild();
        if (programCheckpoint == null)
            throw new IllegalStateException("trial " + context.number() + " has no checkpoint to " + task);
        Path dir = Files.createDirectories(trialDir.resolve("process")).resolve(task + "-" + System.nanoTime());
        Files.createDirectories(dir);
        ChildProcess c = ChildProcess.start(config.command(), config.workingPath(), environment(),
                trialDir.resolve("logs").resolve(task + ".log"));
        child = c;
        try {
            send(start(task, exportPath).put("checkpointDir", dir.toString()).toString());
            ProtocolMessage m = await(task);
            if (!c.waitFor(Duration.ofSeconds(Math.max(1, config.stopGraceSeconds()))))
                log.warn("{}did not exit within {} s after answering task {}; killing it", label(), config.stopGraceSeconds(), task);
            else if (c.exitValue() != 0)
                throw breach("answered task " + task + ", then exited with status " + c.exitValue());
            return m;
        } finally {
            c.kill();
            child = null;
            deleteTree(dir);
        }
    }

    private void stopChild() {
        ChildProcess c = child;
        if (c == null) return;
        child = null;
        try {
            if (c.alive() && awaitingVerdict) {
                try {
                    c.send("{\"type\":\"stop\"}");
                } catch (IOException e) {
                    // it closed its stdin or exited: killed below
                }
                if (!c.waitFor(Duration.ofSeconds(config.stopGraceSeconds())))
                    log.warn("{}did not exit within {} s of stop; killing its process tree", label(), config.stopGraceSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            awaitingVerdict = false;
            c.kill();
        }
    }

    /**
     * Reads stdout until a protocol message: free text is logged; the end of output or a silence past the timeout
     * is a breach.
     */
    private ProtocolMessage await(String what) throws Exception {
        Duration timeout = Duration.ofSeconds(config.epochTimeoutSeconds());
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            ChildProcess.Read r = left <= 0 ? ChildProcess.Read.TIMEOUT : child.next(Duration.ofNanos(Math.min(left, POLL.toNanos())));
            if (cancelled && !what.equals("test") && !what.equals("export")) {
                int epoch = nextEpoch;
                breach("was cancelled");
                throw new EpochCancelledException(epoch);
            }
            if (r.timeout() && System.nanoTime() < deadline) continue;
            if (r.timeout())
                throw breach("sent nothing for " + config.epochTimeoutSeconds() + " s (epochTimeoutSeconds) while waiting for " + what);
            if (r.end()) {
                boolean exited = child.waitFor(Duration.ofSeconds(5));
                throw breach((exited ? "exited with status " + child.exitValue() : "closed its stdout")
                        + " before sending " + what);
            }
            if (ProtocolParser.isMessage(r.line())) {
                try {
                    return ProtocolParser.parse(r.line());
                } catch (ProtocolException e) {
                    throw breach(e.getMessage());
                }
            }
            appendLog(r.line());
        }
    }

    /** Kills the process tree and returns the exception to throw, with the tail of the stderr log. */
    private ProtocolException breach(String what) {
        ChildProcess c = child;
        String tail = "";
        if (c != null) {
            awaitingVerdict = false;
            c.kill();
            tail = c.stderrTail(TAIL_LINES);
            child = null;
        }
        return new ProtocolException(label() + what + (tail.isEmpty() ? "" : "; stderr: " + tail));
    }

    private void send(String line) throws ProtocolException {
        try {
            child.send(line);
        } catch (IOException e) {
            throw breach("cannot be written to (" + e.getMessage() + "): it has exited or closed its stdin");
        }
    }

    private void send(ObjectNode message) throws ProtocolException { send(message.toString()); }

    /** The start message of {@code task}. */
    private ObjectNode start(String task, Path exportPath) {
        ObjectNode m = ProtocolParser.JSON.createObjectNode();
        m.put("type", "start").put("task", task).put("search", context.searchId()).put("trial", context.number())
                .put("attempt", context.attempt()).put("seed", context.seed());
        m.set("params", ProtocolParser.JSON.valueToTree(context.candidate().params()));
        ArrayNode bits = m.putArray("bits");
        context.candidate().bits().bits().forEach(bits::add);
        m.put("fromEpoch", nextEpoch).put("maxEpochs", context.maxEpochs());
        if (programCheckpoint == null) m.putNull("checkpoint");
        else m.put("checkpoint", programCheckpoint.toString());
        m.put("checkpointDir", workDir.toString());
        if (exportPath != null) m.put("exportPath", exportPath.toString());
        return m;
    }

    private Map<String, String> environment() {
        Map<String, String> env = new HashMap<>(config.env());
        env.putAll(deviceEnv);
        return env;
    }

    private Path resolve(String reported) {
        Path p = Path.of(reported);
        return (p.isAbsolute() ? p : workDir.resolve(p)).normalize();
    }

    private void appendLog(String line) {
        ChildProcess c = child;
        if (c == null) return;
        try {
            Files.writeString(c.log(), "[stdout] " + line + System.lineSeparator(), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            log.debug("{}cannot append to {}: {}", label(), c.log(), e.getMessage());
        }
    }

    private String label() {
        return "trial " + context.number() + " attempt " + context.attempt() + ": the program ";
    }

    private static String typeName(ProtocolMessage m) {
        return m instanceof ProtocolMessage.Epoch ? "epoch" : m instanceof ProtocolMessage.Test ? "test" : "exported";
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException | UncheckedIOException e) {
            log.debug("cannot delete {}: {}", dir, e.getMessage());
        }
    }
}
