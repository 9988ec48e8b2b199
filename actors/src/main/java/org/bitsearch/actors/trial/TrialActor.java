package org.bitsearch.actors.trial;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.bitsearch.actors.device.DevicePool;
import org.bitsearch.search.trainer.EpochCancelledException;
import org.bitsearch.search.trainer.Trainer;
import org.bitsearch.search.trainer.TrainingRun;
import org.bitsearch.search.trainer.TrialContext;
import org.bitsearch.search.trial.Candidate;
import org.bitsearch.search.trial.EpochMetrics;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * Trains one attempt of one trial, and knows nothing of who asked: it talks to its {@code replyTo} only in
 * {@link Report}s (the supervisor adapts them with a message adapter), and touches no database.
 *
 * <p>It asks the device pool for a slot (kept until this actor has stopped and its last blocking step has ended,
 * see {@link DevicePool.HoldUntil}) and reports {@link SlotTaken}; opens the run (from its checkpoint if any) and
 * reports {@link Started}; then trains one epoch per step on the blocking executor, piping each result back to
 * itself. After every epoch it saves a checkpoint file and reports {@link EpochTrained}, whose answer is
 * {@link TrainNextEpoch} or {@link Finish} (the trial is COMPLETED or PRUNED).
 *
 * <p>{@link Stop} ends the attempt at once: the running epoch is cancelled ({@link TrainingRun#cancel()}, the trainer
 * gives up at its next minibatch boundary), discarded and never reported; the trial stays resumable from its last
 * checkpoint. A failure is reported as {@link AttemptFailed}, then the actor stops: a trainer exception as
 * retryable, a diverged epoch (NaN or infinite loss) as final, because the trainer is seeded and would diverge again
 * from the same checkpoint. The run is closed on the blocking executor when the actor stops.
 */
public final class TrialActor extends AbstractBehavior<TrialActor.Command> {

    /** What the actor is told. Plain records: the cluster sends them across the network. */
    public sealed interface Command {}

    /** The answer to {@link EpochTrained}: train the next epoch. */
    public record TrainNextEpoch() implements Command {}

    /** The answer to {@link EpochTrained}: the trial is decided (COMPLETED or PRUNED); tidy its checkpoints and stop. */
    public record Finish() implements Command {}

    /** Stop now, cancelling the running epoch (discarded, not reported); the trial stays resumable. */
    public record Stop() implements Command {}

    private record SlotGranted(String device) implements Command {}

    private record Opened(RunHandle handle, int fromEpoch, Throwable error) implements Command {}

    private record EpochDone(EpochMetrics metrics, Path checkpoint, Throwable error) implements Command {}

    /** What the actor tells its {@code replyTo}; every report names the trial and echoes the attempt's token. */
    public sealed interface Report {
        int number();

        long token();
    }

    /** The attempt holds device slot {@code device} and opens its run now. */
    public record SlotTaken(int number, long token, String device) implements Report {}

    /** The run is open and trains epoch {@code fromEpoch} next (1, or the checkpoint's epoch + 1). */
    public record Started(int number, long token, int fromEpoch) implements Report {}

    /** An epoch was trained and checkpointed to {@code checkpoint}; answer {@link TrainNextEpoch} or {@link Finish}. */
    public record EpochTrained(int number, long token, EpochMetrics metrics, Path checkpoint,
                               ActorRef<Command> replyTo) implements Report {}

    /**
     * The attempt failed (the actor stops next). {@code retryable} is false for a failure that another attempt from
     * the same checkpoint and seed would repeat (a diverged epoch).
     */
    public record AttemptFailed(int number, long token, String error, boolean retryable) implements Report {}

    /**
     * What one attempt trains.
     *
     * @param searchId   the search
     * @param number     the trial number
     * @param token      this attempt's token, echoed in every report
     * @param candidate  the configuration
     * @param seed       the trial seed
     * @param maxEpochs  the epoch at which the trial is complete
     * @param checkpoint the checkpoint to resume from, if any
     * @param attempt    the attempt's number, from 1 (what the store will count once the trial is marked running);
     *                   trainers that start a process per attempt name their logs by it
     */
    public record Attempt(long searchId, int number, long token, Candidate candidate, long seed, int maxEpochs,
                          Optional<Path> checkpoint, int attempt) {
        public Attempt {
            if (candidate == null) throw new IllegalArgumentException("candidate must not be null");
            if (maxEpochs < 1) throw new IllegalArgumentException("maxEpochs is " + maxEpochs + ", but must be >= 1");
            if (checkpoint == null) checkpoint = Optional.empty();
            if (attempt < 1) throw new IllegalArgumentException("attempt is " + attempt + ", but must be >= 1");
        }

        /** The first attempt. */
        public Attempt(long searchId, int number, long token, Candidate candidate, long seed, int maxEpochs,
                       Optional<Path> checkpoint) {
            this(searchId, number, token, candidate, seed, maxEpochs, checkpoint, 1);
        }
    }

    /**
     * What the actor uses where it runs.
     *
     * @param pool     the device pool of this node
     * @param blocking the executor of trainer calls and checkpoint files (the {@code bitsearch.trainer-dispatcher})
     * @param dataDir  root of the checkpoint files ({@link CheckpointFiles#trialDir})
     */
    public record Resources(ActorRef<DevicePool.Command> pool, Executor blocking, Path dataDir) {
        public Resources {
            if (pool == null || blocking == null || dataDir == null)
                throw new IllegalArgumentException("pool, blocking and dataDir must not be null");
        }
    }

    private final Resources res;
    private final Attempt attempt;
    private final Trainer trainer;
    private final ActorRef<Report> replyTo;
    private final Path dir;
    private final RunLease lease = new RunLease();
    private RunHandle handle;
    private String device;
    private int lastEpoch;

    /** The behaviour of one attempt trained with {@code trainer}, reporting to {@code replyTo}. */
    public static Behavior<Command> create(Attempt attempt, Trainer trainer, Resources res, ActorRef<Report> replyTo) {
        return Behaviors.setup(ctx -> new TrialActor(ctx, attempt, trainer, res, replyTo));
    }

    private TrialActor(ActorContext<Command> ctx, Attempt attempt, Trainer trainer, Resources res, ActorRef<Report> replyTo) {
        super(ctx);
        this.res = res;
        this.attempt = attempt;
        this.trainer = trainer;
        this.replyTo = replyTo;
        this.dir = CheckpointFiles.trialDir(res.dataDir(), attempt.searchId(), attempt.number());
        ActorRef<DevicePool.Granted> granted = ctx.messageAdapter(DevicePool.Granted.class, g -> new SlotGranted(g.device()));
        res.pool().tell(new DevicePool.Acquire(ctx.getSelf(), granted));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(SlotGranted.class, this::onSlotGranted)
                .onMessage(Opened.class, this::onOpened)
                .onMessage(EpochDone.class, this::onEpochDone)
                .onMessage(TrainNextEpoch.class, n -> trainNext())
                .onMessage(Finish.class, f -> onFinish())
                .onMessage(Stop.class, s -> onStop())
                .onSignal(PostStop.class, s -> onPostStop())
                .build();
    }

    private Behavior<Command> onSlotGranted(SlotGranted g) {
        device = g.device();
        replyTo.tell(new SlotTaken(attempt.number(), attempt.token(), device));
        CompletableFuture<Opened> opening = CompletableFuture.supplyAsync(this::open, res.blocking());
        res.pool().tell(new DevicePool.HoldUntil(getContext().getSelf(), opening));
        getContext().pipeToSelf(opening, (opened, error) -> opened != null ? opened : new Opened(null, 0, unwrap(error)));
        return this;
    }

    /** Blocking: opens the run; hands it to the lease, or closes it if the actor stopped meanwhile. */
    private Opened open() {
        try {
            TrialContext context = new TrialContext(attempt.number(), attempt.candidate(), attempt.seed(), attempt.maxEpochs(),
                    attempt.checkpoint(), device, attempt.searchId(), attempt.attempt(), Optional.of(dir));
            RunHandle h = new RunHandle(trainer.open(context));
            int from;
            try {
                from = h.call(TrainingRun::nextEpoch);
            } catch (Exception e) {
                h.close();
                throw e;
            }
            if (!lease.adopt(h)) {
                h.close();
                throw new IllegalStateException("the trial actor stopped while the run was opening; closed it");
            }
            return new Opened(h, from, null);
        } catch (Exception e) {
            throw new CompletionException(e);
        }
    }

    private Behavior<Command> onOpened(Opened o) {
        if (o.error() != null) return fail("cannot open the run: " + describe(o.error()), o.error(), true);
        handle = o.handle();
        replyTo.tell(new Started(attempt.number(), attempt.token(), o.fromEpoch()));
        return trainNext();
    }

    private Behavior<Command> trainNext() {
        int keep = lastEpoch;
        RunHandle h = handle;
        CompletableFuture<EpochDone> step = CompletableFuture.supplyAsync(() -> {
            try {
                return h.call(run -> {
                    if (keep > 0) CheckpointFiles.deleteOlderThan(dir, keep);
                    EpochMetrics m = run.trainEpoch();
                    if (m.diverged()) return new EpochDone(m, null, null);
                    Path file = CheckpointFiles.file(dir, m.epoch());
                    Files.createDirectories(dir);
                    run.saveCheckpoint(file);
                    return new EpochDone(m, file, null);
                });
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        }, res.blocking());
        res.pool().tell(new DevicePool.HoldUntil(getContext().getSelf(), step));
        getContext().pipeToSelf(step, (done, error) -> done != null ? done : new EpochDone(null, null, unwrap(error)));
        return this;
    }

    private Behavior<Command> onEpochDone(EpochDone d) {
        if (d.error() instanceof EpochCancelledException) return Behaviors.stopped(); // discarded, as after a Stop
        if (d.error() != null) return fail(describe(d.error()), d.error(), true);
        EpochMetrics m = d.metrics();
        if (m.diverged())
            return fail(String.format(Locale.ROOT, "diverged at epoch %d: valLoss %s (trainLoss %s, valAccuracy %s)",
                    m.epoch(), m.valLoss(), m.trainLoss(), m.valAccuracy()), null, false);
        lastEpoch = m.epoch();
        replyTo.tell(new EpochTrained(attempt.number(), attempt.token(), m, d.checkpoint(), getContext().getSelf()));
        return this;
    }

    private Behavior<Command> onFinish() {
        int keep = lastEpoch;
        res.blocking().execute(() -> CheckpointFiles.deleteOlderThan(dir, keep));
        return Behaviors.stopped();
    }

    /** Cancels the running epoch, if any (its result, arriving later, goes nowhere), and stops. */
    private Behavior<Command> onStop() {
        RunHandle h = handle;
        if (h != null) h.cancel();
        return Behaviors.stopped();
    }

    /** Tells {@code replyTo} that this attempt failed, then stops. */
    private Behavior<Command> fail(String error, Throwable cause, boolean retryable) {
        if (cause != null && !(cause instanceof java.io.IOException))
            getContext().getLog().warn("trial {} of search {} failed: {}", attempt.number(), attempt.searchId(), error, cause);
        else getContext().getLog().warn("trial {} of search {} failed: {}", attempt.number(), attempt.searchId(), error);
        replyTo.tell(new AttemptFailed(attempt.number(), attempt.token(), error, retryable));
        return Behaviors.stopped();
    }

    /**
     * The actor may stop (told to, or its parent stopped, or the system shut down) while a blocking step still runs:
     * the running epoch is cancelled, the lease refuses a run that finishes opening later (the opening thread closes
     * it), and the adopted run is closed on the blocking executor after the running step ({@link RunHandle#close}).
     * The device slot stays taken until that step ends ({@link DevicePool.HoldUntil}).
     */
    private Behavior<Command> onPostStop() {
        RunHandle h = lease.release();
        if (h != null) {
            h.cancel();
            res.blocking().execute(h::close);
        }
        return this;
    }

    private static Throwable unwrap(Throwable t) {
        while (t instanceof CompletionException && t.getCause() != null) t = t.getCause();
        return t;
    }

    private static String describe(Throwable t) {
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
    }
}
