package org.bitsearch.actors.supervisor;

import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.bitsearch.search.sampler.SamplerConfig;
import org.bitsearch.storage.SearchState;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.CompletionException;

/**
 * The supervisor while trials train: fills free places with the engine's candidates, judges reports, retries failed
 * attempts. A {@link SearchSupervisor.Stop} (or the wall-clock limit) moves it to {@link Stopping}; once every trial
 * is finished it moves to {@link Measuring}.
 *
 * <p>With {@code sampler: {type: sensitivity}} and trials left to propose, the sampler's first proposal needs the
 * trainer's sensitivity table, which a real trainer measures by training (17–84 s measured). It is measured on
 * the blocking executor and piped back as {@link SearchSupervisor.TableMeasured}; until then nothing is proposed
 * (resumed trials train, stops and status queries are answered: phase {@link SearchSupervisor.Phase#SENSITIVITY}).
 * The table source remembers its table, so the sampler's own call afterwards returns at once. A failed measurement
 * stops the search (STOPPED, resumable) with the trainer's error.
 */
final class Running extends AbstractBehavior<SearchSupervisor.Command> {
    private final TimerScheduler<SearchSupervisor.Command> timers;
    private final TrialBook book;
    private boolean tableReady;

    Running(ActorContext<SearchSupervisor.Command> ctx, TimerScheduler<SearchSupervisor.Command> timers, TrialBook book, Executor blocking) {
        super(ctx);
        this.timers = timers;
        this.book = book;
        this.tableReady = !(book.search().settings().sampler() instanceof SamplerConfig.Sensitivity) || !book.mayPropose();
        if (!tableReady) {
            SamplerConfig.TableSource source = ((SamplerConfig.Sensitivity) book.search().settings().sampler()).table();
            ctx.getLog().info("search {}: measuring the sensitivity table for the sampler (blocking dispatcher)", book.id());
            ctx.pipeToSelf(CompletableFuture.supplyAsync(source::get, blocking),
                    (table, error) -> new SearchSupervisor.TableMeasured(Optional.ofNullable(error)));
        }
    }

    @Override
    public Receive<SearchSupervisor.Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(SearchSupervisor.FromTrial.class, this::onTrialReport)
                .onMessage(SearchSupervisor.TrialTerminated.class, this::onTrialTerminated)
                .onMessage(SearchSupervisor.RetryDue.class, this::onRetryDue)
                .onMessage(SearchSupervisor.Stop.class, this::onStop)
                .onMessage(SearchSupervisor.TableMeasured.class, this::onTableMeasured)
                .onMessage(SearchSupervisor.GetStatus.class, this::onGetStatus)
                .onMessageEquals(SearchSupervisor.WallLimitReached.INSTANCE, this::onWallLimit)
                .build();
    }

    /** Fills free places (once the sampler can propose); then measures if the search is done, or stays. */
    Behavior<SearchSupervisor.Command> next() {
        if (!tableReady) return this;
        book.fill();
        return book.searchDone() ? Measuring.start(getContext(), timers, book) : this;
    }

    private Behavior<SearchSupervisor.Command> onTableMeasured(SearchSupervisor.TableMeasured m) {
        if (m.error().isEmpty()) {
            tableReady = true;
            return next();
        }
        Throwable e = m.error().get() instanceof CompletionException c && c.getCause() != null ? c.getCause() : m.error().get();
        getContext().getLog().warn("search {}: cannot measure the sensitivity table: {}", book.id(), e.toString());
        return onStop(new SearchSupervisor.Stop("sampler.type sensitivity: " + e.getMessage() + "; fix it and resume", SearchState.STOPPED));
    }

    private Behavior<SearchSupervisor.Command> onGetStatus(SearchSupervisor.GetStatus g) {
        g.replyTo().tell(new SearchSupervisor.Status(book.id(), tableReady ? SearchSupervisor.Phase.RUNNING : SearchSupervisor.Phase.SENSITIVITY,
                book.liveCount()));
        return this;
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
        book.stopAll(s.reason());
        return new Stopping(getContext(), book, s).leaveWhenIdle();
    }

    private Behavior<SearchSupervisor.Command> onWallLimit() {
        long seconds = book.search().maxWall().map(d -> d.toSeconds()).orElse(0L);
        return onStop(new SearchSupervisor.Stop("wall-clock limit of " + seconds + " s reached (budget.maxWallSeconds); resume to go on",
                SearchState.STOPPED));
    }
}
