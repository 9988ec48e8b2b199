package org.bitsearch.search.engine;

import org.bitsearch.search.sampler.SamplerConfig;
import org.bitsearch.search.pruner.PrunerConfig;
import org.bitsearch.search.pareto.FrontPoint;

import org.bitsearch.search.space.Architectures;
import org.bitsearch.search.space.BitAllocationSpace;
import org.bitsearch.search.space.Dimension;
import org.bitsearch.search.space.SearchSpace;
import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.search.trial.TrialRecord;
import org.bitsearch.search.trial.TrialState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import org.bitsearch.search.space.BitAllocation;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

class SearchEngineTest {
    static final SearchSpace SPACE = new SearchSpace(
            List.of(new Dimension.LogFloatRange("lr", 1e-5, 1e-1), new Dimension.Categorical("act", List.of("relu", "tanh")),
                    new Dimension.IntRange("batch", 16, 256)),
            new BitAllocationSpace(Architectures.mlp(64, List.of(32, 16), 10), List.of(1, 2, 4, 8, 32), true,
                    OptionalInt.of(8), OptionalInt.empty(), Optional.of(64L * 32 * 8 + 32L * 16 * 8 + 16L * 10 * 8 + 32L * 58)));

    static SearchSettings settings(SamplerConfig sampler, PrunerConfig pruner, long seed, int trials, int concurrent) {
        return SearchSettings.of(SPACE, sampler, pruner, seed, trials, concurrent, 9);
    }

    static Stream<SearchSettings> combinations() {
        return Stream.of(
                settings(new SamplerConfig.Random(), new PrunerConfig.Asha(1, 9, 3, 0, false), 1, 30, 4),
                settings(new SamplerConfig.Tpe(5, 16, 0.25), new PrunerConfig.Median(1, 2), 2, 25, 3),
                settings(new SamplerConfig.Nsga2(6, 0.2, 0.9), new PrunerConfig.Asha(1, 9, 3, 0, true), 3, 30, 4),
                settings(new SamplerConfig.Grid(2), new PrunerConfig.None(), 4, 20, 2),
                settings(new SamplerConfig.Random(), new PrunerConfig.Asha(1, 4, 2, 0, false), 5, 20, 1));
    }

    @ParameterizedTest @MethodSource("combinations")
    void sameSettingsSameHistoryGiveTheSameRunInTwoEngines(SearchSettings s) {
        assertEquals(World.run(s, 42), World.run(s, 42));
    }

    @ParameterizedTest @MethodSource("combinations")
    void differentSeedsProposeDifferentCandidates(SearchSettings s) {
        if (s.sampler() instanceof SamplerConfig.Grid) return; // a grid's order does not depend on the seed
        SearchSettings other = new SearchSettings(s.space(), s.sampler(), s.pruner(), s.seed() + 1, s.maxTrials(),
                s.maxConcurrent(), s.maxEpochs(), s.refAccuracy(), s.refSizeBits());
        assertNotEquals(firstCandidates(s), firstCandidates(other));
    }

    private static List<Object> firstCandidates(SearchSettings s) {
        SearchEngine e = new SearchEngine(s);
        return Stream.generate(e::ask).limit(s.maxConcurrent()).map(p -> (Object) p.orElseThrow().candidate()).toList();
    }

    /** Cut the recorded run at every point, restore from the rows, and continue: every answer must be the same. */
    @ParameterizedTest @MethodSource("combinations")
    void restoreAtAnyPointContinuesExactlyLikeTheUninterruptedEngine(SearchSettings s) {
        List<World.Step> steps = World.run(s, 7);
        SearchEngine full = new SearchEngine(s);
        World.replay(full, steps, 0, steps.size());
        for (int cut = 0; cut <= steps.size(); cut += Math.max(1, steps.size() / 60)) {
            SearchEngine before = new SearchEngine(s);
            World.replay(before, steps, 0, cut);
            SearchEngine restored = SearchEngine.restore(s, before.trials(), World.reportOrder(steps, cut));
            assertEquals(before.trials(), restored.trials(), "cut " + cut);
            assertEquals(before.front(), restored.front(), "cut " + cut);
            assertEquals(before.unfinished(), restored.unfinished(), "cut " + cut);
            World.replay(restored, steps, cut, steps.size());
            assertEquals(full.trials(), restored.trials());
            assertEquals(full.front(), restored.front());
            assertEquals(full.hypervolume(), restored.hypervolume());
            assertTrue(restored.isDone());
        }
    }

    @ParameterizedTest @MethodSource("combinations")
    void budgetAndConcurrencyAreRespected(SearchSettings s) {
        List<World.Step> steps = World.run(s, 11);
        SearchEngine e = new SearchEngine(s);
        int maxUnfinished = 0;
        for (World.Step step : steps) {
            World.apply(e, step.action());
            maxUnfinished = Math.max(maxUnfinished, e.unfinished());
            for (TrialRecord t : e.trials()) assertTrue(s.space().bits().isFeasible(t.candidate().bits()));
        }
        assertTrue(maxUnfinished <= s.maxConcurrent());
        assertEquals(e.budget(), e.trials().size());
        assertTrue(e.trials().size() <= s.maxTrials());
        assertTrue(e.isDone());
        assertEquals(Optional.empty(), e.ask());
        assertTrue(e.trials().stream().allMatch(t -> t.state().isFinished()));
        assertTrue(e.trials().stream().allMatch(t -> t.reports().size() <= e.epochLimit()));
        for (var p : e.front()) {
            assertEquals(TrialState.COMPLETED, e.trial(p.number()).state());
            assertEquals(e.trial(p.number()).lastReport().orElseThrow().valAccuracy(), p.accuracy(),
                    "a front point carries its trial's final epoch's accuracy");
        }
        assertTrue(e.hypervolume() > 0 && e.hypervolume() <= 1);
    }

    @Test void askWaitsWhileMaxConcurrentTrialsAreUnfinished() {
        SearchEngine e = new SearchEngine(settings(new SamplerConfig.Random(), new PrunerConfig.None(), 1, 10, 2));
        assertTrue(e.ask().isPresent());
        assertTrue(e.ask().isPresent());
        assertEquals(Optional.empty(), e.ask());
        e.finish(0, TrialState.FAILED);
        assertEquals(2, e.ask().orElseThrow().number());
    }

    @Test void gridExhaustionEndsTheBudgetEarly() {
        SearchSpace tiny = new SearchSpace(List.of(new Dimension.Categorical("act", List.of("relu", "tanh"))),
                new BitAllocationSpace(Architectures.mlp(4, List.of(), 2), List.of(4, 8), false, OptionalInt.empty(), OptionalInt.empty(), Optional.empty()));
        SearchEngine e = new SearchEngine(SearchSettings.of(tiny, new SamplerConfig.Grid(3), new PrunerConfig.None(), 1, 100, 100, 1));
        assertEquals(4, e.budget());
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Proposal p = e.ask().orElseThrow();
            seen.add(p.candidate().params().get("act") + "/" + p.candidate().bits());
            assertEquals(0, e.report(i, new EpochMetrics(1, 0.5, 1, 1, 0, 0)).rung() + 1);
            e.finish(i, TrialState.COMPLETED);
        }
        assertEquals(List.of("relu/[4]", "tanh/[4]", "relu/[8]", "tanh/[8]"), seen);
        assertEquals(Optional.empty(), e.ask());
        assertTrue(e.isDone());
    }

    @Test void nsga2WaitsForItsParentsGeneration() {
        SearchEngine e = new SearchEngine(settings(new SamplerConfig.Nsga2(3, 0.3, 0.9), new PrunerConfig.None(), 1, 12, 10));
        for (int i = 0; i < 3; i++) assertTrue(e.ask().isPresent());
        assertEquals(Optional.empty(), e.ask(), "generation 1 waits for generation 0");
        for (int i = 0; i < 3; i++) {
            e.report(i, new EpochMetrics(1, 0.3 + 0.1 * i, 1, 1, 0, 0));
            if (i < 2) { e.finish(i, TrialState.COMPLETED); assertEquals(Optional.empty(), e.ask()); }
        }
        e.finish(2, TrialState.PRUNED);
        for (int i = 3; i < 6; i++) assertEquals(i, e.ask().orElseThrow().number());
        assertEquals(Optional.empty(), e.ask());
    }

    @Test void lastEpochContinuesAndCompletes() {
        SearchEngine e = new SearchEngine(settings(new SamplerConfig.Random(), new PrunerConfig.Asha(1, 3, 3, 0, false), 1, 5, 5));
        assertEquals(3, e.epochLimit());
        e.ask();
        e.report(0, new EpochMetrics(1, 0.5, 1, 1, 0, 0));
        e.report(0, new EpochMetrics(2, 0.6, 1, 1, 0, 0));
        var v = e.report(0, new EpochMetrics(3, 0.7, 1, 1, 0, 0));
        assertFalse(v.stop());
        assertEquals(1, v.rung());
        assertTrue(v.reason().startsWith("last epoch 3: the trial completes"), v.reason());
        IllegalStateException beyond = assertThrows(IllegalStateException.class, () -> e.report(0, new EpochMetrics(4, 0.7, 1, 1, 0, 0)));
        assertEquals("trial 0 reported epoch 4, but trials train at most 3 epochs", beyond.getMessage());
        e.finish(0, TrialState.COMPLETED);
        assertEquals(1, e.front().size());
        assertEquals(0.7, e.front().get(0).accuracy());
    }

    @Test void aCompletedTrialJoinsTheFrontWithItsFinalEpochsAccuracyNotItsBest() {
        SearchSettings s = settings(new SamplerConfig.Random(), new PrunerConfig.None(), 1, 5, 3);
        SearchEngine e = new SearchEngine(s);
        e.ask();
        e.report(0, new EpochMetrics(1, 0.6, 1, 1, 0, 0));
        e.report(0, new EpochMetrics(2, 0.9, 1, 1, 0, 0));
        e.report(0, new EpochMetrics(3, 0.7, 1, 1, 0, 0));
        e.finish(0, TrialState.COMPLETED);
        assertEquals(0.9, e.trial(0).bestValAccuracy());
        assertEquals(0.7, e.trial(0).finalValAccuracy());
        assertEquals(List.of(new FrontPoint(0, 0.7, e.trial(0).sizeBits())), e.front(),
                "the kept model (the last epoch's) is the point on the front");
        double area = (s.refSizeBits() - e.trial(0).sizeBits()) * (0.7 - s.refAccuracy()) / ((1 - s.refAccuracy()) * s.refSizeBits());
        assertEquals(area, e.hypervolume(), 1e-12);
        SearchEngine restored = SearchEngine.restore(s, e.trials(),
                List.of(new ReportRef(0, 1), new ReportRef(0, 2), new ReportRef(0, 3)));
        assertEquals(e.front(), restored.front());
    }

    @Test void learnedBitsOfAReportBecomeTheTrialsAllocationSizeAndFrontPoint() {
        SearchSettings s = settings(new SamplerConfig.Random(), new PrunerConfig.None(), 4, 1, 1);
        SearchEngine e = new SearchEngine(s);
        Proposal p = e.ask().orElseThrow();
        List<Integer> proposed = p.candidate().bits().bits();
        List<Integer> learned = proposed.stream().map(b -> b == 32 ? 32 : Math.max(1, b / 2)).toList();
        long learnedSize = s.space().bits().sizeBits(new BitAllocation(learned));
        e.report(p.number(), new EpochMetrics(1, 0.8, 1, 1, 0, 0, learned));
        assertEquals(learned, e.trial(p.number()).allocation().bits());
        assertEquals(proposed, e.trial(p.number()).candidate().bits().bits(), "the candidate keeps the proposal");
        assertEquals(learnedSize, e.trial(p.number()).sizeBits());
        List<Integer> tooMany = proposed.stream().map(b -> b == 32 ? 32 : b + 1).toList();
        if (!tooMany.equals(proposed)) {
            IllegalArgumentException x = assertThrows(IllegalArgumentException.class,
                    () -> e.report(p.number(), new EpochMetrics(2, 0.8, 1, 1, 0, 0, tooMany)));
            assertTrue(x.getMessage().contains("learned bits only drop bits"), x.getMessage());
        }
        e.finish(p.number(), TrialState.COMPLETED);
        assertEquals(List.of(new FrontPoint(p.number(), 0.8, learnedSize)), e.front());
        SearchEngine restored = SearchEngine.restore(s, e.trials(), List.of(new ReportRef(p.number(), 1)));
        assertEquals(e.front(), restored.front());
        assertEquals(learned, restored.trial(p.number()).allocation().bits());
    }

    @Test void wrongCallsThrowWithClearMessagesAndChangeNothing() {
        SearchEngine e = new SearchEngine(settings(new SamplerConfig.Random(), new PrunerConfig.None(), 1, 5, 5));
        e.ask();
        EpochMetrics one = new EpochMetrics(1, 0.5, 1, 1, 0, 0);
        assertEquals("cannot record a report of trial 3: it is unknown (1 trials proposed)",
                assertThrows(IllegalStateException.class, () -> e.report(3, one)).getMessage());
        assertEquals("trial 0 reported epoch 2, but its next epoch is 1",
                assertThrows(IllegalStateException.class, () -> e.report(0, new EpochMetrics(2, 0.5, 1, 1, 0, 0))).getMessage());
        assertEquals(0, e.trial(0).reports().size());
        assertEquals("state is RUNNING, but must be COMPLETED, PRUNED or FAILED",
                assertThrows(IllegalArgumentException.class, () -> e.finish(0, TrialState.RUNNING)).getMessage());
        e.report(0, one);
        e.finish(0, TrialState.PRUNED);
        assertEquals("cannot finish trial 0: it is already PRUNED",
                assertThrows(IllegalStateException.class, () -> e.finish(0, TrialState.COMPLETED)).getMessage());
        assertEquals("cannot record a report of trial 0: it is already PRUNED",
                assertThrows(IllegalStateException.class, () -> e.report(0, new EpochMetrics(2, 0.5, 1, 1, 0, 0))).getMessage());
        assertTrue(e.front().isEmpty(), "a pruned trial is not on the front");
    }

    @Test void restoreRejectsInconsistentRows() {
        SearchSettings s = settings(new SamplerConfig.Random(), new PrunerConfig.None(), 1, 5, 5);
        SearchEngine e = new SearchEngine(s);
        e.ask();
        e.ask();
        e.report(1, new EpochMetrics(1, 0.5, 1, 1, 0, 0));
        List<TrialRecord> rows = e.trials();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SearchEngine.restore(s, rows, List.of()))
                .getMessage().contains("trial 1 has 1 reports, but reportOrder names 0 of them"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SearchEngine.restore(s, List.of(rows.get(1)), List.of()))
                .getMessage().contains("trials[0] has number 1"));
        TrialRecord wrongSize = new TrialRecord(0, rows.get(0).candidate(), TrialState.PENDING, List.of(), 7);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SearchEngine.restore(s, List.of(wrongSize), List.of()))
                .getMessage().contains("sizeBits is 7"));
        SearchEngine restored = SearchEngine.restore(s, rows, List.of(new ReportRef(1, 1)));
        assertEquals(TrialState.RUNNING, restored.trial(1).state());
        assertEquals(e.ask(), restored.ask());
    }

    @Test void settingsRejectBadValues() {
        assertEquals("budget.maxTrials is 0, but must be >= 1", assertThrows(IllegalArgumentException.class,
                () -> settings(new SamplerConfig.Random(), new PrunerConfig.None(), 1, 0, 1)).getMessage());
        assertEquals("pruner.maxResource is 27, but must be <= budget.maxEpochs (9)", assertThrows(IllegalArgumentException.class,
                () -> settings(new SamplerConfig.Random(), new PrunerConfig.Asha(1, 27, 3, 0, false), 1, 5, 1)).getMessage());
        assertEquals("refSizeBits is 0.0, but must be finite and > 0", assertThrows(IllegalArgumentException.class,
                () -> new SearchSettings(SPACE, new SamplerConfig.Random(), new PrunerConfig.None(), 1, 5, 1, 5, 0, 0)).getMessage());
        assertEquals("sampler.gamma is 1.0, but must be in (0, 1)", assertThrows(IllegalArgumentException.class,
                () -> new SamplerConfig.Tpe(5, 10, 1.0)).getMessage());
        assertEquals("sampler.populationSize is 1, but must be >= 2", assertThrows(IllegalArgumentException.class,
                () -> new SamplerConfig.Nsga2(1, 0.1, 0.9)).getMessage());
        assertEquals("sampler.pointsPerFloat is 0, but must be >= 1", assertThrows(IllegalArgumentException.class,
                () -> new SamplerConfig.Grid(0)).getMessage());
        IllegalArgumentException big = assertThrows(IllegalArgumentException.class, () -> new SearchEngine(
                SearchSettings.of(new SearchSpace(List.of(new Dimension.FloatRange("x", 0, 1)), BitAllocationSpace.unconstrained(
                        Architectures.mlp(4, List.of(4, 4, 4, 4, 4, 4, 4), 2))), new SamplerConfig.Grid(100), new PrunerConfig.None(), 1, 5, 1, 1)));
        assertTrue(big.getMessage().contains("but a grid"), big.getMessage());
    }

    @Test void trialSeedsArePureAndDistinct() {
        assertEquals(Seeds.trialSeed(5, 3), Seeds.trialSeed(5, 3));
        assertNotEquals(Seeds.trialSeed(5, 3), Seeds.trialSeed(5, 4));
        assertNotEquals(Seeds.trialSeed(5, 3), Seeds.trialSeed(6, 3));
        Proposal p = new SearchEngine(settings(new SamplerConfig.Random(), new PrunerConfig.None(), 5, 5, 5)).ask().orElseThrow();
        assertEquals(Seeds.trialSeed(5, 0), p.seed());
        assertEquals(SPACE.bits().sizeBits(p.candidate().bits()), p.sizeBits());
    }
}
