package org.bitsearch.search.engine;

import org.bitsearch.search.pruner.PrunerConfig;
import org.bitsearch.search.pareto.FrontPoint;
import org.bitsearch.search.pareto.Hypervolume;
import org.bitsearch.search.pareto.ParetoFront;
import org.bitsearch.search.pruner.Pruner;
import org.bitsearch.search.sampler.ProposalContext;
import org.bitsearch.search.sampler.Sampler;
import org.bitsearch.search.trial.Candidate;
import org.bitsearch.search.trial.Decision;
import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.search.trial.TrialRecord;
import org.bitsearch.search.trial.TrialState;
import org.bitsearch.search.trial.Verdict;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The deterministic ask/tell state machine of one search: space, sampler, pruner, Pareto front and budget.
 * No clock, no I/O, no threads; not thread-safe (the supervisor actor owns it). Same settings and the same
 * sequence of calls give the same proposals and verdicts, in this process or another.
 *
 * <p>Life of a trial: {@link #ask()} proposes it (PENDING); {@link #report} records each epoch in order (RUNNING)
 * and answers the pruner's verdict; {@link #finish} makes it COMPLETED, PRUNED or FAILED. A trial trains at most
 * {@link #epochLimit()} epochs: at that epoch the verdict is CONTINUE (unless the accuracy is NaN) and the caller
 * finishes the trial as COMPLETED, since it has no epochs left. A STOP verdict means the caller finishes it as
 * PRUNED (or FAILED if the report diverged).
 *
 * <p>Proposals are a pure function of (settings, trial number, the trials' states and reports at the time of
 * the ask): the trial's generator is seeded by {@link Seeds#trialSeed}. Verdicts are a pure function of the
 * reports recorded before, in recorded order. {@link #restore} therefore rebuilds an engine from stored rows
 * that answers exactly as the original would have.
 */
public final class SearchEngine {
    private final SearchSettings settings;
    private final Sampler sampler;
    private final Pruner pruner;
    private final ParetoFront front = new ParetoFront();
    private final List<TrialRecord> trials = new ArrayList<>();
    private final List<TrialRecord> trialsView = Collections.unmodifiableList(trials);
    private final Set<Candidate> proposed = new HashSet<>(); // membership only, never iterated
    private final int budget;
    private final int epochLimit;
    private int unfinished;

    /**
     * A new engine with no trials.
     *
     * @throws IllegalArgumentException if the sampler cannot work on the space (e.g. a grid too large)
     */
    public SearchEngine(SearchSettings settings) {
        if (settings == null) throw new IllegalArgumentException("settings must not be null");
        this.settings = settings;
        this.sampler = Sampler.create(settings.sampler(), settings.space());
        this.pruner = org.bitsearch.search.pruner.ScheduleAwarePruner.wrap(Pruner.create(settings.pruner()), settings.judgeFromEpoch());
        long samplerSize = sampler.size().orElse(Long.MAX_VALUE);
        this.budget = (int) Math.min(settings.maxTrials(), samplerSize);
        this.epochLimit = settings.pruner() instanceof PrunerConfig.Asha a
                ? Math.min(settings.maxEpochs(), a.maxResource()) : settings.maxEpochs();
    }

    /**
     * Rebuilds an engine from recorded rows: {@code trials} in number order (any state, with their reports) and
     * {@code reportOrder}, every recorded report in the order it was recorded. Sampler and pruner (rung) state is
     * replayed from them, so the next {@link #ask()} and {@link #report} answer as the original engine would have.
     * Unfinished trials keep their state (PENDING or RUNNING) and may go on reporting from their next epoch.
     *
     * @throws IllegalArgumentException if the rows are inconsistent: numbers not 0, 1, ...; a candidate outside the
     *         space or with a different size; a report missing from or repeated in {@code reportOrder}
     */
    public static SearchEngine restore(SearchSettings settings, List<TrialRecord> trials, List<ReportRef> reportOrder) {
        SearchEngine engine = new SearchEngine(settings);
        int[] replayed = new int[trials.size()];
        for (int i = 0; i < trials.size(); i++) {
            TrialRecord t = trials.get(i);
            if (t.number() != i)
                throw new IllegalArgumentException("trials[" + i + "] has number " + t.number() + ", but trials must be numbered 0, 1, ... in order");
            Optional<String> violation = settings.space().violation(t.candidate().bits(), t.candidate().activationBits());
            if (violation.isPresent())
                throw new IllegalArgumentException("trial " + i + ": its bit allocation " + t.candidate().bitsLabel() + " is outside the space: " + violation.get());
            long size = settings.space().sizeBits(t.allocation(), t.candidate().params());
            if (size != t.sizeBits())
                throw new IllegalArgumentException("trial " + i + ": sizeBits is " + t.sizeBits() + ", but its allocation has " + size + " bits");
            engine.add(t.candidate());
        }
        for (ReportRef ref : reportOrder) {
            if (ref.number() >= trials.size())
                throw new IllegalArgumentException("reportOrder names trial " + ref.number() + ", but only " + trials.size() + " trials are recorded");
            List<EpochMetrics> reports = trials.get(ref.number()).reports();
            if (ref.epoch() > reports.size())
                throw new IllegalArgumentException("reportOrder names epoch " + ref.epoch() + " of trial " + ref.number()
                        + ", but the trial has " + reports.size() + " reports");
            if (ref.epoch() != replayed[ref.number()] + 1)
                throw new IllegalArgumentException("reportOrder names epoch " + ref.epoch() + " of trial " + ref.number()
                        + ", but the next unreplayed epoch is " + (replayed[ref.number()] + 1));
            engine.report(ref.number(), reports.get(ref.epoch() - 1));
            replayed[ref.number()]++;
        }
        for (TrialRecord t : trials) {
            if (replayed[t.number()] != t.reports().size())
                throw new IllegalArgumentException("trial " + t.number() + " has " + t.reports().size() + " reports, but reportOrder names "
                        + replayed[t.number()] + " of them");
            if (t.state().isFinished()) engine.finish(t.number(), t.state());
            else engine.trials.set(t.number(), engine.withState(engine.trials.get(t.number()), t.state()));
        }
        return engine;
    }

    public SearchSettings settings() { return settings; }

    /**
     * The most epochs a trial trains: {@code maxEpochs}, or ASHA's maximum resource R if smaller. The supervisor
     * passes it as {@code TrialContext.maxEpochs}; a trial reporting this epoch is done.
     */
    public int epochLimit() { return epochLimit; }

    /** True if {@code epoch} is a trial's last one ({@link #epochLimit()}). */
    public boolean isLastEpoch(int epoch) { return epoch >= epochLimit; }

    /**
     * The most trials this search will ever propose: {@code maxTrials}, or fewer if the sampler runs out (a grid
     * smaller than the budget ends the search early).
     */
    public int budget() { return budget; }

    /**
     * The next candidate to train, or empty if the budget is spent, {@code maxConcurrent} trials are unfinished,
     * or the sampler waits for results (NSGA-II between generations: a generation's trials are proposed only
     * after every trial of the earlier generations finished). The proposal counts as PENDING at once.
     */
    public Optional<Proposal> ask() {
        int number = trials.size();
        if (number >= budget || unfinished >= settings.maxConcurrent()) return Optional.empty();
        long seed = Seeds.trialSeed(settings.seed(), number);
        ProposalContext ctx = new ProposalContext(number, trialsView, Collections.unmodifiableSet(proposed), Seeds.rng(seed, Seeds.SAMPLER),
                Seeds.designSeed(settings.seed()));
        Optional<Candidate> candidate = sampler.propose(ctx);
        if (candidate.isEmpty()) return Optional.empty();
        TrialRecord t = add(candidate.get());
        return Optional.of(new Proposal(number, t.candidate(), seed, t.sizeBits()));
    }

    private TrialRecord add(Candidate c) {
        Optional<String> violation = settings.space().violation(c.bits(), c.activationBits());
        if (violation.isPresent()) throw new IllegalStateException("the sampler proposed an infeasible allocation " + c.bitsLabel() + ": " + violation.get());
        TrialRecord t = new TrialRecord(trials.size(), c, TrialState.PENDING, List.of(), settings.space().sizeBits(c.bits(), c.params()));
        trials.add(t);
        proposed.add(c);
        unfinished++;
        return t;
    }

    private TrialRecord withState(TrialRecord t, TrialState state) {
        return new TrialRecord(t.number(), t.candidate(), state, t.reports(), t.sizeBits());
    }

    private TrialRecord unfinishedTrial(int number, String action) {
        if (number < 0 || number >= trials.size())
            throw new IllegalStateException("cannot " + action + " trial " + number + ": it is unknown (" + trials.size() + " trials proposed)");
        TrialRecord t = trials.get(number);
        if (t.state().isFinished())
            throw new IllegalStateException("cannot " + action + " trial " + number + ": it is already " + t.state());
        return t;
    }

    /**
     * Records trial {@code number}'s report and returns the pruner's verdict. The trial becomes RUNNING.
     *
     * @throws IllegalStateException if the trial is unknown or finished, the epoch is not the trial's next one,
     *         or the trial already reported its last epoch
     */
    public Verdict report(int number, EpochMetrics metrics) {
        if (metrics == null) throw new IllegalArgumentException("metrics must not be null");
        TrialRecord t = unfinishedTrial(number, "record a report of");
        int next = t.reports().size() + 1;
        if (metrics.epoch() != next)
            throw new IllegalStateException("trial " + number + " reported epoch " + metrics.epoch() + ", but its next epoch is " + next);
        if (metrics.epoch() > epochLimit)
            throw new IllegalStateException("trial " + number + " reported epoch " + metrics.epoch() + ", but trials train at most " + epochLimit + " epochs");
        long size = t.sizeBits();
        if (metrics.hasLearnedBits()) size = learnedSize(t, metrics);
        Verdict verdict = pruner.onReport(number, size, metrics);
        if (isLastEpoch(metrics.epoch()) && !Double.isNaN(metrics.valAccuracy())) {
            String reason = "last epoch " + metrics.epoch() + ": the trial completes" + (verdict.reason().isEmpty() ? "" : " (" + verdict.reason() + ")");
            verdict = new Verdict(Decision.CONTINUE, verdict.rung(), reason);
        }
        List<EpochMetrics> reports = new ArrayList<>(t.reports());
        reports.add(metrics);
        trials.set(number, new TrialRecord(number, t.candidate(), TrialState.RUNNING, reports, size));
        return verdict;
    }

    /**
     * The model size of a report's learned bits (CPQ: the trainer learned the trial's per-layer bits; they become
     * the trial's allocation, size and front point).
     *
     * @throws IllegalArgumentException if the learned bits do not have one entry per layer, or a layer learned more
     *         bits than its candidate gave it
     */
    private long learnedSize(TrialRecord t, EpochMetrics metrics) {
        List<Integer> learned = metrics.learnedBits(), proposed = t.candidate().bits().bits();
        if (learned.size() != proposed.size())
            throw new IllegalArgumentException("trial " + t.number() + ": learnedBits has " + learned.size()
                    + " entries, but the trial has " + proposed.size() + " layers");
        for (int i = 0; i < learned.size(); i++)
            if (learned.get(i) > proposed.get(i))
                throw new IllegalArgumentException("trial " + t.number() + ": learnedBits[" + i + "] is " + learned.get(i)
                        + ", but must be <= the candidate's " + proposed.get(i) + " (learned bits only drop bits)");
        return settings.space().sizeBits(new org.bitsearch.search.space.BitAllocation(learned), t.candidate().params());
    }

    /**
     * Marks trial {@code number} finished (COMPLETED, PRUNED or FAILED). A COMPLETED trial joins the Pareto front
     * with its final epoch's validation accuracy ({@link TrialRecord#finalValAccuracy()}), the accuracy of the
     * model the trial keeps (its last checkpoint, on which test accuracy is measured and from which it is exported),
     * not its best epoch's, so that a front point's accuracy and its model belong together. A NaN final accuracy
     * keeps it off the front.
     *
     * @throws IllegalArgumentException if {@code state} is not a final state
     * @throws IllegalStateException    if the trial is unknown or already finished
     */
    public void finish(int number, TrialState state) {
        if (state == null || !state.isFinished())
            throw new IllegalArgumentException("state is " + state + ", but must be COMPLETED, PRUNED or FAILED");
        TrialRecord t = unfinishedTrial(number, "finish");
        TrialRecord done = withState(t, state);
        trials.set(number, done);
        unfinished--;
        double accuracy = done.finalValAccuracy();
        if (state == TrialState.COMPLETED && !Double.isNaN(accuracy)) front.add(new FrontPoint(number, accuracy, done.sizeBits()));
    }

    /** Trials proposed and not finished. */
    public int unfinished() { return unfinished; }

    /** True when every budgeted trial has been proposed and finished. */
    public boolean isDone() { return trials.size() >= budget && unfinished == 0; }

    /** All trials known, in number order. */
    public List<TrialRecord> trials() { return List.copyOf(trials); }

    /** One trial. @throws IllegalArgumentException if it is unknown */
    public TrialRecord trial(int number) {
        if (number < 0 || number >= trials.size())
            throw new IllegalArgumentException("trial " + number + " is unknown (" + trials.size() + " trials proposed)");
        return trials.get(number);
    }

    /** The current Pareto front of COMPLETED trials (final validation accuracy vs size), sorted by size. */
    public List<FrontPoint> front() { return front.points(); }

    /**
     * 2-D hypervolume of {@link #front()} against (settings.refAccuracy, settings.refSizeBits), normalised to
     * [0, 1] by the largest possible area (1 − refAccuracy) · refSizeBits; see {@link Hypervolume#normalized}.
     * {@link Hypervolume#raw} gives the area in accuracy × bits.
     */
    public double hypervolume() { return Hypervolume.normalized(front.points(), settings.refAccuracy(), settings.refSizeBits()); }
}
