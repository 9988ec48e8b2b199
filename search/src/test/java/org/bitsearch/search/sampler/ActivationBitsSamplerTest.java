package org.bitsearch.search.sampler;

import org.bitsearch.search.engine.SearchEngine;
import org.bitsearch.search.engine.SearchSettings;
import org.bitsearch.search.pruner.PrunerConfig;
import org.bitsearch.search.rng.SplitMix64;
import org.bitsearch.search.space.Architectures;
import org.bitsearch.search.space.BitAllocation;
import org.bitsearch.search.space.BitAllocationSpace;
import org.bitsearch.search.space.Dimension;
import org.bitsearch.search.space.QuantLayer;
import org.bitsearch.search.space.SearchSpace;
import org.bitsearch.search.trial.Candidate;
import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.search.trial.TrialState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code space.activationBits}: every sampler proposes a feasible activation allocation with every candidate
 * (allowed set, non-increasing, pins), deterministically from the seed, and searches it (more than one allocation
 * proposed); the space's own rules.
 */
class ActivationBitsSamplerTest {
    static final List<QuantLayer> LAYERS = Architectures.mlp(16, List.of(8, 8, 8), 4);
    static final BitAllocationSpace WEIGHTS = BitAllocationSpace.unconstrained(LAYERS);
    static final BitAllocationSpace ACTS = new BitAllocationSpace(LAYERS, List.of(1, 2, 4, 8), true,
            OptionalInt.of(8), OptionalInt.of(32), Optional.empty());
    static final SearchSpace SPACE = new SearchSpace(List.of(new Dimension.LogFloatRange("lr", 1e-4, 1e-1)), WEIGHTS, Optional.of(ACTS));

    static Stream<SamplerConfig> samplers() {
        return Stream.of(new SamplerConfig.Random(), new SamplerConfig.Tpe(5, 24, 0.25), new SamplerConfig.Nsga2(6, 0.2, 0.9),
                new SamplerConfig.Grid(2), new SamplerConfig.Sensitivity(4, 0.2, () -> SensitivityKnapsackTest.randomTable(4, new SplitMix64(3))));
    }

    /** Accuracy rises with activation bits (and weight bits), peaks at lr = 1e-2. */
    static double objective(Candidate c) {
        double a = 0, w = 0;
        for (int l = 0; l < c.bits().layers(); l++) {
            a += Math.log(c.activationBitsAt(l)) / Math.log(32);
            w += Math.log(c.bits().get(l)) / Math.log(32);
        }
        a /= c.bits().layers();
        w /= c.bits().layers();
        return Math.max(0, 0.95 - 0.05 * Math.pow(Math.log10(c.number("lr", 1)) + 2, 2) - 0.3 * (1 - a) - 0.1 * (1 - w));
    }

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

    @ParameterizedTest @MethodSource("samplers")
    void everyProposalCarriesAFeasibleActivationAllocation(SamplerConfig sampler) {
        List<Candidate> cs = run(sampler, 5, 40);
        Set<BitAllocation> seen = new HashSet<>();
        for (Candidate c : cs) {
            assertTrue(c.activationBits().isPresent(), "no activationBits in " + c);
            assertEquals(Optional.empty(), SPACE.violation(c.bits(), c.activationBits()), c.bitsLabel());
            BitAllocation a = c.activationBits().get();
            assertEquals(8, a.get(0), "pinFirst");
            assertEquals(32, a.get(LAYERS.size() - 1), "pinLast");
            for (int l = 2; l < LAYERS.size() - 1; l++) assertTrue(a.get(l) <= a.get(l - 1), "non-increasing: " + a);
            seen.add(a);
        }
        assertTrue(seen.size() >= 3, "activation allocations searched: only " + seen);
    }

    @ParameterizedTest @MethodSource("samplers")
    void sameSeedSameProposalsOtherSeedOthers(SamplerConfig sampler) {
        List<Candidate> a = run(sampler, 7, 30);
        assertEquals(a, run(sampler, 7, 30));
        if (!(sampler instanceof SamplerConfig.Grid)) assertNotEquals(a, run(sampler, 8, 30));
    }

    @Test
    void gridEnumeratesWeightsTimesActivations() {
        var grid = new GridSampler(new SearchSpace(List.of(), WEIGHTS, Optional.of(ACTS)), 1);
        long weights = new org.bitsearch.search.space.FeasibleAllocations(WEIGHTS).enumerate(GridSampler.LIMIT).size();
        // free activation layers 1, 2 non-increasing over {1, 2, 4, 8}: 10 allocations
        assertEquals(weights * 10, grid.size().orElseThrow());
    }

    @Test
    void tpeLearnsThatActivationBitsPay() {
        List<Candidate> cs = run(new SamplerConfig.Tpe(10, 24, 0.25), 11, 60);
        double early = meanActivationBits(cs.subList(0, 10)), late = meanActivationBits(cs.subList(40, 60));
        assertTrue(late > early, "mean activation bits of layers 1-2: first 10 (random) " + early + ", last 20 " + late);
    }

    private static double meanActivationBits(List<Candidate> cs) {
        return cs.stream().mapToDouble(c -> (c.activationBitsAt(1) + c.activationBitsAt(2)) / 2.0).average().orElseThrow();
    }

    @Test
    void spaceWithoutActivationBitsProposesNone() {
        SearchSpace plain = new SearchSpace(SPACE.dimensions(), WEIGHTS);
        SearchEngine e = new SearchEngine(SearchSettings.of(plain, new SamplerConfig.Random(), new PrunerConfig.None(), 1, 5, 1, 1));
        Candidate c = e.ask().orElseThrow().candidate();
        assertEquals(Optional.empty(), c.activationBits());
        assertEquals(32, c.activationBitsAt(0));
        assertEquals(c.bits().toString(), c.bitsLabel());
    }

    @Test
    void rulesNameTheFieldAndTheRule() {
        var other = BitAllocationSpace.unconstrained(Architectures.mlp(16, List.of(8), 4));
        var e1 = assertThrows(IllegalArgumentException.class, () -> new SearchSpace(List.of(), WEIGHTS, Optional.of(other)));
        assertTrue(e1.getMessage().startsWith("activationBits has layers"), e1.getMessage());
        var budget = new BitAllocationSpace(LAYERS, List.of(1, 8), false, OptionalInt.empty(), OptionalInt.empty(), Optional.of(1_000_000L));
        var e2 = assertThrows(IllegalArgumentException.class, () -> new SearchSpace(List.of(), WEIGHTS, Optional.of(budget)));
        assertTrue(e2.getMessage().contains("model size counts weights only"), e2.getMessage());
        var e3 = assertThrows(IllegalArgumentException.class,
                () -> new Candidate(java.util.Map.of(), BitAllocation.of(8, 8), BitAllocation.of(8)));
        assertTrue(e3.getMessage().startsWith("activationBits has 1 entries, but bits has 2"), e3.getMessage());
        Candidate outside = new Candidate(java.util.Map.of("lr", 1e-2), BitAllocation.of(8, 8, 8, 8), BitAllocation.of(8, 2, 4, 32));
        assertEquals("activationBits: bits[2] is 4, but must be <= 2 (bit-widths must not increase with depth)",
                SPACE.violation(outside.bits(), outside.activationBits()).orElseThrow());
        assertEquals("[8/8, 8/2, 8/4, 8/32]", outside.bitsLabel());
    }
}
