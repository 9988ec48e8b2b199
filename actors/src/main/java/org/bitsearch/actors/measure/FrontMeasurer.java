package org.bitsearch.actors.measure;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.bitsearch.search.trainer.Trainer;
import org.bitsearch.search.trainer.TrainingRun;
import org.bitsearch.search.trainer.TrialContext;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * Measures the test accuracy of Pareto-front points, one at a time, each from its trial's last checkpoint, on the
 * blocking executor (never on the actor's thread). Reports every point to {@code replyTo} as it is measured, and
 * stops when the list is done. {@link Stop} ends it after the point in progress (that point is still reported).
 * A leaf: it knows its {@code replyTo}'s protocol only.
 */
public final class FrontMeasurer extends AbstractBehavior<FrontMeasurer.Command> {

    public sealed interface Command {}

    /** Measure no more points after the one in progress. */
    public record Stop() implements Command {}

    private record Done(int number, double accuracy, String error) implements Command {}

    public sealed interface Report {
        int number();
    }

    public record PointMeasured(int number, double testAccuracy) implements Report {}

    public record PointFailed(int number, String error) implements Report {}

    /** One point to measure: its trial number and how to open the run from its checkpoint. */
    public record Job(int number, TrialContext context) {
        public Job {
            if (context == null || context.checkpoint().isEmpty())
                throw new IllegalArgumentException("trial " + number + ": a job needs a context with a checkpoint");
        }
    }

    private final Deque<Job> jobs;
    private final Trainer trainer;
    private final Executor blocking;
    private final ActorRef<Report> replyTo;
    private boolean stopRequested;

    public static Behavior<Command> create(List<Job> jobs, Trainer trainer, Executor blocking, ActorRef<Report> replyTo) {
        return Behaviors.setup(ctx -> new FrontMeasurer(ctx, jobs, trainer, blocking, replyTo).next());
    }

    private FrontMeasurer(ActorContext<Command> ctx, List<Job> jobs, Trainer trainer, Executor blocking, ActorRef<Report> replyTo) {
        super(ctx);
        this.jobs = new ArrayDeque<>(jobs);
        this.trainer = trainer;
        this.blocking = blocking;
        this.replyTo = replyTo;
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Stop.class, s -> {
                    stopRequested = true;
                    return this;
                })
                .onMessage(Done.class, this::onDone)
                .build();
    }

    private Behavior<Command> next() {
        Job job = jobs.poll();
        if (job == null || stopRequested) return Behaviors.stopped();
        CompletableFuture<Done> f = CompletableFuture.supplyAsync(() -> {
            try (TrainingRun run = trainer.open(job.context())) {
                return new Done(job.number(), run.testAccuracy(), null);
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        }, blocking);
        getContext().pipeToSelf(f, (d, e) -> d != null ? d : new Done(job.number(), Double.NaN, describe(e)));
        return this;
    }

    private Behavior<Command> onDone(Done d) {
        replyTo.tell(d.error() == null ? new PointMeasured(d.number(), d.accuracy()) : new PointFailed(d.number(), d.error()));
        return next();
    }

    private static String describe(Throwable t) {
        while (t instanceof CompletionException && t.getCause() != null) t = t.getCause();
        return t.getMessage() != null ? t.getMessage() : t.toString();
    }
}
