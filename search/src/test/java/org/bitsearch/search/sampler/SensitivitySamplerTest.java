package org.bitsearch.search.sampler;

import org.bitsearch.search.pruner.PrunerConfig;
import org.bitsearch.search.engine.SearchEngine;
import org.bitsearch.search.engine.SearchSettings;
import org.bitsearch.search.rng.SplitMix64;
import org.bitsearch.search.space.BitAllocation;
import org.bitsearch.search.space.BitAllocationSpace;
import org.bitsearch.search.space.Dimension;
import org.bitsearch.search.space.QuantLayer;
import org.bitsearch.search.space.SearchSpace;
import org.bitsearch.search.trainer.LayerSensitivity;
import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.search.trial.TrialState;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

class SensitivitySamplerTest {
    static final List<QuantLayer> LAYERS = List.of(new QuantLayer(0, "d0", 200_704, 256), new QuantLayer(1, "d1", 32_768, 128),
            new QuantLayer(2, "d2", 1_280, 10));

    static SearchSettings settings(LayerSensitivity table, AtomicInteger asked, boolean nonIncreasing) {
        BitAllocationSpace bits = new BitAllocationSpace(LAYERS, List.of(1, 2, 4, 8), nonIncreasing, OptionalInt.empty(), OptionalInt.empty(), Optional.empty());
        SearchSpace space = new SearchSpace(List.of(new Dimension.LogFloatRange("learningRate", 1e-4, 1e-2)), bits);
        return SearchSettings.of(space, new SamplerConfig.Sensitivity(5, 0.2, () -> { asked.incrementAndGet(); return table; }),
                new PrunerConfig.None(), 7, 30, 4, 3);
    }

    @Test
    void proposesTheLadderFirstThenFeasibleLocalMovesAroundTheFront() {
        LayerSensitivity table = SensitivityKnapsackTest.randomTable(3, new SplitMix64(11));
        AtomicInteger asked = new AtomicInteger();
        SearchSettings s = settings(table, asked, true);
        SearchEngine engine = new SearchEngine(s);
        List<SensitivityKnapsack.Solution> ladder = SensitivityKnapsack.ladder(SensitivityKnapsack.front(s.space().bits(), table), 5);
        List<BitAllocation> proposed = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            var p = engine.ask().orElseThrow();
            proposed.add(p.candidate().bits());
            if (i < ladder.size()) assertEquals(ladder.get(i).bits(), p.candidate().bits(), "trial " + i + " is ladder rung " + i);
            assertTrue(s.space().bits().isFeasible(p.candidate().bits()));
            // accuracy falls with the predicted loss: the front is the ladder's
            double acc = 0.9 - SensitivityKnapsackTest.cost(table, p.candidate().bits()) * 0.1;
            for (int e = 1; e <= 3; e++) engine.report(p.number(), new EpochMetrics(e, Math.max(0, acc), 0.5, 0.5, 1, 1));
            engine.finish(p.number(), TrialState.COMPLETED);
        }
        assertEquals(1, asked.get(), "the table is asked once");
        assertEquals(30, engine.trials().stream().map(t -> t.candidate()).distinct().count(), "no candidate is repeated");
        // determinism: a second engine on the same settings proposes the same
        SearchEngine again = new SearchEngine(settings(table, new AtomicInteger(), true));
        for (int i = 0; i < ladder.size(); i++) assertEquals(proposed.get(i), again.ask().orElseThrow().candidate().bits());
    }

    @Test
    void localMovesChangeOneLayerByOneStep() {
        LayerSensitivity table = SensitivityKnapsackTest.randomTable(3, new SplitMix64(5));
        SearchSettings s = settings(table, new AtomicInteger(), false);
        SensitivitySampler sampler = new SensitivitySampler(s.space(), (SamplerConfig.Sensitivity) s.sampler());
        sampler.ladder();
        SplitMix64 rng = new SplitMix64(9);
        List<Integer> allowed = s.space().bits().allowedBits();
        for (int i = 0; i < 200; i++) {
            BitAllocation parent = BitAllocation.of(2, 4, 8);
            BitAllocation child = sampler.move(parent, rng);
            int changed = 0;
            for (int l = 0; l < 3; l++) if (child.get(l) != parent.get(l)) {
                changed++;
                assertEquals(1, Math.abs(allowed.indexOf(child.get(l)) - allowed.indexOf(parent.get(l))));
            }
            assertEquals(1, changed, parent + " -> " + child);
        }
    }
}
