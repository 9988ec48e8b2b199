package org.bitsearch.search.sampler;

import org.bitsearch.search.rng.SplitMix64;
import org.bitsearch.search.space.BitAllocation;
import org.bitsearch.search.space.BitAllocationSpace;
import org.bitsearch.search.space.FeasibleAllocations;
import org.bitsearch.search.space.QuantLayer;
import org.bitsearch.search.trainer.LayerSensitivity;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.*;

/** The knapsack against brute force on seeded random tables and spaces (Jenetics-style oracle test). */
class SensitivityKnapsackTest {
    static final List<List<Integer>> BIT_SETS = List.of(List.of(1, 2, 4, 8, 32), List.of(2, 4, 8), List.of(1, 8),
            List.of(1, 2, 3, 4, 5, 6, 7, 8));

    /** A random table measured at 1, 2, 4, 8 bits, loss increase falling with bits, plus noise (some negative). */
    static LayerSensitivity randomTable(int layers, SplitMix64 rng) {
        List<LayerSensitivity.Entry> e = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            double scale = 0.01 + rng.nextDouble();
            for (int b : List.of(1, 2, 4, 8)) e.add(new LayerSensitivity.Entry(l, b, scale / (b * b) + 0.02 * (rng.nextDouble() - 0.3)));
        }
        return new LayerSensitivity("test", layers, e);
    }

    static BitAllocationSpace randomSpace(SplitMix64 rng) {
        int n = 1 + rng.nextInt(5);
        List<QuantLayer> layers = new ArrayList<>();
        for (int i = 0; i < n; i++) layers.add(new QuantLayer(i, "l" + i, 1 + rng.nextInt(3000), rng.nextInt(20)));
        List<Integer> allowed = BIT_SETS.get(rng.nextInt(BIT_SETS.size()));
        boolean ni = rng.nextDouble() < 0.5;
        OptionalInt pf = rng.nextDouble() < 0.3 ? OptionalInt.of(8) : OptionalInt.empty();
        OptionalInt pl = rng.nextDouble() < 0.3 && n > 1 ? OptionalInt.of(32) : OptionalInt.empty();
        BitAllocationSpace free = new BitAllocationSpace(layers, allowed, ni, pf, pl, Optional.empty());
        if (rng.nextDouble() < 0.3) return free;
        long min = free.smallestSizeBits(), max = free.fp32Bits();
        return new BitAllocationSpace(layers, allowed, ni, pf, pl, Optional.of(min + (long) (rng.nextDouble() * (max - min))));
    }

    static double cost(LayerSensitivity t, BitAllocation a) {
        double c = 0;
        for (int l = 0; l < a.layers(); l++) c += t.cost(l, a.get(l));
        return c;
    }

    @Test
    void everyBudgetGetsTheBruteForceOptimum() {
        SplitMix64 rng = new SplitMix64(20260101);
        for (int round = 0; round < 300; round++) {
            BitAllocationSpace space = randomSpace(rng);
            LayerSensitivity table = randomTable(space.size(), rng);
            List<BitAllocation> all = new FeasibleAllocations(space).enumerate(1_000_000);
            List<SensitivityKnapsack.Solution> front = SensitivityKnapsack.front(space, table);
            assertFalse(front.isEmpty());
            for (int i = 1; i < front.size(); i++) {
                assertTrue(front.get(i).sizeBits() > front.get(i - 1).sizeBits(), "sizes ascend");
                assertTrue(front.get(i).cost() < front.get(i - 1).cost(), "costs descend");
            }
            for (SensitivityKnapsack.Solution s : front) {
                assertEquals(Optional.empty(), space.violation(s.bits()), () -> space + " " + s);
                assertEquals(space.sizeBits(s.bits()), s.sizeBits());
                assertEquals(cost(table, s.bits()), s.cost(), 1e-12);
            }
            // 12 budgets across the range plus the sizes of 30 random allocations: the least cost within each
            List<Long> budgets = new ArrayList<>();
            for (int i = 0; i < 30; i++) budgets.add(space.sizeBits(all.get(rng.nextInt(all.size()))));
            long lo = space.smallestSizeBits(), hi = space.maxSizeBits().orElse(space.fp32Bits());
            for (int i = 0; i <= 12; i++) budgets.add(lo + (hi - lo) * i / 12);
            for (long b : budgets) {
                double oracle = Double.POSITIVE_INFINITY;
                for (BitAllocation a : all) if (space.sizeBits(a) <= b) oracle = Math.min(oracle, cost(table, a));
                SensitivityKnapsack.Solution got = SensitivityKnapsack.best(front, b);
                if (oracle == Double.POSITIVE_INFINITY) assertNull(got);
                else {
                    int r = round;
                    assertNotNull(got, () -> "round " + r + ": budget " + b);
                    assertEquals(oracle, got.cost(), 1e-12, () -> "round " + r + ": " + space + " budget " + b);
                    assertTrue(got.sizeBits() <= b);
                }
            }
        }
    }

    @Test
    void ladderSpansTheFeasibleRangeInAscendingBudgets() {
        List<QuantLayer> layers = List.of(new QuantLayer(0, "a", 1000, 10), new QuantLayer(1, "b", 4000, 10), new QuantLayer(2, "c", 500, 10));
        BitAllocationSpace space = new BitAllocationSpace(layers, List.of(1, 2, 4, 8, 32), false, OptionalInt.empty(), OptionalInt.empty(), Optional.empty());
        LayerSensitivity table = randomTable(3, new SplitMix64(3));
        List<SensitivityKnapsack.Solution> front = SensitivityKnapsack.front(space, table);
        List<SensitivityKnapsack.Solution> ladder = SensitivityKnapsack.ladder(front, 6);
        assertEquals(front.get(0), ladder.get(0), "the lowest rung is the smallest model");
        assertEquals(front.get(front.size() - 1), ladder.get(ladder.size() - 1), "the top rung is the least-loss model");
        assertEquals(BitAllocation.of(1, 1, 1), ladder.get(0).bits());
        for (int i = 1; i < ladder.size(); i++) assertTrue(ladder.get(i).sizeBits() > ladder.get(i - 1).sizeBits());
        assertTrue(ladder.size() >= 4, "six budgets give several distinct allocations: " + ladder);
    }

    @Test
    void moreSensitiveLayersGetMoreBits() {
        // same sizes; layer 1 is 100x as sensitive: at a budget for one wide layer, layer 1 gets it
        List<QuantLayer> layers = List.of(new QuantLayer(0, "a", 1000, 0), new QuantLayer(1, "b", 1000, 0), new QuantLayer(2, "c", 1000, 0));
        BitAllocationSpace space = new BitAllocationSpace(layers, List.of(1, 8), false, OptionalInt.empty(), OptionalInt.empty(), Optional.empty());
        List<LayerSensitivity.Entry> e = new ArrayList<>();
        for (int l = 0; l < 3; l++) e.add(new LayerSensitivity.Entry(l, 1, l == 1 ? 1.0 : 0.01));
        SensitivityKnapsack.Solution s = SensitivityKnapsack.best(SensitivityKnapsack.front(space, new LayerSensitivity("t", 3, e)), 1000L * 10 + 3 * 32 + 50);
        assertEquals(BitAllocation.of(1, 8, 1), s.bits());
    }

    @Test
    void tableInterpolatesAndFullPrecisionIsFree() {
        LayerSensitivity t = new LayerSensitivity("t", 1, List.of(new LayerSensitivity.Entry(0, 2, 0.4), new LayerSensitivity.Entry(0, 4, 0.2),
                new LayerSensitivity.Entry(0, 8, -0.01)));
        assertEquals(0.3, t.cost(0, 3), 1e-12);
        assertEquals(0.0, t.cost(0, 8), "a measured decrease is clamped to 0");
        assertEquals(0.0, t.cost(0, 32));
        assertEquals(0.4, t.cost(0, 1), "below the narrowest measured width: that width's value");
        assertThrows(IllegalArgumentException.class, () -> new LayerSensitivity("t", 2, List.of(new LayerSensitivity.Entry(0, 2, 0.4))),
                "a layer without a measurement is refused");
    }
}
