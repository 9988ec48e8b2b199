package org.bitsearch.actors.trial;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.bitsearch.actors.SearchEnvironment;
import org.bitsearch.actors.api.SearchEvent;
import org.bitsearch.actors.device.DevicePool;
import org.bitsearch.actors.supervisor.SearchSupervisor;
import org.bitsearch.search.trainer.Trainer;
import org.bitsearch.search.trainer.TrainingRun;
import org.bitsearch.search.trainer.TrialContext;
import org.bitsearch.search.trial.Candidate;
import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.storage.StoreException;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Trains one attempt of one trial. It asks the device pool for a slot (kept until this actor terminates and its
 * last blocking step has ended, see {@link DevicePool.HoldUntil}), marks
 * the trial RUNNING, opens the run (from its checkpoint if any) and trains one epoch per step on the blocking
 * dispatcher, piping each result back to itself. After every epoch it saves a checkpoint file and reports to its
 * supervisor, which records the report and answers {@link Proceed}: another epoch, or finish. A
 * {@link StopAfterEpoch} is honoured at the next boundary (after the running epoch has been reported and
 * checkpointed). Any failure is told to the supervisor as {@link SearchSupervisor.AttemptFailed}, then the actor
 * stops: a trainer exception as retryable, a diverged epoch (NaN/infinite loss) as final, because the trainer is
 * seeded and would diverge again from the same checkpoint. The run is closed when the actor stops.
 */
public final class TrialActor extends AbstractBehavior<TrialActor.Command> {

    public sealed interface Command {}

    /** The supervisor's answer to an epoch report: train on, or finish (the trial is COMPLETED or PRUNED). */
    public record Proceed(boolean finish) implements Command {}

    /** Stop at the next epoch boundary, leaving the trial unfinished (resumable from its checkpoint). */
    public enum StopAfterEpoch implements Command { INSTANCE }

    private record SlotGranted(String device) implements Command {}

    private record Opened(RunHandle handle, int attempt, int fromEpoch, Throwable error) implements Command {}

    private record EpochDone(EpochMetrics metrics, Path checkpoint, Throwable error) implements Command {}

    /**
     * What one attempt trains.
     *
     * @param searchId   the search
     * @param number     the trial number
     * @param token      this attempt's token, echoed in every message to the supervisor
     * @param candidate  the configuration
     * @param seed       the trial seed
     * @param maxEpochs  the epoch at which the trial is complete
     * @param checkpoint the checkpoint to resume from, if any
     * @param trainer    the search's trainer
     */
    public record Attempt(long searchId, int number, long token, Candidate candidate, long seed, int maxEpochs,
                          Optional<Path> checkpoint, Trainer trainer) {}

    private enum Phase { WAITING_FOR_SLOT, OPENING, TRAINING, REPORTED }

    private final SearchEnvironment env;
    private final Attempt attempt;
    private final ActorRef<SearchSupervisor.Command> supervisor;
    private final Path dir;
    private Phase phase = Phase.WAITING_FOR_SLOT;
    private boolean stopRequested;
    private RunHandle handle;
    private final Lease lease = new Lease();
    private String device;
    private int lastEpoch;

    public static Behavior<Command> create(SearchEnvironment env, Attempt attempt, ActorRef<SearchSupervisor.Command> supervisor) {
        return Behaviors.setup(ctx -> new TrialActor(ctx, env, attempt, supervisor));
    }

    private TrialActor(ActorContext<Command> ctx, SearchEnvironment env, Attempt attempt, ActorRef<SearchSupervisor.Command> supervisor) {
        super(ctx);
        this.env = env;
        this.attempt = attempt;
        this.supervisor = supervisor;
        this.dir = CheckpointFiles.trialDir(env.dataDir(), attempt.searchId(), attempt.number());
        ActorRef<DevicePool.Granted> granted = ctx.messageAdapter(DevicePool.Granted.class, g -> new SlotGranted(g.device()));
        env.pool().tell(new DevicePool.Acquire(ctx.getSelf(), granted));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(SlotGranted.class, this::onSlotGranted)
                .onMessage(Opened.class, this::onOpened)
                .onMessage(EpochDone.class, this::onEpochDone)
                .onMessage(Proceed.class, this::onProceed)
                .onMessageEquals(StopAfterEpoch.INSTANCE, this::onStopAfterEpoch)
                .onSignal(PostStop.class, s -> onPostStop())
                .build();
    }

    private Behavior<Command> onSlotGranted(SlotGranted g) {
        if (stopRequested) return Behaviors.stopped();
        device = g.device();
        phase = Phase.OPENING;
        CompletableFuture<Opened> opening = CompletableFuture.supplyAsync(this::open, env.blocking());
        env.pool().tell(new DevicePool.HoldUntil(getContext().getSelf(), opening));
        getContext().pipeToSelf(opening, (opened, error) -> opened != null ? opened : new Opened(null, 0, 0, unwrap(error)));
        return this;
    }

    /** Blocking: marks the trial RUNNING on the slot and opens the run. */
    private Opened open() {
        long id = attempt.searchId();
        int n = attempt.number();
        if (!env.store().markRunning(id, n, device))
            throw new IllegalStateException("trial " + n + " of search " + id + " is already finished");
        int count = env.store().trial(id, n).map(t -> t.attempts()).orElse(1);
        try {
            TrialContext context = new TrialContext(n, attempt.candidate(), attempt.seed(), attempt.maxEpochs(),
                    attempt.checkpoint(), device, id, Math.max(1, count), java.util.Optional.of(dir));
            TrainingRun run = attempt.trainer().open(context);
            RunHandle h = new RunHandle(run);
            int from;
            try {
                from = run.nextEpoch();
            } catch (RuntimeException e) {
                h.close();
                throw e;
            }
            if (!lease.adopt(h)) {
                h.close();
                throw new IllegalStateException("the trial actor stopped while the run was opening; closed it");
            }
            return new Opened(h, count, from, null);
        } catch (Exception e) {
            throw new CompletionException(e);
        }
    }

    private Behavior<Command> onOpened(Opened o) {
        if (o.error() != null) return fail("cannot open the run: " + describe(o.error()), o.error(), true);
        handle = o.handle();
        env.events().publish(new SearchEvent.TrialStarted(attempt.searchId(), attempt.number(), device, o.attempt(), o.fromEpoch()));
        if (stopRequested) return Behaviors.stopped();
        return trainNext();
    }

    private Behavior<Command> trainNext() {
        phase = Phase.TRAINING;
        int keep = lastEpoch;
        RunHandle h = handle;
        CompletableFuture<EpochDone> step = CompletableFuture.supplyAsync(() -> {
            try {
                return h.call(run -> {
                    if (keep > 0) CheckpointFiles.deleteOlderThan(dir, keep);
                    EpochMetrics m = run.trainEpoch();
                    if (m.diverged()) return new EpochDone(m, null, null);
                    Path file = CheckpointFiles.file(dir, m.epoch());
                    java.nio.file.Files.createDirectories(dir);
                    run.saveCheckpoint(file);
                    return new EpochDone(m, file, null);
                });
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        }, env.blocking());
        env.pool().tell(new DevicePool.HoldUntil(getContext().getSelf(), step));
        getContext().pipeToSelf(step, (done, error) -> done != null ? done : new EpochDone(null, null, unwrap(error)));
        return this;
    }

    private Behavior<Command> onEpochDone(EpochDone d) {
        if (d.error() != null) return fail(describe(d.error()), d.error(), true);
        EpochMetrics m = d.metrics();
        if (m.diverged())
            return fail(String.format(java.util.Locale.ROOT, "diverged at epoch %d: valLoss %s (trainLoss %s, valAccuracy %s)",
                    m.epoch(), m.valLoss(), m.trainLoss(), m.valAccuracy()), null, false);
        lastEpoch = m.epoch();
        phase = Phase.REPORTED;
        supervisor.tell(new SearchSupervisor.EpochReport(attempt.number(), attempt.token(), m, d.checkpoint(), getContext().getSelf()));
        return this;
    }

    private Behavior<Command> onProceed(Proceed p) {
        if (p.finish()) {
            int keep = lastEpoch;
            env.blocking().execute(() -> CheckpointFiles.deleteOlderThan(dir, keep));
            return Behaviors.stopped();
        }
        if (stopRequested) return Behaviors.stopped();
        return trainNext();
    }

    private Behavior<Command> onStopAfterEpoch() {
        stopRequested = true;
        return phase == Phase.WAITING_FOR_SLOT ? Behaviors.stopped() : this;
    }

    /** Tells the supervisor that this attempt failed ({@code retryable}: an exception, not a diverged epoch), then stops. */
    private Behavior<Command> fail(String error, Throwable cause, boolean retryable) {
        if (cause != null && !(cause instanceof StoreException))
            getContext().getLog().warn("trial {} of search {} failed: {}", attempt.number(), attempt.searchId(), error, cause);
        else getContext().getLog().warn("trial {} of search {} failed: {}", attempt.number(), attempt.searchId(), error);
        supervisor.tell(new SearchSupervisor.AttemptFailed(attempt.number(), attempt.token(), error, retryable));
        return Behaviors.stopped();
    }

    /**
     * The actor may stop (its supervisor stopped or restarted, the system shut down) while a blocking step still
     * runs: the lease then refuses a run that finishes opening later (the opening thread closes it), and the
     * adopted run is closed on the blocking dispatcher, after the running step ({@link RunHandle#close}). The
     * device slot stays taken until that step ends ({@link DevicePool.HoldUntil}).
     */
    private Behavior<Command> onPostStop() {
        RunHandle h = lease.release();
        if (h != null) env.blocking().execute(h::close);
        return this;
    }

    /** The run this actor owns, shared with the opening thread: whichever of adopt and release comes second closes it. */
    private static final class Lease {
        private RunHandle handle;
        private boolean released;

        /** Takes {@code h}; false if the actor already stopped (the caller must close it). */
        synchronized boolean adopt(RunHandle h) {
            if (released) return false;
            handle = h;
            return true;
        }

        /** Marks the actor stopped and returns the run to close, if one was adopted. */
        synchronized RunHandle release() {
            released = true;
            return handle;
        }
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
