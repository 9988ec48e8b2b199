package org.bitsearch.search.space;

import org.bitsearch.search.rng.SplitMix64;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.*;

/** Chu et al.'s soft prior: draws follow exp(−β·ρ·depth·level), fewer bits deeper. */
class DepthPriorTest {
    static List<QuantLayer> layers(int n) {
        List<QuantLayer> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(new QuantLayer(i, "l" + i, 100, 0));
        return out;
    }

    static BitAllocationSpace space(boolean nonIncreasing, double rho) {
        return new BitAllocationSpace(layers(3), List.of(1, 4, 8), nonIncreasing, OptionalInt.empty(), OptionalInt.empty(), Optional.empty(), rho);
    }

    @Test
    void independentDrawsFollowThePriorPerLayer() {
        BitAllocationSpace s = space(false, 1.0);
        FeasibleAllocations f = new FeasibleAllocations(s);
        SplitMix64 rng = new SplitMix64(1);
        int n = 60_000;
        int[][] counts = new int[3][3];
        for (int i = 0; i < n; i++) {
            BitAllocation a = f.sample(rng);
            for (int l = 0; l < 3; l++) counts[l][s.allowedBits().indexOf(a.get(l))]++;
        }
        for (int l = 0; l < 3; l++) {
            double[] p = DepthPrior.probabilities(s, l);
            for (int j = 0; j < 3; j++) assertEquals(p[j], counts[l][j] / (double) n, 0.01, "layer " + l + " choice " + j);
        }
        assertEquals(1.0 / 3, DepthPrior.probabilities(s, 0)[2], 1e-12, "the first layer is uniform");
        assertTrue(DepthPrior.probabilities(s, 2)[2] < 0.05, "the last layer rarely takes 8 bits at rho = 1");
    }

    @Test
    void nonIncreasingDrawsAreExactlyThePriorRestrictedToNonIncreasing() {
        BitAllocationSpace s = space(true, 0.7);
        FeasibleAllocations f = new FeasibleAllocations(s);
        List<BitAllocation> all = f.enumerate(1000);
        double[] w = new double[all.size()];
        double total = 0;
        for (int i = 0; i < all.size(); i++) {
            w[i] = 1;
            for (int l = 0; l < 3; l++) w[i] *= DepthPrior.weight(0.7, l, 3, s.allowedBits().indexOf(all.get(i).get(l)), 3);
            total += w[i];
        }
        int[] counts = new int[all.size()];
        SplitMix64 rng = new SplitMix64(2);
        int n = 60_000;
        for (int i = 0; i < n; i++) counts[all.indexOf(f.sample(rng))]++;
        for (int i = 0; i < all.size(); i++) assertEquals(w[i] / total, counts[i] / (double) n, 0.01, all.get(i).toString());
    }

    @Test
    void zeroIsTheUniformPriorAndDrawsAreUnchanged() {
        FeasibleAllocations with = new FeasibleAllocations(space(false, 0.0));
        FeasibleAllocations without = new FeasibleAllocations(new BitAllocationSpace(layers(3), List.of(1, 4, 8), false,
                OptionalInt.empty(), OptionalInt.empty(), Optional.empty()));
        SplitMix64 a = new SplitMix64(3), b = new SplitMix64(3);
        for (int i = 0; i < 100; i++) assertEquals(without.sample(b), with.sample(a));
        assertThrows(IllegalArgumentException.class, () -> space(false, 1.5));
    }

    @Test
    void meanBitsFallWithDepthUnderThePrior() {
        BitAllocationSpace s = space(false, 1.0);
        FeasibleAllocations f = new FeasibleAllocations(s);
        SplitMix64 rng = new SplitMix64(4);
        double[] mean = new double[3];
        for (int i = 0; i < 5000; i++) { BitAllocation a = f.sample(rng); for (int l = 0; l < 3; l++) mean[l] += a.get(l) / 5000.0; }
        assertTrue(mean[0] > mean[1] && mean[1] > mean[2], java.util.Arrays.toString(mean));
    }
}
