package org.bitsearch.actors.supervisor;

import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.bitsearch.storage.SearchState;

/**
 * The supervisor while trials train: fills free places with the engine's candidates, judges reports, retries failed
 * attempts. A {@link SearchSupervisor.Stop} (or the wall-clock limit) moves it to {@link Stopping}; once every trial
 * is finished it moves to {@link Measuring}.
 */
final class Running extends AbstractBehavior<SearchSupervisor.Command> {
    private final TimerScheduler<SearchSupervisor.Command> timers;
    private final TrialBook book;

    Running(ActorContext<SearchSupervisor.Command> ctx, TimerScheduler<SearchSupervisor.Command> timers, TrialBook book) {
        super(ctx);
        this.timers = timers;
        this.book = book;
    }

    @Override
    public Receive<SearchSupervisor.Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(SearchSupervisor.FromTrial.class, this::onTrialReport)
                .onMessage(SearchSupervisor.TrialTerminated.class, this::onTrialTerminated)
                .onMessage(SearchSupervisor.RetryDue.class, this::onRetryDue)
                .onMessage(SearchSupervisor.Stop.class, this::onStop)
                .onMessageEquals(SearchSupervisor.WallLimitReached.INSTANCE, this::onWallLimit)
                .build();
    }

    /** Fills free places; then measures if the search is done, or stays. */
    Behavior<SearchSupervisor.Command> next() {
        book.fill();
        return book.searchDone() ? Measuring.start(getContext(), timers, book) : this;
    }

    private Behavior<SearchSupervisor.Command> onTrialReport(SearchSupervisor.FromTrial r) {
        return book.onReport(r.report()) ? next() : this;
    }

    private Behavior<SearchSupervisor.Command> onTrialTerminated(SearchSupervisor.TrialTerminated t) {
        book.terminated(t).ifPresent(book::retryOrFail);
        return next();
    }

    private Behavior<SearchSupervisor.Command> onRetryDue(SearchSupervisor.RetryDue r) {
        book.retryDue(r.number());
        return this;
    }

    private Behavior<SearchSupervisor.Command> onStop(SearchSupervisor.Stop s) {
        timers.cancel(SearchSupervisor.WallLimitReached.INSTANCE);
        getContext().getLog().info("search {} stopping: {}", book.id(), s.reason());
        book.stopAll();
        return new Stopping(getContext(), book, s).leaveWhenIdle();
    }

    private Behavior<SearchSupervisor.Command> onWallLimit() {
        long seconds = book.search().maxWall().map(d -> d.toSeconds()).orElse(0L);
        return onStop(new SearchSupervisor.Stop("wall-clock limit of " + seconds + " s reached (budget.maxWallSeconds); resume to go on",
                SearchState.STOPPED));
    }
}
