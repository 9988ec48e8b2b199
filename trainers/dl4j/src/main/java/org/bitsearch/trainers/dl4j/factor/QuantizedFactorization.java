package org.bitsearch.trainers.dl4j.factor;

import java.util.SplittableRandom;

/**
 * Quantization Aware Factorization (Cherniuk et al., 2023, "Quantization Aware Factorization for Deep Neural
 * Network Compression"), dense case: W (m×n) ≈ A·B with A (m×r) and B (r×n) both on a k-bit grid
 * ({@link UniformGrid}), found by ADMM on
 * <pre>  min ‖W − A B‖²_F  s.t.  A = Z_A, B = Z_B,  Z_A, Z_B on the grid</pre>
 * with scaled duals U_A, U_B and penalty ρ: A ← (W Bᵀ + ρ(Z_A − U_A))(B Bᵀ + ρI)⁻¹;
 * B ← (AᵀA + ρI)⁻¹(Aᵀ W + ρ(Z_B − U_B)); Z ← Q(· + U); U ← U + (·) − Z. ρ grows geometrically (×{@value #RHO_GROWTH}
 * per iteration, from {@value #RHO_START} times the factors' mean square) so the iterates settle on the grid. Started from the rank-r least-squares factors (alternating
 * least squares, balanced per component), which is also where the baseline "quantize after factorize"
 * ({@link #quantizeAfterFactorize}) stops. Returns the grid factors Z_A, Z_B of the iterate with the least
 * reconstruction error (the initial projected factors count as iterate 0).
 *
 * <p>Simplified against the paper: one per-tensor scale per factor, recomputed at each projection (max-abs), instead
 * of the paper's treatment of the scale; dense matrices only (the paper's CP decomposition of convolution
 * kernels is not implemented). Pure Java, deterministic for a seed.
 */
public final class QuantizedFactorization {
    /** ρ's growth per iteration and its start, relative to the mean squared factor entry (tuned on the tests' matrices). */
    public static final double RHO_GROWTH = 1.05, RHO_START = 0.1;

    /** Factors and their reconstruction error ‖W − A B‖²_F / ‖W‖²_F. */
    public record Result(double[][] a, double[][] b, double relativeError) {
        /** Storage bits of the factors: (m·r + r·n)·k plus one 32-bit scale per factor. */
        public long sizeBits(int bits) {
            return ((long) a.length * a[0].length + (long) b.length * b[0].length) * bits + 64;
        }
    }

    private QuantizedFactorization() {}

    /** The unconstrained rank-r factors by alternating least squares (balanced per rank component). */
    public static double[][][] leastSquares(double[][] w, int rank, int iterations, long seed) {
        int m = w.length, n = w[0].length;
        if (rank < 1 || rank > Math.min(m, n)) throw new IllegalArgumentException("rank is " + rank + ", but must be in 1.." + Math.min(m, n));
        SplittableRandom rng = new SplittableRandom(seed);
        double[][] b = new double[rank][n];
        for (double[] row : b) for (int j = 0; j < n; j++) row[j] = rng.nextGaussian();
        double[][] a = null;
        double ridge = 1e-9 * Math.max(1e-30, Matrices.norm2(w));
        for (int it = 0; it < iterations; it++) {
            a = Matrices.multiply(Matrices.multiply(w, Matrices.transpose(b)), Matrices.inverseSpd(addDiagonal(Matrices.multiply(b, Matrices.transpose(b)), ridge)));
            b = Matrices.multiply(Matrices.inverseSpd(addDiagonal(Matrices.multiply(Matrices.transpose(a), a), ridge)), Matrices.multiply(Matrices.transpose(a), w));
        }
        balance(a, b);
        return new double[][][] {a, b};
    }

    /** Baseline: the least-squares factors, each then projected onto its grid. */
    public static Result quantizeAfterFactorize(double[][] w, int rank, int bits, long seed) {
        double[][][] f = leastSquares(w, rank, 60, seed);
        double[][] qa = UniformGrid.project(f[0], bits), qb = UniformGrid.project(f[1], bits);
        return new Result(qa, qb, error(w, qa, qb));
    }

    /** ADMM from the least-squares factors; see the class comment. */
    public static Result admm(double[][] w, int rank, int bits, int iterations, long seed) {
        return admm(w, rank, bits, iterations, seed, RHO_START, RHO_GROWTH);
    }

    static Result admm(double[][] w, int rank, int bits, int iterations, long seed, double rho0, double growth) {
        double[][][] f = leastSquares(w, rank, 60, seed);
        double[][] a = f[0], b = f[1];
        double[][] za = UniformGrid.project(a, bits), zb = UniformGrid.project(b, bits);
        double[][] ua = new double[a.length][rank], ub = new double[rank][b[0].length];
        Result best = new Result(za, zb, error(w, za, zb));
        double rho = rho0 * (Matrices.norm2(a) + Matrices.norm2(b)) / (2.0 * rank);
        for (int it = 0; it < iterations; it++) {
            double[][] target = subtract(za, ua);
            a = Matrices.multiply(add(Matrices.multiply(w, Matrices.transpose(b)), scale(target, rho)),
                    Matrices.inverseSpd(addDiagonal(Matrices.multiply(b, Matrices.transpose(b)), rho)));
            target = subtract(zb, ub);
            b = Matrices.multiply(Matrices.inverseSpd(addDiagonal(Matrices.multiply(Matrices.transpose(a), a), rho)),
                    add(Matrices.multiply(Matrices.transpose(a), w), scale(target, rho)));
            za = UniformGrid.project(add(a, ua), bits);
            zb = UniformGrid.project(add(b, ub), bits);
            ua = add(ua, subtract(a, za));
            ub = add(ub, subtract(b, zb));
            double e = error(w, za, zb);
            if (e < best.relativeError()) best = new Result(za, zb, e);
            rho *= growth;
        }
        return best;
    }

    /** ‖W − A B‖²_F / ‖W‖²_F. */
    public static double error(double[][] w, double[][] a, double[][] b) {
        return Matrices.distance2(w, Matrices.multiply(a, b)) / Math.max(1e-300, Matrices.norm2(w));
    }

    /** Rescales each rank component so that its column of A and row of B have equal norms. */
    static void balance(double[][] a, double[][] b) {
        for (int j = 0; j < b.length; j++) {
            double na = 0, nb = 0;
            for (double[] row : a) na += row[j] * row[j];
            for (double x : b[j]) nb += x * x;
            if (na == 0 || nb == 0) continue;
            double c = Math.sqrt(Math.sqrt(nb / na));
            for (double[] row : a) row[j] *= c;
            for (int i = 0; i < b[j].length; i++) b[j][i] /= c;
        }
    }

    private static double[][] addDiagonal(double[][] m, double d) {
        double[][] c = Matrices.copy(m);
        for (int i = 0; i < c.length; i++) c[i][i] += d;
        return c;
    }

    private static double[][] add(double[][] x, double[][] y) {
        double[][] c = new double[x.length][x[0].length];
        for (int i = 0; i < x.length; i++) for (int j = 0; j < x[0].length; j++) c[i][j] = x[i][j] + y[i][j];
        return c;
    }

    private static double[][] subtract(double[][] x, double[][] y) {
        double[][] c = new double[x.length][x[0].length];
        for (int i = 0; i < x.length; i++) for (int j = 0; j < x[0].length; j++) c[i][j] = x[i][j] - y[i][j];
        return c;
    }

    private static double[][] scale(double[][] x, double s) {
        double[][] c = new double[x.length][x[0].length];
        for (int i = 0; i < x.length; i++) for (int j = 0; j < x[0].length; j++) c[i][j] = x[i][j] * s;
        return c;
    }
}
