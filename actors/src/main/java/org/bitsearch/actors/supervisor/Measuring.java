package org.bitsearch.actors.supervisor;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.bitsearch.actors.measure.FrontMeasurer;
import org.bitsearch.search.pareto.FrontPoint;
import org.bitsearch.search.trainer.TrialContext;
import org.bitsearch.search.trial.TrialState;
import org.bitsearch.storage.CheckpointRow;
import org.bitsearch.storage.SearchState;
import org.bitsearch.storage.SearchStore;
import org.bitsearch.storage.TrialRow;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The supervisor once every trial is finished: a {@link FrontMeasurer} child, watched, measures the test accuracy of
 * each front point not measured yet; each result is written to its trial row as it comes (the persisted front reads
 * it from there, so the front and its hypervolume history stay as they are). When the child has stopped the search
 * is COMPLETED with a summary. A Stop ends measuring after the current point: a user's stop leaves the search
 * COMPLETED (the summary counts the unmeasured points), a shutdown leaves it RUNNING so that the next start measures
 * the rest.
 */
final class Measuring extends AbstractBehavior<SearchSupervisor.Command> {
    private final TrialBook book;
    private final ActorRef<FrontMeasurer.Command> measurer;
    private final int points;
    private final List<String> errors = new ArrayList<>();
    private int measured;
    private SearchSupervisor.Stop stop;

    static Behavior<SearchSupervisor.Command> start(ActorContext<SearchSupervisor.Command> ctx, TimerScheduler<SearchSupervisor.Command> timers,
                                                    TrialBook book) {
        timers.cancel(SearchSupervisor.WallLimitReached.INSTANCE);
        return new Measuring(ctx, book, jobs(book)).endIfNothingToDo();
    }

    /** The front points without a test accuracy that have a checkpoint to measure from. */
    private static List<FrontMeasurer.Job> jobs(TrialBook book) {
        SearchStore store = book.journal().store();
        List<FrontMeasurer.Job> jobs = new ArrayList<>();
        for (FrontPoint p : book.front()) {
            TrialRow row = store.trial(book.id(), p.number()).orElseThrow();
            Optional<CheckpointRow> cp = store.latestCheckpoint(book.id(), p.number());
            if (row.testAccuracy().isPresent() || cp.isEmpty()) continue;
            jobs.add(new FrontMeasurer.Job(p.number(), new TrialContext(p.number(), row.candidate(), row.seed(),
                    book.engine().epochLimit(), Optional.of(cp.get().path()), book.env().evaluationDevice())));
        }
        return jobs;
    }

    private Measuring(ActorContext<SearchSupervisor.Command> ctx, TrialBook book, List<FrontMeasurer.Job> jobs) {
        super(ctx);
        this.book = book;
        this.points = jobs.size();
        ActorRef<FrontMeasurer.Report> reports = ctx.messageAdapter(FrontMeasurer.Report.class, SearchSupervisor.FromMeasurer::new);
        this.measurer = jobs.isEmpty() ? null
                : ctx.spawn(FrontMeasurer.create(jobs, book.search().trainer(), book.env().blocking(), reports), "front-measurer");
        if (measurer != null) ctx.watchWith(measurer, SearchSupervisor.MeasurerTerminated.INSTANCE);
    }

    private Behavior<SearchSupervisor.Command> endIfNothingToDo() {
        return measurer == null ? end() : this;
    }

    @Override
    public Receive<SearchSupervisor.Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(SearchSupervisor.FromMeasurer.class, this::onPoint)
                .onMessageEquals(SearchSupervisor.MeasurerTerminated.INSTANCE, this::end)
                .onMessage(SearchSupervisor.Stop.class, this::onStop)
                .onMessage(SearchSupervisor.GetStatus.class, g -> {
                    g.replyTo().tell(new SearchSupervisor.Status(book.id(), SearchSupervisor.Phase.MEASURING, 0));
                    return this;
                })
                .build();
    }

    private Behavior<SearchSupervisor.Command> onPoint(SearchSupervisor.FromMeasurer m) {
        if (m.report() instanceof FrontMeasurer.PointMeasured p) {
            book.journal().store().setTestAccuracy(book.id(), p.number(), p.testAccuracy());
            measured++;
        } else if (m.report() instanceof FrontMeasurer.PointFailed f) {
            errors.add("trial " + f.number() + ": " + f.error());
            getContext().getLog().warn("search {}: cannot measure test accuracy of trial {}: {}", book.id(), f.number(), f.error());
        }
        return this;
    }

    private Behavior<SearchSupervisor.Command> onStop(SearchSupervisor.Stop s) {
        if (stop != null) return this;
        stop = s;
        getContext().getLog().info("search {}: measuring stops after the current point: {}", book.id(), s.reason());
        measurer.tell(new FrontMeasurer.Stop());
        return this;
    }

    private Behavior<SearchSupervisor.Command> end() {
        int skipped = points - measured - errors.size();
        if (skipped > 0 && stop != null && stop.leaveAs() == SearchState.RUNNING) {
            getContext().getLog().info("search {}: interrupted while measuring test accuracies ({} left): {}", book.id(), skipped, stop.reason());
            book.journal().searchEnded(SearchState.RUNNING, stop.reason());
            return Behaviors.stopped();
        }
        if (skipped > 0 && stop == null) errors.add(skipped + " point(s): the measurer stopped unexpectedly (see the log)");
        int unmeasured = stop == null ? 0 : skipped;
        Map<TrialState, Integer> counts = new EnumMap<>(TrialState.class);
        book.engine().trials().forEach(t -> counts.merge(t.state(), 1, Integer::sum));
        String summary = String.format("%d trials: %d completed, %d pruned, %d failed; %d on the Pareto front",
                book.engine().trials().size(), counts.getOrDefault(TrialState.COMPLETED, 0), counts.getOrDefault(TrialState.PRUNED, 0),
                counts.getOrDefault(TrialState.FAILED, 0), book.front().size())
                + (errors.isEmpty() ? "" : "; test accuracy not measured for " + errors.size())
                + (unmeasured == 0 ? "" : "; measuring test accuracies was stopped with " + unmeasured + " front point(s) unmeasured");
        // a search none of whose trials trained to the end or was pruned measured nothing: not a success
        int failed = counts.getOrDefault(TrialState.FAILED, 0);
        SearchState end = failed > 0 && failed == book.engine().trials().size() ? SearchState.FAILED : SearchState.COMPLETED;
        if (end == SearchState.FAILED) summary = "every trial failed (" + summary + ")";
        book.journal().searchEnded(end, summary);
        getContext().getLog().info("search {} {}: {}", book.id(), end == SearchState.FAILED ? "failed" : "completed", summary);
        return Behaviors.stopped();
    }
}
