package org.bitsearch.search.sampler;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.bitsearch.search.pruner.PrunerConfig;
import org.bitsearch.search.engine.SearchEngine;
import org.bitsearch.search.engine.SearchSettings;
import org.bitsearch.search.rng.SplitMix64;
import org.bitsearch.search.space.BitAllocation;
import org.bitsearch.search.space.BitAllocationSpace;
import org.bitsearch.search.space.Dimension;
import org.bitsearch.search.space.QuantLayer;
import org.bitsearch.search.space.SearchSpace;
import org.bitsearch.search.trial.Candidate;
import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.search.trial.TrialState;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.*;

/** Every sampler, on random spaces, constraints and budgets, only ever proposes feasible candidates inside the space. */
class SamplerProperties {

    @Provide
    static Arbitrary<SearchSpace> spaces() {
        Arbitrary<List<Long>> weights = Arbitraries.longs().between(1, 4000).list().ofMinSize(1).ofMaxSize(5);
        Arbitrary<List<Integer>> allowed = Arbitraries.of(BitAllocation.SUPPORTED).set().ofMinSize(1).ofMaxSize(4).map(ArrayList::new);
        Arbitrary<Integer> pin = Arbitraries.of(0, 2, 8, 32);
        return Combinators.combine(weights, allowed, Arbitraries.of(true, false), pin, pin, Arbitraries.doubles().between(-0.3, 1.0))
                .as((w, a, ni, first, last, fraction) -> {
                    List<QuantLayer> layers = new ArrayList<>();
                    for (int i = 0; i < w.size(); i++) layers.add(new QuantLayer(i, "l" + i, w.get(i), 1));
                    if (w.size() == 1 && first != 0 && last != 0) last = first;
                    OptionalInt pf = first == 0 ? OptionalInt.empty() : OptionalInt.of(first);
                    OptionalInt pl = last == 0 ? OptionalInt.empty() : OptionalInt.of(last);
                    BitAllocationSpace free = new BitAllocationSpace(layers, a, ni, pf, pl, Optional.empty());
                    Optional<Long> budget = fraction < 0 ? Optional.empty()
                            : Optional.of(free.smallestSizeBits() + (long) (fraction * Math.max(0, free.fp32Bits() - free.smallestSizeBits())));
                    return new SearchSpace(List.of(new Dimension.LogFloatRange("lr", 1e-4, 1e-1), new Dimension.IntRange("width", 1, 9),
                            new Dimension.Categorical("opt", List.of("adam", "sgd"))),
                            new BitAllocationSpace(layers, a, ni, pf, pl, budget));
                });
    }

    @Provide
    static Arbitrary<SamplerConfig> samplers() {
        return Arbitraries.of(new SamplerConfig.Random(), new SamplerConfig.Tpe(3, 8, 0.3), new SamplerConfig.Nsga2(4, 0.3, 0.8),
                new SamplerConfig.Grid(2));
    }

    @Property(tries = 120)
    void neverProposesAnInfeasibleCandidate(@ForAll("spaces") SearchSpace space, @ForAll("samplers") SamplerConfig sampler, @ForAll long seed) {
        SearchEngine e = new SearchEngine(SearchSettings.of(space, sampler, new PrunerConfig.None(), seed, 24, 4, 2));
        SplitMix64 results = new SplitMix64(seed);
        int guard = 0;
        while (!e.isDone() && guard++ < 1000) {
            var p = e.ask();
            if (p.isPresent()) {
                assertEquals(Optional.empty(), space.bits().violation(p.get().candidate().bits()), () -> "proposed " + p.get());
                for (Dimension d : space.dimensions()) assertTrue(d.contains(p.get().candidate().params().get(d.name())), () -> d + " " + p.get());
                continue;
            }
            for (var t : e.trials()) {
                if (t.state().isFinished()) continue;
                e.report(t.number(), new EpochMetrics(1, results.nextDouble(), 1, 1, 0, 0));
                e.finish(t.number(), results.nextInt(8) == 0 ? TrialState.FAILED : TrialState.COMPLETED);
            }
        }
        assertTrue(e.isDone());
    }

    /**
     * NSGA-II's first generation on random spaces and population sizes: every row feasible and inside the space;
     * without a size budget every free layer has each allowed width ⌊n/k⌋ or ⌈n/k⌉ times (also with non-increasing
     * widths and pins), and each numeric hyperparameter one value per stratum.
     */
    @Property(tries = 200)
    void theFirstGenerationIsFeasibleBalancedAndStratified(@ForAll("spaces") SearchSpace space,
                                                           @ForAll @IntRange(min = 1, max = 40) int n, @ForAll long seed) {
        List<Candidate> rows = SpaceFillingDesign.of(space, n, seed);
        assertEquals(n, rows.size());
        for (var c : rows) {
            assertEquals(Optional.empty(), space.bits().violation(c.bits()), () -> "row " + c);
            for (Dimension d : space.dimensions()) assertTrue(d.contains(c.params().get(d.name())), () -> d + " " + c);
        }
        if (space.bits().maxSizeBits().isEmpty()) SpaceFillingDesignTest.assertBalanced(rows, space.bits(), false, "n " + n);
        SpaceFillingDesignTest.assertStratified(rows, space.dimensions().get(0), "n " + n);
    }
}
