package org.bitsearch.search.sampler;

import org.bitsearch.search.engine.ReportRef;
import org.bitsearch.search.engine.SearchEngine;
import org.bitsearch.search.engine.SearchSettings;
import org.bitsearch.search.engine.Seeds;
import org.bitsearch.search.pruner.PrunerConfig;
import org.bitsearch.search.rng.SplitMix64;
import org.bitsearch.search.space.Architectures;
import org.bitsearch.search.space.BitAllocationSpace;
import org.bitsearch.search.space.DepthPrior;
import org.bitsearch.search.space.Dimension;
import org.bitsearch.search.space.Dimensions;
import org.bitsearch.search.space.SearchSpace;
import org.bitsearch.search.trial.Candidate;
import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.search.trial.TrialState;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** NSGA-II's first generation: the space-filling design ({@link SpaceFillingDesign}) and how the sampler uses it. */
class SpaceFillingDesignTest {
    /** Figure 9's space: MLP 784-256-128-10, bits {1, 2, 4, 8} per layer, learning rate log-uniform. */
    static final BitAllocationSpace FIG9_BITS = new BitAllocationSpace(Architectures.mlp(784, List.of(256, 128), 10),
            List.of(1, 2, 4, 8), false, OptionalInt.empty(), OptionalInt.empty(), Optional.empty());
    static final Dimension.LogFloatRange LR = new Dimension.LogFloatRange("learningRate", 3e-4, 1e-2);
    static final SearchSpace FIG9 = new SearchSpace(List.of(LR), FIG9_BITS);

    /** count[l][width]: how often each layer has each width among {@code rows}. */
    static List<Map<Integer, Integer>> widthCounts(List<Candidate> rows, int layers, boolean activations) {
        List<Map<Integer, Integer>> out = new ArrayList<>();
        for (int l = 0; l < layers; l++) out.add(new HashMap<>());
        for (Candidate c : rows)
            for (int l = 0; l < layers; l++)
                out.get(l).merge(activations ? c.activationBits().orElseThrow().get(l) : c.bits().get(l), 1, Integer::sum);
        return out;
    }

    /** Asserts that every free layer has every allowed width between ⌊n/k⌋ and ⌈n/k⌉ times. */
    static void assertBalanced(List<Candidate> rows, BitAllocationSpace bits, boolean activations, String what) {
        int n = rows.size(), k = bits.allowedBits().size();
        List<Map<Integer, Integer>> counts = widthCounts(rows, bits.size(), activations);
        for (int l = 0; l < bits.size(); l++) {
            if (bits.isPinned(l)) {
                assertEquals(Map.of(bits.pinAt(l).getAsInt(), n), counts.get(l), what + ": pinned layer " + l);
                continue;
            }
            for (int b : bits.allowedBits()) {
                int c = counts.get(l).getOrDefault(b, 0);
                assertTrue(c >= n / k && c <= (n + k - 1) / k, what + ": layer " + l + " has " + b + " bits " + c + " times of " + n + ": " + counts.get(l));
            }
        }
    }

    /** Asserts that the n values of a numeric dimension lie one in each of the n strata of its unit encoding. */
    static void assertStratified(List<Candidate> rows, Dimension d, String what) {
        int n = rows.size();
        Set<Integer> strata = new HashSet<>();
        for (Candidate c : rows) {
            double u = Dimensions.toUnit(d, c.params().get(d.name()));
            strata.add(Math.min(n - 1, (int) Math.floor(u * n)));
        }
        assertEquals(n, strata.size(), what + ": " + d.name() + " has " + strata.size() + " distinct strata of " + n);
    }

    @Test void eachWidthOfEachLayerEquallyOftenAndOneLearningRatePerStratum() {
        for (long seed = 0; seed < 200; seed++) {
            List<Candidate> rows = SpaceFillingDesign.of(FIG9, 8, Seeds.designSeed(seed));
            assertEquals(8, rows.size());
            List<Map<Integer, Integer>> counts = widthCounts(rows, 3, false);
            for (int l = 0; l < 3; l++) assertEquals(Map.of(1, 2, 2, 2, 4, 2, 8, 2), counts.get(l), "seed " + seed + ", layer " + l);
            assertStratified(rows, LR, "seed " + seed);
            assertEquals(8, new HashSet<>(rows).size(), "seed " + seed + ": the rows are distinct");
        }
        for (int n : new int[]{2, 5, 10, 13, 31}) {
            List<Candidate> rows = SpaceFillingDesign.of(FIG9, n, 99);
            assertBalanced(rows, FIG9_BITS, false, "n " + n);
            assertStratified(rows, LR, "n " + n);
        }
    }

    @Test void categoricalAndIntegerDimensionsAreBalancedAndStratified() {
        Dimension.Categorical opt = new Dimension.Categorical("opt", List.of("adam", "sgd", "rmsprop"));
        Dimension.IntRange batch = new Dimension.IntRange("batch", 0, 99);
        Dimension.FloatRange drop = new Dimension.FloatRange("dropout", 0.0, 0.5);
        SearchSpace space = new SearchSpace(List.of(opt, batch, drop, LR), FIG9_BITS);
        for (long seed = 0; seed < 50; seed++) {
            List<Candidate> rows = SpaceFillingDesign.of(space, 10, seed);
            Map<Object, Integer> choices = new HashMap<>();
            for (Candidate c : rows) choices.merge(c.params().get("opt"), 1, Integer::sum);
            assertEquals(3, choices.size(), "seed " + seed + ": " + choices);
            assertTrue(choices.values().stream().allMatch(c -> c == 3 || c == 4), "seed " + seed + ": " + choices);
            Set<Long> tens = new HashSet<>();
            for (Candidate c : rows) tens.add(Math.min(9, (Long) c.params().get("batch") / 10));
            assertTrue(tens.size() >= 9, "seed " + seed + ": batch strata " + tens); // rounding may move a value across a stratum edge
            assertStratified(rows, drop, "seed " + seed);
            assertStratified(rows, LR, "seed " + seed);
        }
    }

    @Test void theDesignIsAFunctionOfTheSeedAlone() {
        assertEquals(SpaceFillingDesign.of(FIG9, 8, 43), SpaceFillingDesign.of(FIG9, 8, 43));
        assertNotEquals(SpaceFillingDesign.of(FIG9, 8, 43), SpaceFillingDesign.of(FIG9, 8, 44));
        assertNotEquals(Seeds.designSeed(43), Seeds.designSeed(44));
        assertNotEquals(Seeds.designSeed(43), Seeds.trialSeed(43, 0));
        assertThrows(IllegalArgumentException.class, () -> SpaceFillingDesign.of(FIG9, 0, 1));
    }

    @Test void nonIncreasingWidthsStayExactlyBalancedWithoutTheDepthPrior() {
        BitAllocationSpace bits = new BitAllocationSpace(Architectures.mlp(64, List.of(32, 32, 16), 10), List.of(1, 2, 4, 8, 32),
                true, OptionalInt.empty(), OptionalInt.empty(), Optional.empty());
        SearchSpace space = new SearchSpace(List.of(LR), bits);
        for (long seed = 0; seed < 200; seed++) {
            for (int n : new int[]{5, 8, 12}) {
                List<Candidate> rows = SpaceFillingDesign.of(space, n, seed);
                for (Candidate c : rows) assertTrue(bits.isFeasible(c.bits()), "seed " + seed + ": " + c.bits());
                assertBalanced(rows, bits, false, "seed " + seed + ", n " + n);
            }
        }
    }

    @Test void pinsAreKeptAndTheFreeLayersBalanced() {
        BitAllocationSpace bits = new BitAllocationSpace(Architectures.mlp(64, List.of(32, 16), 10), List.of(2, 4, 8),
                true, OptionalInt.of(8), OptionalInt.of(32), Optional.empty());
        SearchSpace space = new SearchSpace(List.of(LR), bits);
        for (long seed = 0; seed < 100; seed++) {
            List<Candidate> rows = SpaceFillingDesign.of(space, 9, seed);
            for (Candidate c : rows) assertTrue(bits.isFeasible(c.bits()), "seed " + seed + ": " + c.bits());
            assertBalanced(rows, bits, false, "seed " + seed);
        }
    }

    /** Under a size budget a row that fits is kept as it is; one that does not is repaired down to a feasible one. */
    @Test void aSizeBudgetIsRespectedByRepairingOnlyTheRowsOverIt() {
        BitAllocationSpace free = FIG9_BITS;
        long budget = free.smallestSizeBits() + (free.fp32Bits() - free.smallestSizeBits()) / 10;
        BitAllocationSpace bits = new BitAllocationSpace(free.layers(), free.allowedBits(), false, OptionalInt.empty(), OptionalInt.empty(), Optional.of(budget));
        SearchSpace space = new SearchSpace(List.of(LR), bits);
        int repaired = 0;
        for (long seed = 0; seed < 100; seed++) {
            List<Candidate> rows = SpaceFillingDesign.of(space, 8, seed), unconstrained = SpaceFillingDesign.of(FIG9, 8, seed);
            for (int i = 0; i < 8; i++) {
                Candidate c = rows.get(i), u = unconstrained.get(i);
                assertEquals(Optional.empty(), bits.violation(c.bits()), "seed " + seed + ", row " + i);
                assertEquals(u.params(), c.params(), "the budget does not change the hyperparameters");
                if (free.sizeBits(u.bits()) <= budget) assertEquals(u.bits(), c.bits(), "seed " + seed + ", row " + i + " fits and is kept");
                else {
                    repaired++;
                    for (int l = 0; l < 3; l++) assertTrue(c.bits().get(l) <= u.bits().get(l), "seed " + seed + ", row " + i + ": " + c.bits() + " from " + u.bits());
                }
            }
        }
        assertTrue(repaired > 50, "the budget is tight enough to repair rows: " + repaired);
    }

    @Test void withTheDepthPriorTheCountsFollowItsMarginalRoundedByLargestRemainder() {
        BitAllocationSpace bits = FIG9_BITS.withDepthPrior(1.0);
        SearchSpace space = new SearchSpace(List.of(LR), bits);
        int n = 16;
        for (long seed = 0; seed < 50; seed++) {
            List<Map<Integer, Integer>> counts = widthCounts(SpaceFillingDesign.of(space, n, seed), 3, false);
            for (int l = 0; l < 3; l++) {
                double[] p = DepthPrior.probabilities(bits, l);
                for (int j = 0; j < 4; j++) {
                    int c = counts.get(l).getOrDefault(bits.allowedBits().get(j), 0);
                    assertTrue(Math.abs(c - n * p[j]) < 1, "seed " + seed + ", layer " + l + ", " + bits.allowedBits().get(j) + " bits: " + c + " vs " + n * p[j]);
                }
            }
            assertEquals(Map.of(1, 4, 2, 4, 4, 4, 8, 4), counts.get(0), "the first layer is uniform under the prior");
        }
    }

    @Test void largestRemainderCounts() {
        assertArrayEquals(new int[]{3, 3, 2, 2}, SpaceFillingDesign.counts(10, new double[]{0.25, 0.25, 0.25, 0.25}, new int[]{0, 1, 2, 3}));
        assertArrayEquals(new int[]{2, 3, 2, 3}, SpaceFillingDesign.counts(10, new double[]{0.25, 0.25, 0.25, 0.25}, new int[]{3, 1, 0, 2}));
        assertArrayEquals(new int[]{5, 3, 2}, SpaceFillingDesign.counts(10, new double[]{0.46, 0.34, 0.2}, new int[]{2, 1, 0}));
    }

    @Test void activationBitsAreBalancedToo() {
        BitAllocationSpace acts = new BitAllocationSpace(FIG9_BITS.layers(), List.of(2, 4, 8), false, OptionalInt.empty(), OptionalInt.of(32), Optional.empty());
        SearchSpace space = new SearchSpace(List.of(LR), FIG9_BITS, Optional.of(acts));
        for (long seed = 0; seed < 50; seed++) {
            List<Candidate> rows = SpaceFillingDesign.of(space, 12, seed);
            assertBalanced(rows, FIG9_BITS, false, "weights, seed " + seed);
            assertBalanced(rows, acts, true, "activations, seed " + seed);
            for (Candidate c : rows) assertEquals(Optional.empty(), space.violation(c.bits(), c.activationBits()));
        }
    }

    private static SearchSettings nsga2(long seed, int trials, int concurrent) {
        return SearchSettings.of(FIG9, new SamplerConfig.Nsga2(8, 0.2, 0.9), new PrunerConfig.None(), seed, trials, concurrent, 1);
    }

    /** NSGA-II's generation 0 is the design, row t for trial t, whether its trials are asked at once or one by one. */
    @Test void nsga2ProposesTheDesignAsItsFirstGeneration() {
        for (long seed : new long[]{42, 43, 44}) {
            List<Candidate> design = SpaceFillingDesign.of(FIG9, 8, Seeds.designSeed(seed));
            SearchEngine atOnce = new SearchEngine(nsga2(seed, 16, 8));
            List<Candidate> asked = new ArrayList<>();
            for (int t = 0; t < 8; t++) asked.add(atOnce.ask().orElseThrow().candidate());
            assertEquals(design, asked, "seed " + seed);
            SearchEngine oneByOne = new SearchEngine(nsga2(seed, 16, 1));
            SplitMix64 acc = new SplitMix64(seed);
            for (int t = 0; t < 16; t++) {
                Candidate c = oneByOne.ask().orElseThrow().candidate();
                if (t < 8) assertEquals(design.get(t), c, "seed " + seed + ", trial " + t);
                else assertFalse(design.contains(c), "seed " + seed + ", trial " + t + " is bred, not a design row");
                oneByOne.report(t, new EpochMetrics(1, 0.5 + 0.4 * acc.nextDouble(), 1, 1, 0, 0));
                oneByOne.finish(t, TrialState.COMPLETED);
            }
        }
    }

    /** A search restored in the middle of its first generation proposes the rest of the same design. */
    @Test void aSearchResumedInTheFirstGenerationGoesOnWithTheSameDesign() {
        SearchSettings s = nsga2(43, 16, 2);
        SearchEngine original = new SearchEngine(s);
        List<Candidate> all = new ArrayList<>();
        List<ReportRef> order = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            all.add(original.ask().orElseThrow().candidate());
            original.report(t, new EpochMetrics(1, 0.6 + 0.01 * t, 1, 1, 0, 0));
            order.add(new ReportRef(t, 1));
            original.finish(t, TrialState.COMPLETED);
        }
        SearchEngine restored = SearchEngine.restore(s, original.trials(), order);
        for (int t = 3; t < 8; t++) {
            Candidate c = original.ask().orElseThrow().candidate();
            assertEquals(c, restored.ask().orElseThrow().candidate(), "trial " + t);
            for (SearchEngine e : List.of(original, restored)) {
                e.report(t, new EpochMetrics(1, 0.6, 1, 1, 0, 0));
                e.finish(t, TrialState.COMPLETED);
            }
            all.add(c);
        }
        assertEquals(SpaceFillingDesign.of(FIG9, 8, Seeds.designSeed(43)), all);
    }

    /** A space with fewer distinct candidates than rows: repeated rows are replaced by random draws, all feasible. */
    @Test void aSpaceTooSmallForDistinctRowsFallsBackToRandomDraws() {
        BitAllocationSpace bits = new BitAllocationSpace(Architectures.mlp(8, List.of(), 2), List.of(4, 8), false,
                OptionalInt.empty(), OptionalInt.empty(), Optional.empty());
        SearchSpace space = new SearchSpace(List.of(), bits);
        SearchEngine e = new SearchEngine(SearchSettings.of(space, new SamplerConfig.Nsga2(4, 0.2, 0.9), new PrunerConfig.None(), 5, 4, 4, 1));
        Set<Candidate> seen = new HashSet<>();
        for (int t = 0; t < 4; t++) {
            Candidate c = e.ask().orElseThrow().candidate();
            assertTrue(bits.isFeasible(c.bits()));
            seen.add(c);
        }
        assertEquals(2, seen.size());
    }
}
