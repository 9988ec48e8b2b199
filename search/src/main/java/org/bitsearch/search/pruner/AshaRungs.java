package org.bitsearch.search.pruner;


import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The rung epochs of ASHA (Li et al., "A system for massively parallel hyperparameter tuning", MLSys 2020):
 * rung k is at epoch r·η^(k+s) for k = 0, 1, ... while that is <= R.
 *
 * <p>Every rung below R prunes; R itself is where trials complete (the engine's epoch limit), so only a rung at
 * exactly R (when R = r·η^k) is a top rung. When R is not of that form, the last rung below R still prunes: with
 * r = 1, R = 3, η = 2 the rungs are epochs 1 and 2, both keep the top 1/η, and survivors complete at epoch 3.
 */
final class AshaRungs {
    private final int[] epochs;
    private final int maxResource;

    AshaRungs(PrunerConfig.Asha c) {
        maxResource = c.maxResource();
        List<Integer> list = new ArrayList<>();
        long e = c.minResource();
        for (int i = 0; i < c.earlyStoppingRate() && e <= c.maxResource(); i++) e *= c.reductionFactor();
        while (e <= c.maxResource()) {
            list.add((int) e);
            e *= c.reductionFactor();
        }
        epochs = list.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The rung index of {@code epoch}, or -1 if it is not a rung. */
    int rungOf(int epoch) {
        int i = Arrays.binarySearch(epochs, epoch);
        return i >= 0 ? i : -1;
    }

    /** Number of rungs. */
    int count() { return epochs.length; }

    /**
     * True if {@code rung} is at epoch R, where trials complete: nothing to promote to, so every trial reaching it
     * continues. A rung below R is never the top rung, even if it is the last one.
     */
    boolean isTop(int rung) { return epochs[rung] >= maxResource; }

    int epoch(int rung) { return epochs[rung]; }

    /** How many of {@code n} results at a rung continue: the top ⌊n/η⌋, but at least the best one. */
    static int quota(int n, int eta) { return Math.max(1, n / eta); }
}
