package org.bitsearch.search.sampler;

import org.bitsearch.search.space.BitAllocation;
import org.bitsearch.search.space.BitAllocationSpace;
import org.bitsearch.search.trainer.LayerSensitivity;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The multiple-choice knapsack of mixed-precision allocation (as in HAWQ-V2/V3, Dong et al. 2020): choose one
 * bit-width b_l per layer to minimise the predicted loss increase Σ_l Ω_l(b_l) (from a {@link LayerSensitivity}
 * table; additive across layers) subject to the model size (weights with their scales plus 32-bit biases, as
 * {@link org.bitsearch.search.space.ModelSize} counts it) ≤ budget, the pins and,
 * if required, bit-widths that do not increase with depth.
 *
 * <p>Solved exactly for every budget at once by dynamic programming over Pareto sets: after each layer, keep only
 * the partial allocations not dominated in (size, cost) (per last chosen width when the non-increasing constraint
 * applies); the final set, sorted by size, holds for every budget B the least-cost allocation of size ≤ B. A set
 * larger than {@value #MAX_STATES} is thinned to evenly spaced sizes, which makes the answer approximate only for
 * such large models (the tests check exactness against brute force below that). Pure and deterministic.
 */
public final class SensitivityKnapsack {
    /** The most partial allocations kept per bucket and layer. */
    public static final int MAX_STATES = 20_000;

    /** One Pareto-optimal allocation: its size in bits and predicted loss increase. */
    public record Solution(BitAllocation bits, long sizeBits, double cost) {}

    private record State(long size, double cost, int[] idx) {}

    private SensitivityKnapsack() {}

    /**
     * Every Pareto-optimal feasible allocation of {@code space} under {@code table}, by size ascending (and cost
     * strictly descending). The first is the smallest feasible model, the last the least-cost one.
     *
     * @throws IllegalArgumentException if the table's layer count differs from the space's
     */
    public static List<Solution> front(BitAllocationSpace space, LayerSensitivity table) {
        int n = space.size();
        if (table.layers() != n)
            throw new IllegalArgumentException("the sensitivity table has " + table.layers() + " layers, but the model has " + n);
        long budget = space.maxSizeBits().orElse(Long.MAX_VALUE);
        long[] minRest = new long[n + 1]; // smallest size of layers l.. (weights and biases)
        for (int l = n - 1; l >= 0; l--) {
            var layer = space.layers().get(l);
            long cheapest = Long.MAX_VALUE; // the fewest bits, except where 32 bits (no scales) is cheaper
            for (int b : space.choicesAt(l)) cheapest = Math.min(cheapest, layer.weightBits(b));
            minRest[l] = minRest[l + 1] + cheapest + 32L * layer.biases();
        }
        int k = space.allowedBits().size();
        boolean chained = space.nonIncreasing();
        // bucket = index (into allowedBits) of the last free layer's width; k buckets if chained, else one (index k-1)
        List<List<State>> buckets = new ArrayList<>();
        for (int j = 0; j < k; j++) buckets.add(new ArrayList<>());
        buckets.get(k - 1).add(new State(0, 0, new int[0]));
        for (int l = 0; l < n; l++) {
            var layer = space.layers().get(l);
            List<Integer> choices = space.choicesAt(l);
            boolean pinned = space.isPinned(l);
            List<List<State>> next = new ArrayList<>();
            for (int j = 0; j < k; j++) next.add(new ArrayList<>());
            for (int from = 0; from < k; from++) {
                for (State s : buckets.get(from)) {
                    for (int c = 0; c < choices.size(); c++) {
                        int to = pinned ? from : (chained ? c : k - 1);
                        if (!pinned && chained && c > from) break;
                        int b = choices.get(c);
                        long size = s.size + layer.weightBits(b) + 32L * layer.biases();
                        if (size + minRest[l + 1] > budget) continue; // 32 bits has no scales: sizes need not ascend
                        int[] idx = Arrays.copyOf(s.idx, l + 1);
                        idx[l] = c;
                        next.get(to).add(new State(size, s.cost + table.cost(l, b), idx));
                    }
                }
            }
            for (int j = 0; j < k; j++) next.set(j, prune(next.get(j)));
            buckets = next;
        }
        List<State> all = new ArrayList<>();
        buckets.forEach(all::addAll);
        List<Solution> out = new ArrayList<>();
        for (State s : prune(all)) {
            List<Integer> bits = new ArrayList<>(n);
            for (int l = 0; l < n; l++) bits.add(space.choicesAt(l).get(s.idx[l]));
            out.add(new Solution(new BitAllocation(bits), s.size, s.cost));
        }
        return List.copyOf(out);
    }

    /** The non-dominated states by (size up, cost down), thinned to {@link #MAX_STATES}. */
    private static List<State> prune(List<State> states) {
        states.sort(Comparator.comparingLong(State::size).thenComparingDouble(State::cost)
                .thenComparing(State::idx, Arrays::compare));
        List<State> kept = new ArrayList<>();
        double best = Double.POSITIVE_INFINITY;
        for (State s : states) {
            if (s.cost < best) { kept.add(s); best = s.cost; }
        }
        if (kept.size() <= MAX_STATES) return kept;
        List<State> thin = new ArrayList<>(MAX_STATES);
        for (int i = 0; i < MAX_STATES; i++) thin.add(kept.get((int) ((long) i * (kept.size() - 1) / (MAX_STATES - 1))));
        return thin;
    }

    /** The least-cost solution of {@code front} with size ≤ {@code budgetBits}, or null if none fits. */
    public static Solution best(List<Solution> front, long budgetBits) {
        Solution best = null;
        for (Solution s : front) {
            if (s.sizeBits() > budgetBits) break;
            best = s; // costs strictly decrease along the front
        }
        return best;
    }

    /**
     * The ladder: for {@code steps} budgets evenly spaced from the smallest to the largest size on {@code front},
     * the least-cost allocation within each, distinct, in ascending budget order.
     */
    public static List<Solution> ladder(List<Solution> front, int steps) {
        if (steps < 1) throw new IllegalArgumentException("steps is " + steps + ", but must be >= 1");
        if (front.isEmpty()) return List.of();
        long lo = front.get(0).sizeBits(), hi = front.get(front.size() - 1).sizeBits();
        List<Solution> out = new ArrayList<>();
        for (int i = 0; i < steps; i++) {
            long budget = steps == 1 ? hi : lo + (long) Math.floor((double) (hi - lo) * i / (steps - 1));
            Solution s = best(front, budget);
            if (s != null && (out.isEmpty() || !out.get(out.size() - 1).bits().equals(s.bits()))) out.add(s);
        }
        return List.copyOf(out);
    }
}
