package org.bitsearch.search.sampler;

import org.bitsearch.search.pruner.PrunerConfig;
import org.bitsearch.search.engine.SearchEngine;
import org.bitsearch.search.engine.SearchSettings;
import org.bitsearch.search.space.Architectures;
import org.bitsearch.search.space.BitAllocationSpace;
import org.bitsearch.search.space.Dimension;
import org.bitsearch.search.space.SearchSpace;
import org.bitsearch.search.trial.Candidate;
import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.search.trial.TrialState;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

class SamplerTest {
    static final SearchSpace SPACE = new SearchSpace(
            List.of(new Dimension.LogFloatRange("lr", 1e-5, 1e-1), new Dimension.Categorical("act", List.of("relu", "tanh"))),
            BitAllocationSpace.unconstrained(Architectures.mlp(16, List.of(8, 8), 4)));

    static Stream<SamplerConfig> samplers() {
        return Stream.of(new SamplerConfig.Random(), new SamplerConfig.Tpe(5, 24, 0.25), new SamplerConfig.Nsga2(8, 0.2, 0.9));
    }

    /** Runs a sequential search where accuracy peaks at lr = 1e-3 and rises with bits; returns the proposals. */
    static List<Candidate> run(SamplerConfig sampler, long seed, int trials) {
        SearchEngine e = new SearchEngine(SearchSettings.of(SPACE, sampler, new PrunerConfig.None(), seed, trials, 1, 1));
        List<Candidate> out = new ArrayList<>();
        for (int i = 0; i < trials; i++) {
            Candidate c = e.ask().orElseThrow().candidate();
            out.add(c);
            e.report(i, new EpochMetrics(1, objective(c), 1, 1, 0, 0));
            e.finish(i, TrialState.COMPLETED);
        }
        return out;
    }

    static double objective(Candidate c) {
        double lr = c.number("lr", 1);
        double bits = c.bits().bits().stream().mapToDouble(b -> Math.log(b) / Math.log(32)).average().orElse(0);
        return Math.max(0, Math.min(1, 0.9 - 0.08 * Math.pow(Math.log10(lr) + 3, 2) - 0.2 * (1 - bits)));
    }

    @ParameterizedTest @MethodSource("samplers")
    void sameSeedSameSequenceDifferentSeedDifferentSequence(SamplerConfig sampler) {
        List<Candidate> a = run(sampler, 7, 30);
        assertEquals(a, run(sampler, 7, 30));
        assertNotEquals(a, run(sampler, 8, 30));
    }

    @ParameterizedTest @MethodSource("samplers")
    void avoidsDuplicatesWhereTheSpaceAllows(SamplerConfig sampler) {
        List<Candidate> a = run(sampler, 3, 40);
        assertEquals(a.size(), new HashSet<>(a).size());
    }

    @Test void tpeConcentratesNearTheOptimumMoreThanRandom() {
        double tpe = 0, random = 0;
        for (long seed = 1; seed <= 3; seed++) {
            tpe += meanLate(run(new SamplerConfig.Tpe(10, 24, 0.2), seed, 60));
            random += meanLate(run(new SamplerConfig.Random(), seed, 60));
        }
        assertTrue(tpe > random + 0.05, "TPE " + tpe / 3 + " vs random " + random / 3);
    }

    @Test void nsga2ImprovesTheFrontOverRandom() {
        double nsga = 0, random = 0;
        for (long seed = 1; seed <= 3; seed++) {
            nsga += meanLate(run(new SamplerConfig.Nsga2(10, 0.2, 0.9), seed, 60));
            random += meanLate(run(new SamplerConfig.Random(), seed, 60));
        }
        assertTrue(nsga > random, "NSGA-II " + nsga / 3 + " vs random " + random / 3);
    }

    private static double meanLate(List<Candidate> cs) {
        return cs.subList(cs.size() / 2, cs.size()).stream().mapToDouble(SamplerTest::objective).average().orElseThrow();
    }
}
