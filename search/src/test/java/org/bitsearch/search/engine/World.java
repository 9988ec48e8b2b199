package org.bitsearch.search.engine;

import org.bitsearch.search.rng.SplitMix64;
import org.bitsearch.search.trial.Candidate;
import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.search.trial.TrialRecord;
import org.bitsearch.search.trial.TrialState;
import org.bitsearch.search.trial.Verdict;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Drives an engine like a supervisor would: asks while it can, reports epochs of randomly chosen running trials
 * (a seeded interleaving), finishes trials on STOP, on their last epoch, and sometimes as FAILED. Records every
 * call and its answer so that the same calls can be replayed on another engine.
 */
final class World {
    sealed interface Action permits Ask, Report, Finish {}
    record Ask() implements Action {}
    record Report(int number, EpochMetrics metrics) implements Action {}
    record Finish(int number, TrialState state) implements Action {}
    record Step(Action action, Object answer) {}

    /** A smooth toy objective: more bits and a learning rate near 1e-3 are better; NaN for a few candidates. */
    static double accuracy(Candidate c, int epoch) {
        double bits = c.bits().bits().stream().mapToDouble(b -> Math.log(b) / Math.log(32)).average().orElse(0);
        double lr = c.number("lr", 1e-3);
        double ceiling = 0.5 + 0.4 * bits - 0.05 * Math.pow(Math.log10(lr) + 3, 2);
        long h = c.hashCode();
        if (Math.floorMod(h, 53) == 0) return Double.NaN;
        double noise = Math.floorMod(h * 31 + epoch, 100) / 2000.0;
        return Math.max(0, Math.min(1, ceiling * (1 - Math.exp(-epoch / 2.0)) + noise));
    }

    static List<Step> run(SearchSettings settings, long worldSeed) {
        SearchEngine engine = new SearchEngine(settings);
        SplitMix64 rng = new SplitMix64(worldSeed);
        List<Integer> running = new ArrayList<>();
        List<Step> steps = new ArrayList<>();
        int guard = 0;
        while (!engine.isDone()) {
            if (++guard > 1_000_000) throw new AssertionError("the engine never finishes");
            if (running.isEmpty() || rng.nextBoolean(0.35)) {
                Optional<Proposal> p = engine.ask();
                steps.add(new Step(new Ask(), p));
                if (p.isPresent()) { running.add(p.get().number()); continue; }
                if (running.isEmpty()) throw new AssertionError("ask() is empty with nothing running and the search not done");
            }
            int t = running.get(rng.nextInt(running.size()));
            TrialRecord trial = engine.trial(t);
            if (rng.nextInt(60) == 0) {
                engine.finish(t, TrialState.FAILED);
                steps.add(new Step(new Finish(t, TrialState.FAILED), null));
                running.remove(Integer.valueOf(t));
                continue;
            }
            int epoch = trial.reports().size() + 1;
            double acc = accuracy(trial.candidate(), epoch);
            EpochMetrics m = new EpochMetrics(epoch, acc, 1 - (Double.isNaN(acc) ? 0 : acc), 0.5, 0, 0);
            Verdict v = engine.report(t, m);
            steps.add(new Step(new Report(t, m), v));
            TrialState end = null;
            if (v.stop()) end = m.diverged() ? TrialState.FAILED : TrialState.PRUNED;
            else if (engine.isLastEpoch(epoch)) end = TrialState.COMPLETED;
            if (end != null) {
                engine.finish(t, end);
                steps.add(new Step(new Finish(t, end), null));
                running.remove(Integer.valueOf(t));
            }
        }
        return steps;
    }

    /** Applies {@code step}'s call to {@code engine} and returns the answer. */
    static Object apply(SearchEngine engine, Action action) {
        if (action instanceof Ask) return engine.ask();
        if (action instanceof Report r) return engine.report(r.number(), r.metrics());
        Finish f = (Finish) action;
        engine.finish(f.number(), f.state());
        return null;
    }

    static void replay(SearchEngine engine, List<Step> steps, int from, int to) {
        for (int i = from; i < to; i++) {
            Object answer = apply(engine, steps.get(i).action());
            if (!Objects.equals(steps.get(i).answer(), answer))
                throw new AssertionError("step " + i + " (" + steps.get(i).action() + "): expected " + steps.get(i).answer() + ", got " + answer);
        }
    }

    static List<ReportRef> reportOrder(List<Step> steps, int to) {
        List<ReportRef> out = new ArrayList<>();
        for (int i = 0; i < to; i++)
            if (steps.get(i).action() instanceof Report r) out.add(new ReportRef(r.number(), r.metrics().epoch()));
        return out;
    }
}
