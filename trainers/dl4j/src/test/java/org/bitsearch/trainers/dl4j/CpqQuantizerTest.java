package org.bitsearch.trainers.dl4j;

import org.bitsearch.trainers.dl4j.quant.BitDropGates;
import org.bitsearch.trainers.dl4j.quant.CpqQuantizer;
import org.bitsearch.trainers.dl4j.quant.Quantizer;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CPQ's quantizer and DropBits' gates against what the paper (Lee et al. 2021) says they do. */
class CpqQuantizerTest {
    private static float[] gaussian(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            double u1 = r.nextDouble(1e-12, 1), u2 = r.nextDouble();
            w[i] = (float) (0.05 * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2));
        }
        return w;
    }

    private static Set<Long> gridOf(float[] w, int gridBits, int bits) {
        float alpha = CpqQuantizer.alpha(w, 0, w.length, gridBits);
        Set<Long> grid = new HashSet<>();
        for (int k : CpqQuantizer.gridUnits(gridBits, bits)) grid.add((long) k);
        return grid;
    }

    @Test
    void theForwardDrawsOnlyPointsOfTheActiveGrid() {
        float[] w = gaussian(5000, 1);
        for (int gridBits = 2; gridBits <= 8; gridBits++)
            for (int bits = 1; bits <= gridBits; bits++) {
                float[] out = new float[w.length], slope = new float[w.length];
                CpqQuantizer.sample(w, out, slope, 1, gridBits, bits, 1.0 / 3, true, new SplittableRandom(gridBits * 31L + bits));
                float alpha = CpqQuantizer.alpha(w, 0, w.length, gridBits);
                Set<Long> grid = gridOf(w, gridBits, bits);
                Set<Long> seen = new HashSet<>();
                for (float v : out) {
                    double units = v / alpha;
                    long k = Math.round(units);
                    assertEquals(k, units, 1e-3, "a drawn value is a multiple of α");
                    assertTrue(grid.contains(k), "B=" + gridBits + " b=" + bits + ": " + k + "·α is not a point of G_b");
                    seen.add(k);
                }
                assertTrue(seen.size() <= CpqQuantizer.gridUnits(gridBits, bits).length);
            }
    }

    @Test
    void drawsFollowTheCategoricalDistributionPi() {
        // one weight, many draws: the frequencies match π of the logistic-noise parametrisation
        double rho = 0.4;
        int bits = 3, n = 200_000;
        float[] w = new float[n];
        float[] anchor = {0.7f * 3}; // u = 2.1 intervals on the 3-bit grid of max 3·a
        Arrays.fill(w, anchor[0]);
        w[0] = 3f; // max|W| = 3: α = 1 at B = 3
        float[] out = new float[n], slope = new float[n];
        CpqQuantizer.sample(w, out, slope, 1, 3, bits, rho, true, new SplittableRandom(7));
        double[] pi = CpqQuantizer.probabilities(2.1, bits, rho);
        int[] counts = new int[pi.length];
        for (int i = 1; i < n; i++) counts[(int) Math.round(out[i]) + 3]++;
        for (int k = 0; k < pi.length; k++)
            assertEquals(pi[k], counts[k] / (double) (n - 1), 0.005, "frequency of level " + (k - 3));
    }

    @Test
    void asTheNoiseVanishesDrawsAndTheirExpectationBecomeTheDeterministicRounding() {
        float[] w = gaussian(20_000, 2);
        float[] rounded = new float[w.length];
        CpqQuantizer.round(w, rounded, 1, 4, 4);
        double previous = Double.POSITIVE_INFINITY;
        for (double rho : new double[]{1.0, 0.5, 0.25, 0.1, 0.03, 0.005}) {
            float[] out = new float[w.length], slope = new float[w.length];
            CpqQuantizer.sample(w, out, slope, 1, 4, 4, rho, true, new SplittableRandom(3));
            int differ = 0;
            for (int i = 0; i < w.length; i++) if (out[i] != rounded[i]) differ++;
            double share = differ / (double) w.length;
            assertTrue(share <= previous, "ρ=" + rho + ": " + share + " of draws leave the nearest point, more than at a larger ρ");
            previous = share;
        }
        // only weights within a few σ of a boundary can leave: a share proportional to ρ
        assertTrue(previous < 0.01, "at ρ = 0.005 only " + previous + " of draws may leave the nearest point");
        // the relaxed objective E_π[x̂] tends to round(x), and the mode (argmax) is round(x) at every ρ
        for (double u = -8; u <= 8; u += 0.173) {
            double target = Math.max(-7, Math.min(7, Math.rint(u)));
            assertEquals(target, CpqQuantizer.expectationUnits(u, 4, 0.01), Math.abs(u - Math.rint(u)) > 0.4 ? 0.5 : 1e-4, "u=" + u);
        }
        float[] mode = new float[w.length];
        CpqQuantizer.sample(w, mode, new float[w.length], 1, 4, 4, 1.0, false, null);
        assertArrayEquals(rounded, mode);
    }

    @Test
    void theMultiClassSteGradientIsTheDerivativeOfTheRelaxedObjective() {
        for (int bits = 1; bits <= 5; bits++)
            for (double rho : new double[]{0.2, 1.0 / 3, 0.6})
                for (double u = -18; u <= 18; u += 0.0917) {
                    double h = 1e-5;
                    double fd = (CpqQuantizer.expectationUnits(u + h, bits, rho) - CpqQuantizer.expectationUnits(u - h, bits, rho)) / (2 * h);
                    assertEquals(fd, CpqQuantizer.slope(u, bits, rho), 1e-3, "b=" + bits + " ρ=" + rho + " u=" + u);
                }
        // cluster-promoting: at small ρ the gradient is smaller at a grid point than between two of them, and
        // vanishes beyond the outermost boundary (clipped weights)
        assertTrue(CpqQuantizer.slope(1.0, 4, 0.1) < 0.2 * CpqQuantizer.slope(1.5, 4, 0.1));
        assertTrue(CpqQuantizer.slope(9.5, 4, 1.0 / 3) < 1e-3);
    }

    @Test
    void droppingBitsRemovesGridLevelsSoEveryLowerGridIsASubset() {
        for (int gridBits = 2; gridBits <= 8; gridBits++) {
            for (int bits = 2; bits <= gridBits; bits++) {
                Set<Integer> higher = new HashSet<>(), lower = new HashSet<>();
                for (int k : CpqQuantizer.gridUnits(gridBits, bits)) higher.add(k);
                for (int k : CpqQuantizer.gridUnits(gridBits, bits - 1)) lower.add(k);
                assertTrue(higher.containsAll(lower), "G_" + (bits - 1) + " ⊂ G_" + bits + " at B=" + gridBits);
                assertTrue(lower.size() < higher.size());
                assertEquals(bits == 2 ? 2 : (1 << (bits - 1)) - 1, lower.size(), "levels of G_" + (bits - 1));
            }
            // G_B is the symmetric uniform grid of the uniform quantizer
            if (gridBits >= 3) {
                float[] w = gaussian(4000, gridBits);
                float[] cpq = new float[w.length];
                CpqQuantizer.round(w, cpq, 4, gridBits, gridBits);
                float[] uniform = Quantizer.quantize(w, 4, gridBits);
                for (int i = 0; i < w.length; i++) assertEquals(uniform[i], cpq[i], 1e-6f);
            }
        }
        // rounded weights at b bits take only values of G_b
        float[] w = gaussian(3000, 9);
        float alpha = CpqQuantizer.alpha(w, 0, w.length, 6);
        for (int bits = 1; bits <= 6; bits++) {
            float[] out = new float[w.length];
            CpqQuantizer.round(w, out, 1, 6, bits);
            Set<Long> grid = gridOf(w, 6, bits);
            for (float v : out) assertTrue(grid.contains((long) Math.round(v / alpha)), "b=" + bits + ": " + v / alpha + " not in " + grid);
        }
    }

    @Test
    void fixedGatesDrawNestedBitWidthsWithTheirProbabilities() {
        BitDropGates g = new BitDropGates(5, 2, 0.8);
        SplittableRandom r = new SplittableRandom(11);
        int[] counts = new int[6];
        int n = 100_000;
        for (int i = 0; i < n; i++) counts[g.sample(r)]++;
        // P(b = 5) = κ³, P(b = 4) = κ²(1 − κ), P(b = 3) = κ(1 − κ), P(b = 2) = 1 − κ
        assertEquals(0.512, counts[5] / (double) n, 0.01);
        assertEquals(0.128, counts[4] / (double) n, 0.01);
        assertEquals(0.16, counts[3] / (double) n, 0.01);
        assertEquals(0.2, counts[2] / (double) n, 0.01);
        assertEquals(5, g.mode());
        assertEquals(2 + 0.8 + 0.64 + 0.512, g.expectedBits(), 1e-12);
    }

    /**
     * A toy problem: a layer whose loss is the squared quantization error c·Σ(Q_b(w) − w)², trained with the
     * gates' estimator. Without the regulariser the layer keeps its bits; the stronger λ, the fewer bits it keeps.
     */
    @Test
    void theRegulariserDrivesBitsDownOnAToyProblem() {
        float[] w = gaussian(2000, 4);
        int[] learned = new int[4];
        double[] lambdas = {0, 0.5, 3, 1000};
        for (int li = 0; li < lambdas.length; li++) {
            BitDropGates g = new BitDropGates(6, 2, 0.9);
            SplittableRandom r = new SplittableRandom(5);
            for (int step = 0; step < 3000; step++) {
                int bits = g.sample(r);
                float[] q = new float[w.length];
                CpqQuantizer.round(w, q, 1, 6, bits);
                float[] grad = new float[w.length];
                for (int i = 0; i < w.length; i++) grad[i] = (float) (2 * 20.0 * (q[i] - w[i]));
                g.update(g.lossDelta(w, grad, 1, bits), lambdas[li], 0.05);
            }
            learned[li] = g.mode();
        }
        assertEquals(6, learned[0], "no regulariser: every level is worth keeping " + Arrays.toString(learned));
        assertEquals(2, learned[3], "a huge λ drops every level it may " + Arrays.toString(learned));
        for (int i = 1; i < learned.length; i++)
            assertTrue(learned[i] <= learned[i - 1], "bits " + Arrays.toString(learned) + " must not grow with λ " + Arrays.toString(lambdas));
        assertTrue(learned[1] < 6, "λ = 0.5 (about the loss the 6th bit saves) drops a level: " + Arrays.toString(learned));
    }
}
