package org.bitsearch.actors.supervisor;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.bitsearch.actors.api.SearchEvent;
import org.bitsearch.actors.env.SearchEnvironment;
import org.bitsearch.actors.spec.CompiledSearch;
import org.bitsearch.actors.trial.CheckpointFiles;
import org.bitsearch.actors.trial.TrialActor;
import org.bitsearch.search.engine.Proposal;
import org.bitsearch.search.engine.SearchEngine;
import org.bitsearch.search.pareto.FrontPoint;
import org.bitsearch.search.trial.Candidate;
import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.search.trial.TrialState;
import org.bitsearch.search.trial.Verdict;
import org.bitsearch.storage.CheckpointRow;
import org.bitsearch.storage.ParetoRow;
import org.bitsearch.storage.ResumeState;
import org.bitsearch.storage.RungDecisionRow;
import org.bitsearch.storage.TrialRow;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A supervisor's trials: the engine, the attempts alive now (one {@link TrialActor} each), failures and pending
 * retries, and the persisted front. Every method runs on the supervisor's thread; the phase behaviours decide which
 * to call ({@link Running} fills and retries, {@link Stopping} only records what arrives).
 */
final class TrialBook {
    /**
     * Attempt tokens, unique in the JVM (not per supervisor incarnation): a report of an attempt spawned by a
     * crashed incarnation can never be taken for one of a later incarnation's attempts.
     */
    private static final AtomicLong TOKENS = new AtomicLong();

    /** One live attempt. */
    private static final class Live {
        final ActorRef<TrialActor.Command> ref;
        final long token;
        String device = "";
        boolean finished;
        String error;
        boolean retryable = true;

        Live(ActorRef<TrialActor.Command> ref, long token) {
            this.ref = ref;
            this.token = token;
        }
    }

    private record Known(Candidate candidate, long seed) {}

    private final ActorContext<SearchSupervisor.Command> ctx;
    private final TimerScheduler<SearchSupervisor.Command> timers;
    private final SearchEnvironment env;
    private final SearchJournal journal;
    private final long id;
    private final CompiledSearch search;
    private final SearchEngine engine;
    private final ActorRef<TrialActor.Report> reports;
    private final TrialActor.Resources resources;
    private final Map<Integer, Known> unfinished = new LinkedHashMap<>();
    private final Map<Integer, Live> live = new HashMap<>();
    private final Map<Integer, Integer> failures = new HashMap<>();
    private final Set<Integer> retrying = new HashSet<>();
    private List<FrontPoint> front;

    TrialBook(ActorContext<SearchSupervisor.Command> ctx, TimerScheduler<SearchSupervisor.Command> timers, SearchEnvironment env,
              SearchJournal journal, long id, CompiledSearch search, SearchEngine engine) {
        this.ctx = ctx;
        this.timers = timers;
        this.env = env;
        this.journal = journal;
        this.id = id;
        this.search = search;
        this.engine = engine;
        this.front = engine.front();
        this.reports = ctx.messageAdapter(TrialActor.Report.class, SearchSupervisor.FromTrial::new);
        this.resources = new TrialActor.Resources(env.pool(), env.blocking(), env.dataDir());
    }

    SearchEngine engine() { return engine; }

    CompiledSearch search() { return search; }

    SearchJournal journal() { return journal; }

    long id() { return id; }

    SearchEnvironment env() { return env; }

    List<FrontPoint> front() { return front; }

    /** Finishes or respawns the unfinished trials of {@code rs}; repairs a persisted front that lags the trials. */
    void begin(ResumeState rs) {
        // the persisted front may lag the trials by one finish if the process died in between
        List<Integer> stored = env.store().front(id).stream().map(ParetoRow::number).toList();
        if (!stored.equals(front.stream().map(FrontPoint::number).toList())) front = journal.frontChanged(engine);
        for (TrialRow u : rs.unfinished()) {
            int reported = engine.trial(u.number()).reports().size();
            Optional<Verdict> last = env.store().decisions(id, u.number()).stream().filter(d -> d.epoch() == reported)
                    .map(RungDecisionRow::verdict).findFirst();
            unfinished.put(u.number(), new Known(u.candidate(), u.seed()));
            if (engine.isLastEpoch(reported)) finish(u.number(), TrialState.COMPLETED, "completed " + reported + " epochs");
            else if (reported > 0 && last.isPresent() && last.get().stop()) finish(u.number(), TrialState.PRUNED, last.get().reason());
            else spawn(u.number(), Optional.ofNullable(rs.checkpoints().get(u.number())).map(CheckpointRow::path));
        }
    }

    /** Asks the engine for candidates while it has any to give, writes each PENDING, then spawns it. */
    void fill() {
        for (Optional<Proposal> next = engine.ask(); next.isPresent(); next = engine.ask()) {
            Proposal p = next.get();
            env.store().createTrial(id, p.number(), p.candidate(), p.seed(), p.sizeBits());
            unfinished.put(p.number(), new Known(p.candidate(), p.seed()));
            spawn(p.number(), Optional.empty());
        }
    }

    private void spawn(int number, Optional<Path> checkpoint) {
        Known k = unfinished.get(number);
        long token = TOKENS.incrementAndGet();
        // markRunning counts this attempt when its slot is taken: it will be the stored count + 1
        int count = env.store().trial(id, number).map(TrialRow::attempts).orElse(0) + 1;
        TrialActor.Attempt attempt = new TrialActor.Attempt(id, number, token, k.candidate(), k.seed(), engine.epochLimit(),
                checkpoint, count);
        ActorRef<TrialActor.Command> ref = ctx.spawn(TrialActor.create(attempt, search.trainer(), resources, reports),
                "trial-" + number + "-" + token);
        ctx.watchWith(ref, new SearchSupervisor.TrialTerminated(number, token));
        live.put(number, new Live(ref, token));
    }

    /** Handles a trial's report; true if it finished a trial (so that a running search may fill its place). */
    boolean onReport(TrialActor.Report report) {
        Live l = live.get(report.number());
        boolean current = l != null && l.token == report.token();
        if (report instanceof TrialActor.EpochTrained r) {
            if (!current || l.finished) {
                r.replyTo().tell(new TrialActor.Finish());
                return false;
            }
            return judge(r, l);
        }
        if (!current) return false;
        if (report instanceof TrialActor.SlotTaken s) {
            l.device = s.device();
            if (!env.store().markRunning(id, s.number(), s.device())) {
                ctx.getLog().warn("search {}: trial {} is already finished; its attempt stops", id, s.number());
                l.finished = true;
                l.ref.tell(new TrialActor.Stop());
            }
        } else if (report instanceof TrialActor.Started s) {
            int attempt = env.store().trial(id, s.number()).map(TrialRow::attempts).orElse(1);
            journal.publish(new SearchEvent.TrialStarted(id, s.number(), l.device, attempt, s.fromEpoch()));
        } else if (report instanceof TrialActor.AttemptFailed f) {
            l.error = f.error();
            l.retryable = f.retryable();
        }
        return false;
    }

    /**
     * Records a fresh report with the engine's verdict (a report of an epoch already recorded, after a resume from an
     * older checkpoint, is answered from the stored verdict), records the checkpoint, then finishes the trial or
     * tells it to go on.
     */
    private boolean judge(TrialActor.EpochTrained r, Live l) {
        int n = r.number();
        EpochMetrics m = r.metrics();
        boolean fresh = m.epoch() > engine.trial(n).reports().size();
        Verdict verdict = fresh ? engine.report(n, m)
                : env.store().decisions(id, n).stream().filter(d -> d.epoch() == m.epoch())
                        .map(RungDecisionRow::verdict).findFirst().orElse(Verdict.proceed());
        boolean complete = engine.isLastEpoch(m.epoch());
        boolean keep = complete || !verdict.stop();
        // the checkpoint is recorded before the report's event goes out: whoever sees the report can rely on it
        Runnable checkpoint = () -> { if (keep) env.store().recordCheckpoint(id, n, m.epoch(), r.checkpoint()); };
        if (fresh) journal.reported(n, m, verdict, engine.trial(n).sizeBits(), checkpoint);
        else checkpoint.run();
        if (!complete && !verdict.stop()) {
            r.replyTo().tell(new TrialActor.TrainNextEpoch());
            return false;
        }
        l.finished = true;
        if (complete) finish(n, TrialState.COMPLETED, "completed " + m.epoch() + " epochs");
        else finish(n, TrialState.PRUNED, verdict.reason());
        r.replyTo().tell(new TrialActor.Finish());
        return true;
    }

    /**
     * Forgets a terminated attempt. Returns its error if it ended unfinished (failed or crashed), or empty when it
     * had finished, was stale, or stopped because the search stops.
     */
    Optional<Failure> terminated(SearchSupervisor.TrialTerminated t) {
        Live l = live.get(t.number());
        if (l == null || l.token != t.token()) return Optional.empty();
        live.remove(t.number());
        if (l.finished) return Optional.empty();
        return Optional.of(new Failure(t.number(), l.error != null ? l.error : "the trial actor stopped unexpectedly", l.retryable));
    }

    record Failure(int number, String error, boolean retryable) {}

    /** Schedules a retry of a failed attempt, or finishes the trial FAILED; true if it finished the trial. */
    boolean retryOrFail(Failure f) {
        int failed = failures.merge(f.number(), 1, Integer::sum);
        if (f.retryable() && failed <= search.maxRetries()) {
            journal.retrying(f.number(), failed + 1, f.error());
            retrying.add(f.number());
            timers.startSingleTimer(new SearchSupervisor.RetryDue(f.number()), new SearchSupervisor.RetryDue(f.number()), env.backoff(failed));
            return false;
        }
        finish(f.number(), TrialState.FAILED, f.retryable()
                ? "failed " + failed + " attempt" + (failed == 1 ? "" : "s") + "; last error: " + f.error()
                : f.error() + " (not retried: the seeded trainer would diverge again)");
        return true;
    }

    void retryDue(int number) {
        if (retrying.remove(number)) spawn(number, env.store().latestCheckpoint(id, number).map(CheckpointRow::path));
    }

    /**
     * Cancels the pending retries (each such trial is INTERRUPTED with {@code reason}) and tells every live attempt
     * to stop now (their running epochs are cancelled; {@link #interrupted} records each once it has terminated).
     */
    void stopAll(String reason) {
        retrying.forEach(n -> {
            timers.cancel(new SearchSupervisor.RetryDue(n));
            journal.trialInterrupted(n, reason);
        });
        retrying.clear();
        live.values().forEach(l -> l.ref.tell(new TrialActor.Stop()));
    }

    /**
     * Forgets an attempt that terminated after {@link #stopAll}: unless it had finished (or was stale), its trial
     * is INTERRUPTED with {@code reason}.
     */
    void interrupted(SearchSupervisor.TrialTerminated t, String reason) {
        terminated(t).ifPresent(f -> journal.trialInterrupted(f.number(), reason));
    }

    boolean nothingLive() { return live.isEmpty(); }

    /** How many attempts are alive now. */
    int liveCount() { return live.size(); }

    /** True if the engine may still propose trials (its budget is not all proposed). */
    boolean mayPropose() { return engine.trials().size() < engine.budget(); }

    /** Nothing runs, nothing waits for a retry, and the engine has nothing more to give: time to measure. */
    boolean searchDone() { return live.isEmpty() && retrying.isEmpty() && engine.isDone(); }

    /** Writes a final trial state, then tells the engine and moves the front. */
    private void finish(int number, TrialState state, String reason) {
        journal.trialFinished(number, state, reason);
        engine.finish(number, state);
        unfinished.remove(number);
        if (state != TrialState.COMPLETED) {
            Path dir = CheckpointFiles.trialDir(env.dataDir(), id, number);
            env.blocking().execute(() -> CheckpointFiles.deleteAll(dir));
        }
        if (!engine.front().equals(front)) front = journal.frontChanged(engine);
    }
}
