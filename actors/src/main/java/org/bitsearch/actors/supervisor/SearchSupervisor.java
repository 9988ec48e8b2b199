package org.bitsearch.actors.supervisor;

import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.bitsearch.actors.api.SearchEvent;
import org.bitsearch.actors.env.SearchEnvironment;
import org.bitsearch.actors.measure.FrontMeasurer;
import org.bitsearch.actors.spec.CompiledSearch;
import org.bitsearch.actors.spec.SpecException;
import org.bitsearch.actors.trial.TrialActor;
import org.bitsearch.search.engine.SearchEngine;
import org.bitsearch.storage.ResumeState;
import org.bitsearch.storage.SearchState;

import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Runs one search: wraps its deterministic {@link SearchEngine}, asks for candidates while the budget allows,
 * spawns one {@link TrialActor} per attempt, judges epoch reports, retries failed attempts, keeps the Pareto
 * front, has the front's test accuracies measured at the end and writes the search's final state.
 *
 * <p><b>Phases.</b> One behaviour per phase: {@link Running} (trials train), {@link Stopping} (a {@link Stop} came:
 * the running trials are told to stop, which cancels their epochs, and the search is left as the stop says once
 * they have), {@link Measuring} (every trial is finished: a {@link FrontMeasurer} child measures the front's test
 * accuracies). The trials' bookkeeping is one {@link TrialBook}; every write that listeners see goes through the
 * {@link SearchJournal} (write to the store, then publish).
 *
 * <p><b>Write-ahead.</b> Every decision is in the database before it is acted on or published: a trial is
 * written PENDING before its actor is spawned; a report and its verdict are written together before the trial is
 * told to go on or stop; the checkpoint is recorded before the trial is finished; a finished trial's state is
 * written before the engine and the front move on. So a crash at any point leaves a database from which
 * {@link #create} rebuilds the same engine (see {@link ResumeState}).
 *
 * <p><b>(Re)start.</b> The setup reads {@code store.resumeState}, restores the engine from the recorded trials
 * and reports, finishes the unfinished trials whose last report already decided them, and respawns the others
 * from their latest checkpoint. It runs the same way on a resume and on a restart after this actor crashed.
 *
 * <p><b>Threads.</b> Store writes are local embedded-H2 calls of a millisecond or two and happen inline, in
 * order, because the write-ahead order is the point; the actor therefore runs on its own
 * {@code bitsearch.supervisor-dispatcher} so that a slow disk never stalls Pekko's default dispatcher. Trainer
 * calls and checkpoint files run on the blocking {@code bitsearch.trainer-dispatcher}, in the children. The
 * sensitivity table of {@code sampler: {type: sensitivity}} (a real trainer trains for it, tens of seconds) is
 * measured on that blocking dispatcher too, before the first proposal: {@link Running} proposes nothing until
 * {@link TableMeasured} comes back, and meanwhile answers every message (stop, status, reports of resumed trials).
 */
public final class SearchSupervisor {
    private SearchSupervisor() {}

    public sealed interface Command {}

    /**
     * Stops the search: running trials are stopped at once (their running epochs are cancelled and discarded; each
     * resumes from its last checkpoint), then the search is left in {@code leaveAs} (STOPPED by a user or a limit;
     * RUNNING when the system shuts down, so that it is resumed at the next start) with {@code reason} as its
     * message. While the front's test accuracies are being measured (every trial is finished), measuring ends
     * after the current point: a user's stop (STOPPED) leaves the search COMPLETED with the points measured so far
     * (the summary says how many were not); a shutdown (RUNNING) leaves it RUNNING, so that the next start
     * measures the rest.
     */
    public record Stop(String reason, SearchState leaveAs) implements Command {
        public Stop {
            if (leaveAs != SearchState.STOPPED && leaveAs != SearchState.RUNNING)
                throw new IllegalArgumentException("leaveAs is " + leaveAs + ", but must be STOPPED or RUNNING");
        }
    }

    /** A trial actor's report, adapted. */
    record FromTrial(TrialActor.Report report) implements Command {}

    record TrialTerminated(int number, long token) implements Command {}

    record RetryDue(int number) implements Command {}

    enum WallLimitReached implements Command { INSTANCE }

    /** The front measurer's report, adapted. */
    record FromMeasurer(FrontMeasurer.Report report) implements Command {}

    enum MeasurerTerminated implements Command { INSTANCE }

    /**
     * The sampler's sensitivity table was measured on the blocking dispatcher ({@code error} empty), or measuring it
     * failed. Internal: sent by the supervisor to itself.
     */
    record TableMeasured(Optional<Throwable> error) implements Command {}

    /** Asks what the supervisor is doing now; answered in every phase, also while the sensitivity table is measured. */
    public record GetStatus(ActorRef<Status> replyTo) implements Command {
        public GetStatus {
            if (replyTo == null) throw new IllegalArgumentException("replyTo must not be null");
        }
    }

    /** The phases a supervisor goes through; {@link #SENSITIVITY} is {@link #RUNNING} waiting for the sampler's table. */
    public enum Phase { SENSITIVITY, RUNNING, STOPPING, MEASURING }

    /**
     * The answer to {@link GetStatus}.
     *
     * @param liveTrials trial attempts alive now
     */
    public record Status(long searchId, Phase phase, int liveTrials) {
        public Status {
            if (phase == null) throw new IllegalArgumentException("phase must not be null");
            if (liveTrials < 0) throw new IllegalArgumentException("liveTrials is " + liveTrials + ", but must be >= 0");
        }
    }

    /**
     * The behaviour of search {@code searchId}'s supervisor. {@code compiled} skips compiling the stored spec
     * again (a search just submitted); on resume and restart it is compiled from the database.
     */
    public static Behavior<Command> create(SearchEnvironment env, long searchId, Optional<CompiledSearch> compiled) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> start(ctx, timers, env, searchId, compiled)));
    }

    private static Behavior<Command> start(ActorContext<Command> ctx, TimerScheduler<Command> timers, SearchEnvironment env,
                                           long id, Optional<CompiledSearch> compiled) {
        SearchJournal journal = new SearchJournal(env.store(), env.events(), id);
        ResumeState rs = env.store().resumeState(id);
        if (rs.search().state().isFinished()) {
            ctx.getLog().info("search {} is already {}; nothing to do", id, rs.search().state());
            return Behaviors.stopped();
        }
        CompiledSearch search;
        try {
            // one compiled search (one trainer) per search in this process: a restart or resume reuses it
            search = compiled.isPresent() ? env.searches().put(id, compiled.get()) : env.searches().get(id, rs.search().specJson());
        } catch (SpecException e) {
            // STOPPED, not FAILED: the cause is usually outside the database (data moved), and fixable
            journal.searchEnded(SearchState.STOPPED, "the stored spec cannot be run here: " + String.join("; ", e.problems()) + "; fix it and resume");
            return Behaviors.stopped();
        }
        SearchEngine engine = rs.trials().isEmpty() ? new SearchEngine(search.settings())
                : SearchEngine.restore(search.settings(), rs.trials(), rs.reportOrder());
        boolean resumed = !rs.trials().isEmpty() || rs.search().state() != SearchState.RUNNING;
        if (rs.search().state() != SearchState.RUNNING || !rs.search().message().isEmpty())
            env.store().setSearchState(id, SearchState.RUNNING, "");
        journal.publish(new SearchEvent.SearchStarted(id, search.name(), resumed));
        ctx.getLog().info("search {} '{}' {} with {} recorded trials", id, search.name(), resumed ? "resumed" : "started", rs.trials().size());
        TrialBook book = new TrialBook(ctx, timers, env, journal, id, search, engine);
        book.begin(rs);
        search.maxWall().ifPresent(d -> timers.startSingleTimer(WallLimitReached.INSTANCE, d));
        return new Running(ctx, timers, book, env.blocking()).next();
    }
}
