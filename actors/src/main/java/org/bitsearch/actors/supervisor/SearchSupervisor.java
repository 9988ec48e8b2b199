package org.bitsearch.actors.supervisor;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.bitsearch.actors.SearchEnvironment;
import org.bitsearch.actors.api.SearchEvent;
import org.bitsearch.actors.spec.CompiledSearch;
import org.bitsearch.actors.spec.SpecException;
import org.bitsearch.actors.trial.CheckpointFiles;
import org.bitsearch.actors.trial.TrialActor;
import org.bitsearch.search.engine.Proposal;
import org.bitsearch.search.engine.SearchEngine;
import org.bitsearch.search.pareto.FrontPoint;
import org.bitsearch.search.trainer.TrainingRun;
import org.bitsearch.search.trainer.TrialContext;
import org.bitsearch.search.trial.Candidate;
import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.search.trial.TrialRecord;
import org.bitsearch.search.trial.TrialState;
import org.bitsearch.search.trial.Verdict;
import org.bitsearch.storage.CheckpointRow;
import org.bitsearch.storage.ParetoRow;
import org.bitsearch.storage.ResumeState;
import org.bitsearch.storage.RungDecisionRow;
import org.bitsearch.storage.SearchState;
import org.bitsearch.storage.TrialRow;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Runs one search: wraps its deterministic {@link SearchEngine}, asks for candidates while the budget allows,
 * spawns one {@link TrialActor} per attempt, judges epoch reports, retries failed attempts, keeps the Pareto
 * front, measures the front's test accuracies at the end and writes the search's final state.
 *
 * <p><b>Write-ahead.</b> Every decision is in the database before it is acted on or published: a trial is
 * written PENDING before its actor is spawned; a report and its verdict are written together
 * ({@code recordReport}) before the trial is told to go on or stop; the checkpoint is recorded before the trial
 * is finished; a finished trial's state is written before the engine and the front move on. So a crash at any
 * point leaves a database from which {@link #create} rebuilds the same engine (see {@link ResumeState}).
 *
 * <p><b>(Re)start.</b> The setup reads {@code store.resumeState}, restores the engine from the recorded trials
 * and reports, finishes the unfinished trials whose last report already decided them, and respawns the others
 * from their latest checkpoint. It runs the same way on a resume and on a restart after this actor crashed.
 * A report of an epoch already recorded (the trial was resumed from a checkpoint one epoch older, because the
 * process died between recording the report and the checkpoint) is answered from the stored verdict, never
 * recorded twice.
 *
 * <p><b>Threads.</b> Store writes are local embedded-H2 calls of a millisecond or two and happen inline, in
 * order, because the write-ahead order is the point; the actor therefore runs on its own
 * {@code bitsearch.supervisor-dispatcher} so that a slow disk never stalls Pekko's default dispatcher. Trainer
 * calls (test accuracy) and checkpoint deletion run on the blocking {@code bitsearch.trainer-dispatcher}.
 */
public final class SearchSupervisor extends AbstractBehavior<SearchSupervisor.Command> {
    /**
     * Attempt tokens, unique in the JVM (not per supervisor incarnation): a message of an attempt spawned by a
     * crashed incarnation can never be taken for one of a later incarnation's attempts.
     */
    private static final java.util.concurrent.atomic.AtomicLong TOKENS = new java.util.concurrent.atomic.AtomicLong();

    public sealed interface Command {}

    /**
     * Stops the search: running epochs finish, are reported and checkpointed, then the search is left in
     * {@code leaveAs} (STOPPED by a user or a limit; RUNNING when the system shuts down, so that it is resumed at
     * the next start) with {@code reason} as its message. While the front's test accuracies are being measured
     * (every trial is finished), measuring ends after the current point: a user's stop (STOPPED) leaves the search
     * COMPLETED with the points measured so far (the summary says how many were not); a shutdown (RUNNING) leaves
     * it RUNNING, so that the next start measures the rest.
     */
    public record Stop(String reason, SearchState leaveAs) implements Command {
        public Stop {
            if (leaveAs != SearchState.STOPPED && leaveAs != SearchState.RUNNING)
                throw new IllegalArgumentException("leaveAs is " + leaveAs + ", but must be STOPPED or RUNNING");
        }
    }

    /** A trial attempt finished an epoch and saved {@code checkpoint}; answer with {@link TrialActor.Proceed}. */
    public record EpochReport(int number, long token, EpochMetrics metrics, Path checkpoint,
                              ActorRef<TrialActor.Command> replyTo) implements Command {}

    /**
     * A trial attempt failed (the actor stops next). {@code retryable} is false for a failure that another attempt
     * from the same checkpoint and seed would repeat (a diverged epoch): the trial is then FAILED at once.
     */
    public record AttemptFailed(int number, long token, String error, boolean retryable) implements Command {}

    private record TrialTerminated(int number, long token) implements Command {}

    private record RetryDue(int number) implements Command {}

    private enum WallLimitReached implements Command { INSTANCE }

    /** The measured test accuracies; {@code skipped} front points were not measured because a Stop came. */
    private record Measured(Map<Integer, Double> testAccuracy, List<String> errors, int skipped) implements Command {}

    /** One live attempt. */
    private static final class Live {
        final ActorRef<TrialActor.Command> ref;
        final long token;
        boolean finished;
        String error;
        boolean retryable = true;

        Live(ActorRef<TrialActor.Command> ref, long token) {
            this.ref = ref;
            this.token = token;
        }
    }

    private record Known(Candidate candidate, long seed) {}

    private final SearchEnvironment env;
    private final TimerScheduler<Command> timers;
    private final long id;
    private final CompiledSearch search;
    private final SearchEngine engine;
    private final Map<Integer, Known> unfinished = new LinkedHashMap<>();
    private final Map<Integer, Live> live = new HashMap<>();
    private final Map<Integer, Integer> failures = new HashMap<>();
    private final java.util.Set<Integer> retrying = new java.util.HashSet<>();
    private List<FrontPoint> front;
    private boolean stopping;
    private Stop stop;
    private boolean measuring;
    private final java.util.concurrent.atomic.AtomicBoolean measureCancelled = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * The behaviour of search {@code searchId}'s supervisor. {@code compiled} skips compiling the stored spec
     * again (a search just submitted); on resume and restart it is compiled from the database.
     */
    public static Behavior<Command> create(SearchEnvironment env, long searchId, Optional<CompiledSearch> compiled) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> start(ctx, timers, env, searchId, compiled)));
    }

    private static Behavior<Command> start(ActorContext<Command> ctx, TimerScheduler<Command> timers, SearchEnvironment env,
                                           long id, Optional<CompiledSearch> compiled) {
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
            String message = "the stored spec cannot be run here: " + String.join("; ", e.problems()) + "; fix it and resume";
            env.store().setSearchState(id, SearchState.STOPPED, message);
            env.events().publish(new SearchEvent.SearchFinished(id, SearchState.STOPPED, message));
            return Behaviors.stopped();
        }
        SearchEngine engine = rs.trials().isEmpty() ? new SearchEngine(search.settings())
                : SearchEngine.restore(search.settings(), rs.trials(), rs.reportOrder());
        SearchSupervisor s = new SearchSupervisor(ctx, timers, env, id, search, engine);
        boolean resumed = !rs.trials().isEmpty() || rs.search().state() != SearchState.RUNNING;
        if (rs.search().state() != SearchState.RUNNING || !rs.search().message().isEmpty())
            env.store().setSearchState(id, SearchState.RUNNING, "");
        env.events().publish(new SearchEvent.SearchStarted(id, search.name(), resumed));
        ctx.getLog().info("search {} '{}' {} with {} recorded trials", id, search.name(), resumed ? "resumed" : "started", rs.trials().size());
        return s.begin(rs);
    }

    private SearchSupervisor(ActorContext<Command> ctx, TimerScheduler<Command> timers, SearchEnvironment env, long id,
                             CompiledSearch search, SearchEngine engine) {
        super(ctx);
        this.env = env;
        this.timers = timers;
        this.id = id;
        this.search = search;
        this.engine = engine;
        this.front = engine.front();
    }

    private Behavior<Command> begin(ResumeState rs) {
        // the persisted front may lag the trials by one finish if the process died in between
        List<Integer> stored = env.store().front(id).stream().map(ParetoRow::number).toList();
        if (!stored.equals(front.stream().map(FrontPoint::number).toList())) persistFront();
        for (TrialRow u : rs.unfinished()) {
            TrialRecord rec = record(u.number());
            int reported = rec.reports().size();
            List<RungDecisionRow> decisions = env.store().decisions(id, u.number());
            Optional<Verdict> last = decisions.stream().filter(d -> d.epoch() == reported).map(RungDecisionRow::verdict).findFirst();
            unfinished.put(u.number(), new Known(u.candidate(), u.seed()));
            if (engine.isLastEpoch(reported)) finishTrial(u.number(), TrialState.COMPLETED, "completed " + reported + " epochs");
            else if (reported > 0 && last.isPresent() && last.get().stop()) finishTrial(u.number(), TrialState.PRUNED, last.get().reason());
            else spawn(u.number(), Optional.ofNullable(rs.checkpoints().get(u.number())).map(CheckpointRow::path));
        }
        search.maxWall().ifPresent(d -> timers.startSingleTimer(WallLimitReached.INSTANCE, d));
        fill();
        return afterChange();
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(EpochReport.class, this::onEpochReport)
                .onMessage(AttemptFailed.class, this::onAttemptFailed)
                .onMessage(TrialTerminated.class, this::onTrialTerminated)
                .onMessage(RetryDue.class, this::onRetryDue)
                .onMessage(Stop.class, this::onStop)
                .onMessageEquals(WallLimitReached.INSTANCE, this::onWallLimit)
                .onMessage(Measured.class, this::onMeasured)
                .build();
    }

    // ---- trials ---------------------------------------------------------------------------------------------

    /** Asks the engine for candidates while it has any to give, writes each PENDING, then spawns it. */
    private void fill() {
        while (!stopping && !measuring) {
            Optional<Proposal> next = engine.ask();
            if (next.isEmpty()) return;
            Proposal p = next.get();
            env.store().createTrial(id, p.number(), p.candidate(), p.seed(), p.sizeBits());
            unfinished.put(p.number(), new Known(p.candidate(), p.seed()));
            spawn(p.number(), Optional.empty());
        }
    }

    private void spawn(int number, Optional<Path> checkpoint) {
        Known k = unfinished.get(number);
        long token = TOKENS.incrementAndGet();
        TrialActor.Attempt attempt = new TrialActor.Attempt(id, number, token, k.candidate(), k.seed(),
                engine.epochLimit(), checkpoint, search.trainer());
        ActorRef<TrialActor.Command> ref = getContext().spawn(TrialActor.create(env, attempt, getContext().getSelf()),
                "trial-" + number + "-" + token);
        getContext().watchWith(ref, new TrialTerminated(number, token));
        live.put(number, new Live(ref, token));
    }

    private Behavior<Command> onEpochReport(EpochReport r) {
        Live l = live.get(r.number());
        if (l == null || l.token != r.token() || l.finished) {
            r.replyTo().tell(new TrialActor.Proceed(true));
            return this;
        }
        int n = r.number();
        EpochMetrics m = r.metrics();
        int known = record(n).reports().size();
        Verdict verdict;
        boolean fresh = m.epoch() > known;
        if (!fresh) {
            verdict = env.store().decisions(id, n).stream().filter(d -> d.epoch() == m.epoch())
                    .map(RungDecisionRow::verdict).findFirst().orElse(Verdict.proceed());
        } else {
            verdict = engine.report(n, m);
            env.store().recordReport(id, n, m, verdict);
        }
        boolean complete = engine.isLastEpoch(m.epoch());
        if (complete || !verdict.stop()) env.store().recordCheckpoint(id, n, m.epoch(), r.checkpoint());
        if (fresh) env.events().publish(new SearchEvent.EpochReported(id, n, m, verdict));
        if (complete || verdict.stop()) {
            l.finished = true;
            if (complete) finishTrial(n, TrialState.COMPLETED, "completed " + m.epoch() + " epochs");
            else finishTrial(n, TrialState.PRUNED, verdict.reason());
            r.replyTo().tell(new TrialActor.Proceed(true));
            fill();
        } else {
            r.replyTo().tell(new TrialActor.Proceed(false));
        }
        return this;
    }

    private Behavior<Command> onAttemptFailed(AttemptFailed f) {
        Live l = live.get(f.number());
        if (l != null && l.token == f.token()) {
            l.error = f.error();
            l.retryable = f.retryable();
        }
        return this;
    }

    private Behavior<Command> onTrialTerminated(TrialTerminated t) {
        Live l = live.get(t.number());
        if (l == null || l.token != t.token()) return this;
        live.remove(t.number());
        if (!l.finished && !stopping) {
            String error = l.error != null ? l.error : "the trial actor stopped unexpectedly";
            int failed = failures.merge(t.number(), 1, Integer::sum);
            if (l.retryable && failed <= search.maxRetries()) {
                env.store().recordRetry(id, t.number(), error);
                env.events().publish(new SearchEvent.TrialRetrying(id, t.number(), failed + 1, error));
                retrying.add(t.number());
                timers.startSingleTimer(new RetryDue(t.number()), new RetryDue(t.number()), env.backoff(failed));
            } else {
                finishTrial(t.number(), TrialState.FAILED, l.retryable
                        ? "failed " + failed + " attempt" + (failed == 1 ? "" : "s") + "; last error: " + error
                        : error + " (not retried: the seeded trainer would diverge again)");
                fill();
            }
        }
        return afterChange();
    }

    private Behavior<Command> onRetryDue(RetryDue r) {
        if (!retrying.remove(r.number()) || stopping) return this;
        spawn(r.number(), env.store().latestCheckpoint(id, r.number()).map(CheckpointRow::path));
        return this;
    }

    /** Writes a final trial state, then tells the engine and moves the front; publishes after the writes. */
    private void finishTrial(int number, TrialState state, String reason) {
        env.store().finishTrial(id, number, state, reason);
        engine.finish(number, state);
        unfinished.remove(number);
        if (state != TrialState.COMPLETED) {
            Path dir = CheckpointFiles.trialDir(env.dataDir(), id, number);
            env.blocking().execute(() -> CheckpointFiles.deleteAll(dir));
        }
        env.events().publish(new SearchEvent.TrialFinished(id, number, state, reason));
        if (!engine.front().equals(front)) persistFront();
    }

    private void persistFront() {
        front = engine.front();
        env.store().replaceFront(id, front.stream().map(p -> new ParetoRow(id, p.number(), p.accuracy(), p.sizeBits(), Optional.empty())).toList(),
                engine.hypervolume());
        env.events().publish(new SearchEvent.FrontChanged(id, front, engine.hypervolume()));
    }

    private TrialRecord record(int number) {
        return engine.trial(number);
    }

    // ---- stopping and the end -------------------------------------------------------------------------------

    private Behavior<Command> onStop(Stop s) {
        if (stopping) return this;
        if (measuring) {
            if (stop == null) {
                stop = s;
                measureCancelled.set(true);
                getContext().getLog().info("search {}: measuring stops after the current point: {}", id, s.reason());
            }
            return this;
        }
        stopping = true;
        stop = s;
        for (Integer n : retrying) timers.cancel(new RetryDue(n));
        retrying.clear();
        getContext().getLog().info("search {} stopping: {}", id, s.reason());
        live.values().forEach(l -> l.ref.tell(TrialActor.StopAfterEpoch.INSTANCE));
        return afterChange();
    }

    private Behavior<Command> onWallLimit() {
        long seconds = search.maxWall().map(d -> d.toSeconds()).orElse(0L);
        return onStop(new Stop("wall-clock limit of " + seconds + " s reached (budget.maxWallSeconds); resume to go on", SearchState.STOPPED));
    }

    /** What to do once nothing is running: leave as stopped, measure test accuracies, or wait. */
    private Behavior<Command> afterChange() {
        if (!live.isEmpty()) return this;
        if (stopping) {
            env.store().setSearchState(id, stop.leaveAs(), stop.reason());
            env.events().publish(new SearchEvent.SearchFinished(id, stop.leaveAs(), stop.reason()));
            return Behaviors.stopped();
        }
        if (!measuring && retrying.isEmpty() && engine.isDone()) measure();
        return this;
    }

    /** Measures the test accuracy of every front point from its trial's last checkpoint, off the actor thread. */
    private void measure() {
        measuring = true;
        timers.cancel(WallLimitReached.INSTANCE);
        record Job(int number, TrialContext context) {}
        List<Job> jobs = new ArrayList<>();
        for (FrontPoint p : front) {
            TrialRow row = env.store().trial(id, p.number()).orElseThrow();
            Optional<CheckpointRow> cp = env.store().latestCheckpoint(id, p.number());
            if (row.testAccuracy().isPresent() || cp.isEmpty()) continue;
            jobs.add(new Job(p.number(), new TrialContext(p.number(), row.candidate(), row.seed(), engine.epochLimit(),
                    Optional.of(cp.get().path()), env.evaluationDevice())));
        }
        getContext().pipeToSelf(CompletableFuture.supplyAsync(() -> {
            Map<Integer, Double> acc = new LinkedHashMap<>();
            List<String> errors = new ArrayList<>();
            int done = 0;
            for (Job j : jobs) {
                if (measureCancelled.get()) break;
                done++;
                try (TrainingRun run = search.trainer().open(j.context())) {
                    acc.put(j.number(), run.testAccuracy());
                } catch (Exception e) {
                    errors.add("trial " + j.number() + ": " + e.getMessage());
                }
            }
            return new Measured(acc, errors, jobs.size() - done);
        }, env.blocking()), (m, e) -> m != null ? m : new Measured(Map.of(), List.of(String.valueOf(e)), 0));
    }

    private Behavior<Command> onMeasured(Measured m) {
        // the trial rows carry the test accuracy; the persisted front reads it from there (its own rows leave it
        // empty), so the front and its hypervolume history stay as they are
        m.testAccuracy().forEach((n, acc) -> env.store().setTestAccuracy(id, n, acc));
        if (m.skipped() > 0 && stop != null && stop.leaveAs() == SearchState.RUNNING) {
            env.store().setSearchState(id, SearchState.RUNNING, stop.reason());
            env.events().publish(new SearchEvent.SearchFinished(id, SearchState.RUNNING, stop.reason()));
            getContext().getLog().info("search {}: interrupted while measuring test accuracies ({} left): {}", id, m.skipped(), stop.reason());
            return Behaviors.stopped();
        }
        m.errors().forEach(e -> getContext().getLog().warn("search {}: cannot measure test accuracy of {}", id, e));
        Map<TrialState, Integer> counts = new java.util.EnumMap<>(TrialState.class);
        engine.trials().forEach(t -> counts.merge(t.state(), 1, Integer::sum));
        String summary = String.format("%d trials: %d completed, %d pruned, %d failed; %d on the Pareto front",
                engine.trials().size(), counts.getOrDefault(TrialState.COMPLETED, 0), counts.getOrDefault(TrialState.PRUNED, 0),
                counts.getOrDefault(TrialState.FAILED, 0), front.size())
                + (m.errors().isEmpty() ? "" : "; test accuracy not measured for " + m.errors().size())
                + (m.skipped() == 0 ? "" : "; measuring test accuracies was stopped with " + m.skipped() + " front point(s) unmeasured");
        // a search none of whose trials trained to the end or was pruned measured nothing: not a success
        int failed = counts.getOrDefault(TrialState.FAILED, 0);
        SearchState end = failed > 0 && failed == engine.trials().size() ? SearchState.FAILED : SearchState.COMPLETED;
        if (end == SearchState.FAILED) summary = "every trial failed (" + summary + ")";
        env.store().setSearchState(id, end, summary);
        env.events().publish(new SearchEvent.SearchFinished(id, end, summary));
        getContext().getLog().info("search {} {}: {}", id, end == SearchState.FAILED ? "failed" : "completed", summary);
        return Behaviors.stopped();
    }
}
