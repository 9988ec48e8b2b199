package org.bitsearch.actors.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.bitsearch.actors.spec.TrainerFactory;
import org.bitsearch.search.trainer.EpochCancelledException;
import org.bitsearch.search.trainer.Trainer;
import org.bitsearch.search.trainer.TrainingRun;
import org.bitsearch.search.trainer.TrialContext;
import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.storage.CandidateJson;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * A worker's trainer host: runs trial runs for a coordinator on this node's devices, with this node's trainers and
 * data. Registered with the Receptionist under {@link #KEY}; a coordinator greets it ({@link Hello}) and gets its
 * {@link Offer}. Every call of a run is a message answered with a {@link Result}; the blocking work (opening,
 * training, checkpoint and file I/O) runs on the blocking executor, never on an actor thread. Files of a run live in
 * {@code workDir/<runId>/} and are deleted when the run is closed. Checkpoints travel in chunks of at most
 * {@link #CHUNK_BYTES} pulled by the coordinator ({@link ReadChunk}) or pushed before an open ({@link WriteChunk}),
 * so memory stays bounded whatever the model's size. When the host stops (its node left the cluster), every run is
 * cancelled and closed.
 */
public final class TrainerHost extends AbstractBehavior<TrainerHost.Command> {
    public static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "bitsearch-trainer-host");
    /** Chunk size of file transfers: well under Artery's default 256 KiB frame. */
    public static final int CHUNK_BYTES = 128 * 1024;
    static final String CHECKPOINT = "checkpoint", EXPORT = "export", RESUME = "resume";
    private static final ObjectMapper JSON = new ObjectMapper();

    public sealed interface Command extends ClusterMessage {}

    /** A coordinator greets the host; it answers with its {@link Offer}. */
    public record Hello(ActorRef<Offer> replyTo) implements Command {}

    /** What a worker offers: its node name ("HOST:PORT"), devices, slots per device and the secret it was given. */
    public record Offer(String node, List<String> devices, int slotsPerDevice, String secret, ActorRef<Command> host)
            implements ClusterMessage {
        public Offer { devices = List.copyOf(devices); }
    }

    /**
     * Opens a run: builds (or reuses) the trainer of {@code kind} from {@code configJson} and opens the trial on
     * {@code device} (a device of this node), from the checkpoint pushed before with {@link WriteChunk} if
     * {@code fromCheckpoint}. Refused when this node's data has another fingerprint than {@code dataFingerprint}
     * (the coordinator's; empty: not checked). {@code activationBitsJson} is the trial's activation allocation
     * ({@code ""}: FP32 activations).
     */
    public record Open(String runId, String kind, String configJson, int number, String paramsJson, String bitsJson,
                       String activationBitsJson, long seed, int maxEpochs, String device, boolean fromCheckpoint, String dataFingerprint,
                       ActorRef<Result> replyTo) implements Command {}

    public record TrainEpoch(String runId, ActorRef<Result> replyTo) implements Command {}

    /** Saves the run's checkpoint on this node; the answer gives its size, the coordinator then pulls it. */
    public record SaveCheckpoint(String runId, ActorRef<Result> replyTo) implements Command {}

    public record TestAccuracy(String runId, ActorRef<Result> replyTo) implements Command {}

    /** Writes the run's exported model on this node; the answer gives its size, the coordinator then pulls it. */
    public record ExportModel(String runId, ActorRef<Result> replyTo) implements Command {}

    /** Reads {@code file} ({@code checkpoint} or {@code export}) of a run from {@code offset}. */
    public record ReadChunk(String runId, String file, long offset, ActorRef<Result> replyTo) implements Command {}

    /** Appends {@code bytes} at {@code offset} to the checkpoint a run will be opened from. */
    public record WriteChunk(String runId, long offset, byte[] bytes, ActorRef<Result> replyTo) implements Command {}

    /** {@link TrainingRun#cancel()} on the run; no answer. */
    public record Cancel(String runId) implements Command {}

    /** Closes the run and deletes its files; no answer. */
    public record Close(String runId) implements Command {}

    private record Finished(Result result, ActorRef<Result> replyTo) implements Command {}

    /** The answer to a call. */
    public sealed interface Result extends ClusterMessage {}

    public record Opened(int nextEpoch) implements Result {}

    public record Epoch(EpochMetrics metrics) implements Result {}

    public record Saved(long bytes) implements Result {}

    public record Accuracy(double value) implements Result {}

    public record Chunk(byte[] bytes, boolean eof) implements Result {}

    public record Written(long size) implements Result {}

    /** The call failed with {@code message}; {@code cancelled} when an epoch ended by {@link Cancel}. */
    public record Failed(String message, boolean cancelled) implements Result {}

    /**
     * Open refused: this worker's data has another fingerprint than the coordinator's ({@code message} says both);
     * the coordinator then places nothing more on this worker.
     */
    public record OtherData(String message) implements Result {}

    /** Thrown inside {@link #onOpen} when the fingerprints differ; answered as {@link OtherData}. */
    private static final class OtherDataException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        OtherDataException(String message) { super(message); }
    }

    /**
     * @param node           this node's name, "HOST:PORT"
     * @param devices        its devices ("cpu:0", "gpu:1")
     * @param slotsPerDevice trials per device at once
     * @param secret         the secret this worker presents ("" for none)
     * @param trainers       the trainer kinds this node can build (with its own data directory)
     * @param blocking       the executor for blocking work
     * @param workDir        where runs keep their files
     */
    public static Behavior<Command> create(String node, List<String> devices, int slotsPerDevice, String secret,
                                           TrainerFactory trainers, Executor blocking, Path workDir) {
        return Behaviors.setup(ctx -> {
            ctx.getSystem().receptionist().tell(Receptionist.register(KEY, ctx.getSelf()));
            return new TrainerHost(ctx, node, devices, slotsPerDevice, secret, trainers, blocking, workDir);
        });
    }

    private final String node;
    private final List<String> devices;
    private final int slotsPerDevice;
    private final String secret;
    private final TrainerFactory trainers;
    private final Executor blocking;
    private final Path workDir;
    private final Map<String, Trainer> trainerCache = new ConcurrentHashMap<>();
    private final Map<String, TrainingRun> runs = new HashMap<>();
    private final CandidateJson candidates = new CandidateJson();

    private TrainerHost(ActorContext<Command> ctx, String node, List<String> devices, int slotsPerDevice, String secret,
                        TrainerFactory trainers, Executor blocking, Path workDir) {
        super(ctx);
        this.node = node;
        this.devices = List.copyOf(devices);
        this.slotsPerDevice = slotsPerDevice;
        this.secret = secret;
        this.trainers = trainers;
        this.blocking = blocking;
        this.workDir = workDir;
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Hello.class, h -> {
                    h.replyTo().tell(new Offer(node, devices, slotsPerDevice, secret, getContext().getSelf()));
                    return this;
                })
                .onMessage(Open.class, this::onOpen)
                .onMessage(TrainEpoch.class, m -> call(m.runId(), m.replyTo(), run -> new Epoch(run.trainEpoch())))
                .onMessage(SaveCheckpoint.class, m -> call(m.runId(), m.replyTo(), run -> {
                    Path file = file(m.runId(), CHECKPOINT);
                    run.saveCheckpoint(file);
                    return new Saved(Files.size(file));
                }))
                .onMessage(TestAccuracy.class, m -> call(m.runId(), m.replyTo(), run -> new Accuracy(run.testAccuracy())))
                .onMessage(ExportModel.class, m -> call(m.runId(), m.replyTo(), run -> {
                    Path file = file(m.runId(), EXPORT);
                    run.exportModel(file);
                    return new Saved(Files.size(file));
                }))
                .onMessage(ReadChunk.class, this::onReadChunk)
                .onMessage(WriteChunk.class, this::onWriteChunk)
                .onMessage(Cancel.class, m -> {
                    TrainingRun run = runs.get(m.runId());
                    if (run != null) run.cancel();
                    return this;
                })
                .onMessage(Close.class, this::onClose)
                .onMessage(RunOpened.class, o -> {
                    runs.put(o.runId(), o.run());
                    o.replyTo().tell(new Opened(o.run().nextEpoch()));
                    return this;
                })
                .onMessage(Finished.class, f -> {
                    f.replyTo().tell(f.result());
                    return this;
                })
                .onSignal(PostStop.class, s -> onPostStop())
                .build();
    }

    /** A blocking step of an open run. */
    private interface Step {
        Result apply(TrainingRun run) throws Exception;
    }

    private Behavior<Command> call(String runId, ActorRef<Result> replyTo, Step step) {
        TrainingRun run = runs.get(runId);
        if (run == null) {
            replyTo.tell(new Failed("run " + runId + " is not open on worker " + node, false));
            return this;
        }
        async(replyTo, () -> {
            try {
                return step.apply(run);
            } catch (EpochCancelledException e) {
                return new Failed(e.getMessage(), true);
            } catch (Exception e) {
                return new Failed(describe(e), false);
            }
        });
        return this;
    }

    private void async(ActorRef<Result> replyTo, Supplier<Result> work) {
        getContext().pipeToSelf(CompletableFuture.supplyAsync(work, blocking),
                (r, e) -> new Finished(e == null ? r : new Failed(describe(e), false), replyTo));
    }

    private Behavior<Command> onOpen(Open o) {
        if (runs.containsKey(o.runId())) {
            o.replyTo().tell(new Failed("run " + o.runId() + " is already open on worker " + node, false));
            return this;
        }
        CompletableFuture<TrainingRun> opened = CompletableFuture.supplyAsync(() -> {
            try {
                Trainer trainer = trainerCache.computeIfAbsent(o.kind() + "\n" + o.configJson(), k -> buildTrainer(o.kind(), o.configJson()));
                String mine = trainer.dataFingerprint().orElse("");
                if (!o.dataFingerprint().isEmpty() && !o.dataFingerprint().equals(mine))
                    throw new OtherDataException("worker " + node + " holds other data than the coordinator (fingerprint "
                            + abbreviate(mine) + " here, " + abbreviate(o.dataFingerprint()) + " there): give it the same dataset with --data");
                Optional<Path> checkpoint = o.fromCheckpoint() ? Optional.of(file(o.runId(), RESUME)) : Optional.empty();
                return trainer.open(new TrialContext(o.number(), candidates.candidate(o.paramsJson(), o.bitsJson(),
                        o.activationBitsJson() == null || o.activationBitsJson().isEmpty() ? null : o.activationBitsJson(), "run " + o.runId()),
                        o.seed(), o.maxEpochs(), checkpoint, o.device()));
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        }, blocking);
        getContext().pipeToSelf(opened, (run, e) -> {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof OtherDataException d) return new Finished(new OtherData(d.getMessage()), o.replyTo());
            if (e != null) return new Finished(new Failed(describe(e), false), o.replyTo());
            return new RunOpened(o.runId(), run, o.replyTo());
        });
        return this;
    }

    private record RunOpened(String runId, TrainingRun run, ActorRef<Result> replyTo) implements Command {}

    private Trainer buildTrainer(String kind, String configJson) {
        try {
            return trainers.build(kind, (ObjectNode) JSON.readTree(configJson));
        } catch (org.bitsearch.actors.spec.SpecException e) {
            throw new IllegalArgumentException("worker " + node + " cannot build the " + kind + " trainer: " + String.join("; ", e.problems()), e);
        } catch (IOException e) {
            throw new IllegalArgumentException("worker " + node + " got a trainer config that is not JSON: " + e.getMessage(), e);
        }
    }

    private Behavior<Command> onReadChunk(ReadChunk r) {
        if (!CHECKPOINT.equals(r.file()) && !EXPORT.equals(r.file())) {
            r.replyTo().tell(new Failed("file is '" + r.file() + "', but must be checkpoint or export", false));
            return this;
        }
        Path file = file(r.runId(), r.file());
        async(r.replyTo(), () -> {
            try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
                long size = f.length();
                if (r.offset() < 0 || r.offset() > size) return new Failed("offset " + r.offset() + " is outside " + file.getFileName() + " (" + size + " bytes)", false);
                byte[] bytes = new byte[(int) Math.min(CHUNK_BYTES, size - r.offset())];
                f.seek(r.offset());
                f.readFully(bytes);
                return new Chunk(bytes, r.offset() + bytes.length >= size);
            } catch (IOException e) {
                return new Failed("worker " + node + " cannot read " + r.file() + " of run " + r.runId() + ": " + e.getMessage(), false);
            }
        });
        return this;
    }

    private Behavior<Command> onWriteChunk(WriteChunk w) {
        Path file = file(w.runId(), RESUME);
        async(w.replyTo(), () -> {
            try {
                Files.createDirectories(file.getParent());
                try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
                    if (w.offset() != f.length()) return new Failed("chunk at " + w.offset() + ", but the file has " + f.length() + " bytes", false);
                    f.seek(w.offset());
                    f.write(w.bytes());
                    return new Written(f.length());
                }
            } catch (IOException e) {
                return new Failed("worker " + node + " cannot write the checkpoint of run " + w.runId() + ": " + e.getMessage(), false);
            }
        });
        return this;
    }

    private Behavior<Command> onClose(Close c) {
        TrainingRun run = runs.remove(c.runId());
        Path dir = workDir.resolve(c.runId());
        CompletableFuture.runAsync(() -> {
            if (run != null) run.close();
            deleteTree(dir);
        }, blocking);
        return this;
    }

    private Behavior<Command> onPostStop() {
        List<TrainingRun> open = List.copyOf(runs.values());
        runs.clear();
        open.forEach(TrainingRun::cancel);
        CompletableFuture.runAsync(() -> {
            open.forEach(TrainingRun::close);
            deleteTree(workDir);
        }, blocking);
        return this;
    }

    private Path file(String runId, String name) {
        if (!runId.matches("[A-Za-z0-9-]{1,64}")) throw new IllegalArgumentException("runId '" + runId + "' is not a run id");
        return workDir.resolve(runId).resolve(name);
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // a file another cleanup removed first
                }
            });
        } catch (IOException ignored) {
            // the directory vanished while walking
        }
    }

    static String abbreviate(String fingerprint) {
        return fingerprint.isEmpty() ? "none" : fingerprint.substring(0, Math.min(12, fingerprint.length())) + "…";
    }

    static String describe(Throwable e) {
        while (e instanceof CompletionException && e.getCause() != null) e = e.getCause();
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }
}
