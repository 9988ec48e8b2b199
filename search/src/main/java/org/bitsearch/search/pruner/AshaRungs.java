package org.bitsearch.search.pruner;


import java.util.ArrayList;
import java.util.List;

/**
 * The rung epochs of ASHA (Li et al., "A system for massively parallel hyperparameter tuning", MLSys 2020):
 * rung k is at epoch r·η^(k+s) for k = 0, 1, ... while that is <= R.
 */
final class AshaRungs {
    private final int[] epochs;

    AshaRungs(PrunerConfig.Asha c) {
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
        int i = java.util.Arrays.binarySearch(epochs, epoch);
        return i >= 0 ? i : -1;
    }

    /** Number of rungs. */
    int count() { return epochs.length; }

    /** True if {@code rung} is the last: nothing to promote to, so every trial reaching it continues. */
    boolean isTop(int rung) { return rung == epochs.length - 1; }

    int epoch(int rung) { return epochs[rung]; }

    /** How many of {@code n} results at a rung continue: the top ⌊n/η⌋, but at least the best one. */
    static int quota(int n, int eta) { return Math.max(1, n / eta); }
}
