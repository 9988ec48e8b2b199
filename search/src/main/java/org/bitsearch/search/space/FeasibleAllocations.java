package org.bitsearch.search.space;

import org.bitsearch.search.rng.SplitMix64;

import java.util.ArrayList;
import java.util.List;

/**
 * Constructs feasible bit allocations of a {@link BitAllocationSpace}: draws them, repairs arbitrary ones and
 * enumerates them. Never rejects and redraws: every layer's choice is restricted to the bit-widths that still
 * leave a feasible completion, which always exists because the smallest model (free layers at the fewest bits)
 * satisfies every constraint. Immutable and thread-safe.
 */
public final class FeasibleAllocations {
    private final BitAllocationSpace space;
    private final int n;
    private final int[] free;          // indices of the free (unpinned) layers, in forward order
    private final long fixedBits;      // biases of every layer plus the weights of pinned layers
    private final long budget;
    private final List<Integer> allowed;
    /** completions[i][j]: number of non-increasing sequences over free layers i.. whose first value is <= allowed[j]. */
    private final double[][] completions;

    public FeasibleAllocations(BitAllocationSpace space) {
        this.space = space;
        this.n = space.size();
        this.allowed = space.allowedBits();
        List<Integer> f = new ArrayList<>();
        long fixed = 0;
        for (int l = 0; l < n; l++) {
            QuantLayer layer = space.layers().get(l);
            fixed += 32L * layer.biases();
            if (space.isPinned(l)) fixed += layer.weightBits(space.pinAt(l).getAsInt());
            else f.add(l);
        }
        this.free = f.stream().mapToInt(Integer::intValue).toArray();
        this.fixedBits = fixed;
        this.budget = space.maxSizeBits().orElse(Long.MAX_VALUE);
        int k = allowed.size();
        completions = new double[free.length + 1][k];
        for (int j = 0; j < k; j++) completions[free.length][j] = 1;
        for (int i = free.length - 1; i >= 0; i--) {
            double cumulative = 0;
            for (int j = 0; j < k; j++) {
                cumulative += completions[i + 1][j]; // choose allowed[j] here, the rest <= allowed[j]
                completions[i][j] = cumulative;
            }
        }
    }

    public BitAllocationSpace space() { return space; }

    /** Bits of {@code layer}'s weights (with their scales) at {@code bits}; see {@link QuantLayer#weightBits}. */
    private long weights(int layer, int bits) { return space.layers().get(layer).weightBits(bits); }

    /**
     * Size of the free layers {@code free[from..]}, each at its cheapest allowed width: a lower bound on any
     * completion. That is the fewest bits except for a layer with hardly more weights than scales, where 32 bits
     * (no scales) can be cheaper.
     */
    private long minRest(int[] order, int from) {
        long s = 0;
        for (int i = from; i < order.length; i++) {
            long cheapest = Long.MAX_VALUE;
            for (int b : allowed) cheapest = Math.min(cheapest, weights(order[i], b));
            s += cheapest;
        }
        return s;
    }

    /**
     * Size of the free layers {@code free[from..]} all at the fewest bits: a completion that always exists (it
     * never increases with depth), so a prefix within the budget with this rest can always be completed.
     */
    private long fewestRest(int[] order, int from) {
        long s = 0;
        for (int i = from; i < order.length; i++) s += weights(order[i], allowed.get(0));
        return s;
    }

    private int[] pinnedTemplate() {
        int[] bits = new int[n];
        for (int l = 0; l < n; l++) bits[l] = space.isPinned(l) ? space.pinAt(l).getAsInt() : 0;
        return bits;
    }

    private static BitAllocation toAllocation(int[] bits) {
        List<Integer> list = new ArrayList<>(bits.length);
        for (int b : bits) list.add(b);
        return new BitAllocation(list);
    }

    /**
     * Draws a feasible allocation. With the non-increasing constraint, layers are drawn in forward order and
     * each width is weighted by the number of non-increasing completions, so without a budget the draw is uniform
     * over all non-increasing allocations. Without it, free layers are visited in a random order and each takes a
     * uniform width among those that keep a completion within the budget (uniform and independent without budget).
     */
    public BitAllocation sample(SplitMix64 rng) {
        int[] bits = pinnedTemplate();
        long used = fixedBits;
        if (space.nonIncreasing()) {
            int bound = allowed.size() - 1; // index into allowed
            for (int i = 0; i < free.length; i++) {
                int layer = free[i];
                long rest = fewestRest(free, i + 1);
                double total = 0;
                double[] w = new double[bound + 1];
                for (int j = 0; j <= bound; j++) {
                    if (used + weights(layer, allowed.get(j)) + rest <= budget) {
                        w[j] = completions[i + 1][j];
                        total += w[j];
                    }
                }
                int pick = 0;
                double u = rng.nextDouble() * total;
                for (int j = 0; j <= bound; j++) {
                    if (w[j] == 0) continue;
                    pick = j;
                    if (u < w[j]) break;
                    u -= w[j];
                }
                bits[layer] = allowed.get(pick);
                used += weights(layer, allowed.get(pick));
                bound = pick;
            }
        } else {
            int[] order = free.clone();
            for (int i = order.length - 1; i > 0; i--) { // Fisher-Yates
                int j = rng.nextInt(i + 1);
                int t = order[i]; order[i] = order[j]; order[j] = t;
            }
            for (int i = 0; i < order.length; i++) {
                int layer = order[i];
                long rest = minRest(order, i + 1);
                List<Integer> feasible = new ArrayList<>(allowed.size());
                for (int b : allowed) if (used + weights(layer, b) + rest <= budget) feasible.add(b);
                int pick = feasible.get(rng.nextInt(feasible.size())); // not empty: the cheapest completion fits
                bits[layer] = pick;
                used += weights(layer, pick);
            }
        }
        return toAllocation(bits);
    }

    /**
     * Maps any per-layer proposal onto the nearest feasible allocation: pins applied, every other width moved to
     * the nearest allowed one (ties to the smaller), widths clamped so they never increase with depth (if
     * required), then, while over budget, a randomly chosen layer above the fewest bits drops one allowed step.
     *
     * @param proposed one bit-width per layer (any positive ints)
     */
    public BitAllocation repair(List<Integer> proposed, SplitMix64 rng) {
        if (proposed.size() != n)
            throw new IllegalArgumentException("bits has " + proposed.size() + " entries, but the model has " + n + " quantizable layers");
        int[] bits = pinnedTemplate();
        int[] idx = new int[n]; // index into allowed, free layers only
        for (int l : free) {
            int want = proposed.get(l);
            int best = 0;
            for (int j = 1; j < allowed.size(); j++)
                if (Math.abs(allowed.get(j) - want) < Math.abs(allowed.get(best) - want)) best = j;
            idx[l] = best;
        }
        if (space.nonIncreasing()) clampFrom(idx, 0);
        long size = fixedBits;
        for (int l : free) size += weights(l, allowed.get(idx[l]));
        while (size > budget) {
            int count = 0;
            for (int l : free) if (idx[l] > 0) count++;
            int k = rng.nextInt(count); // count > 0: all-fewest fits the budget (validated)
            int chosen = -1;
            for (int i = 0; i < free.length; i++) {
                if (idx[free[i]] > 0 && k-- == 0) { chosen = i; break; }
            }
            idx[free[chosen]]--;
            if (space.nonIncreasing()) clampFrom(idx, chosen);
            size = fixedBits;
            for (int l : free) size += weights(l, allowed.get(idx[l]));
        }
        for (int l : free) bits[l] = allowed.get(idx[l]);
        return toAllocation(bits);
    }

    private void clampFrom(int[] idx, int fromFree) {
        for (int i = Math.max(1, fromFree + 1); i < free.length; i++)
            idx[free[i]] = Math.min(idx[free[i]], idx[free[i - 1]]);
    }

    /**
     * Every feasible allocation in lexicographic order (layer 0 first, fewer bits first), or an exception if there
     * are more than {@code limit}.
     *
     * @throws IllegalArgumentException naming the limit if the space has more than {@code limit} allocations
     */
    public List<BitAllocation> enumerate(int limit) {
        List<BitAllocation> out = new ArrayList<>();
        int[] bits = pinnedTemplate();
        enumerate(0, allowed.size() - 1, fixedBits, bits, out, limit);
        return List.copyOf(out);
    }

    private void enumerate(int i, int bound, long used, int[] bits, List<BitAllocation> out, int limit) {
        if (i == free.length) {
            if (out.size() >= limit)
                throw new IllegalArgumentException("the bit allocation space has more than " + limit
                        + " feasible allocations, but a grid needs at most " + limit + ": use the random, TPE or NSGA-II sampler");
            out.add(toAllocation(bits));
            return;
        }
        int layer = free[i];
        long rest = minRest(free, i + 1);
        int top = space.nonIncreasing() ? bound : allowed.size() - 1;
        for (int j = 0; j <= top; j++) {
            long size = used + weights(layer, allowed.get(j));
            if (size + rest > budget) continue; // scales make 32 bits cheaper than fewer for a tiny layer
            bits[layer] = allowed.get(j);
            enumerate(i + 1, j, size, bits, out, limit);
        }
    }
}
