package org.bitsearch.trainers.dl4j.factor;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** Cherniuk et al.'s claim: ADMM's grid factors reconstruct W better than quantizing the least-squares factors. */
class QuantizedFactorizationTest {
    static double[][] gaussian(int m, int n, SplittableRandom rng) {
        double[][] w = new double[m][n];
        for (double[] row : w) for (int j = 0; j < n; j++) row[j] = rng.nextGaussian();
        return w;
    }

    /** Low rank plus noise with decaying spectrum: the shape of a trained layer's weights. */
    static double[][] structured(int m, int n, SplittableRandom rng) {
        double[][] w = new double[m][n];
        for (int c = 0; c < 12; c++) {
            double s = Math.pow(0.7, c);
            double[] u = new double[m], v = new double[n];
            for (int i = 0; i < m; i++) u[i] = rng.nextGaussian();
            for (int j = 0; j < n; j++) v[j] = rng.nextGaussian();
            for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) w[i][j] += s * u[i] * v[j];
        }
        for (double[] row : w) for (int j = 0; j < n; j++) row[j] += 0.05 * rng.nextGaussian();
        return w;
    }

    static void check(double[][] w, int rank, int bits, String what) {
        QuantizedFactorization.Result base = QuantizedFactorization.quantizeAfterFactorize(w, rank, bits, 1);
        QuantizedFactorization.Result admm = QuantizedFactorization.admm(w, rank, bits, 150, 1);
        double[][][] ls = QuantizedFactorization.leastSquares(w, rank, 60, 1);
        double floor = QuantizedFactorization.error(w, ls[0], ls[1]); // the rank-r optimum without a grid
        assertTrue(UniformGrid.onGrid(admm.a(), bits), what + ": A on the grid");
        assertTrue(UniformGrid.onGrid(admm.b(), bits), what + ": B on the grid");
        assertEquals(QuantizedFactorization.error(w, admm.a(), admm.b()), admm.relativeError(), 1e-12);
        // the error quantization adds on top of the rank-r optimum: ADMM removes at least a fifth of it
        assertTrue(admm.relativeError() - floor < 0.8 * (base.relativeError() - floor),
                what + ": ADMM " + admm.relativeError() + " vs quantize-after-factorize " + base.relativeError() + ", rank-r floor " + floor);
    }

    @Test
    void admmBeatsQuantizeAfterFactorizeOnRandomMatrices() {
        SplittableRandom rng = new SplittableRandom(42);
        for (int bits : new int[] {3, 4}) check(gaussian(60, 40, rng), 8, bits, "gaussian, " + bits + " bits");
    }

    @Test
    void admmBeatsQuantizeAfterFactorizeOnStructuredMatrices() {
        SplittableRandom rng = new SplittableRandom(7);
        for (int bits : new int[] {3, 4}) check(structured(80, 50, rng), 6, bits, "low rank + noise, " + bits + " bits");
    }

    @Test
    void leastSquaresReachesTheBestRankRApproximation() {
        // an exactly rank-3 matrix is reconstructed exactly at rank 3
        SplittableRandom rng = new SplittableRandom(3);
        double[][] u = gaussian(20, 3, rng), v = gaussian(3, 15, rng);
        double[][] w = Matrices.multiply(u, v);
        double[][][] f = QuantizedFactorization.leastSquares(w, 3, 60, 5);
        assertTrue(QuantizedFactorization.error(w, f[0], f[1]) < 1e-10);
        assertEquals((20L * 3 + 3 * 15) * 4 + 64, new QuantizedFactorization.Result(f[0], f[1], 0).sizeBits(4),
                "model size counts both factors and their scales");
    }

    @Test
    void gridProjectionIsTheNearestGridPoint() {
        double[][] x = {{1.0, -0.26, 0.5}, {0.74, 0.0, -1.0}};
        double[][] q = UniformGrid.project(x, 3); // levels -3..3, s = 1/3
        assertArrayEquals(new double[] {1.0, -1.0 / 3, 2.0 / 3}, q[0], 1e-12);
        assertTrue(UniformGrid.onGrid(q, 3));
        assertFalse(UniformGrid.onGrid(x, 3));
        assertThrows(IllegalArgumentException.class, () -> UniformGrid.maxLevel(2));
    }
}
