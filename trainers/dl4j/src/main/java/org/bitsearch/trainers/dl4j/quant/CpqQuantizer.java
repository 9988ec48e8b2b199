package org.bitsearch.trainers.dl4j.quant;

import java.util.SplittableRandom;

/**
 * The quantizer of Cluster-Promoting Quantization (CPQ; Lee, Yun, Hwang &amp; Yang, ICCV 2021, arXiv:2109.02100; its
 * first version is "Semi-Relaxed Quantization with DropBits", arXiv:1911.12990), on plain float arrays. Pure and
 * thread-safe; every random draw comes from the caller's generator.
 *
 * <p><b>Grids.</b> A layer trained with CPQ has a grid width B (2..8, the candidate's bits). Its finest grid
 * interval is α = max|W| / (2^(B−1) − 1) (per tensor, or per output channel block). Dropping bits removes grid
 * levels: the b-bit grid is G_b = {k·a_b : |k| ≤ 2^(b−1) − 1} with a_b = 2^(B−b)·α for b ≥ 2, and
 * G_1 = {−a_2, +a_2}; so G_1 ⊂ G_2 ⊂ … ⊂ G_B, and G_B is the symmetric uniform grid of {@link Quantizer} at B bits.
 *
 * <p><b>Forward</b> (the paper's categorical distribution over the grid): a weight x becomes x̃ = x + ε with
 * logistic noise ε ~ L(0, σ), σ = ρ·d_b where d_b is the spacing of the active grid G_b (ρ: {@code noise}); the
 * probability of grid point g_i is that of x̃ falling in g_i's interval, π_i = S((t_i⁺ − x)/σ) − S((t_i⁻ − x)/σ)
 * (S the logistic sigmoid, t_i^± the midpoints to the neighbouring points, the outermost intervals open to ±∞).
 * {@link #sample} draws one grid point from π per weight (inverse CDF of the logistic noise, then the nearest
 * point: exactly a draw from π); {@link #round} takes π's mode, the nearest grid point, which is also the limit
 * ρ → 0 of the draws and of their expectation.
 *
 * <p><b>Backward</b> (the multi-class straight-through estimator): the one-hot draw r is passed straight through
 * to π (∂r/∂π := I), so with x̂ = Σ_i g_i r_i the gradient is ∂L/∂x = ∂L/∂x̂ · Σ_i g_i ∂π_i/∂x, the derivative of
 * the relaxed objective E_π[g](x) = g_0 + Σ_j d_b·S((x − t_j)/σ). That derivative is
 * {@link #slope} m(x) = (1/ρ)·Σ_j s_j(1 − s_j), s_j = S((x − t_j)/σ): about 1 inside the grid's range, smaller
 * near the grid points than between them for small ρ (so weights gather at the grid points, the "cluster-promoting"
 * property) and vanishing outside the outermost boundaries (clipped weights get no gradient). Boundaries more than
 * {@value #WINDOW} + ⌈12ρ⌉ intervals away are left out of the sum (their terms are below 10⁻⁴).
 *
 * <p><b>Provenance</b> (README, "Cluster-Promoting Quantization", table of sources). No stored copy of either
 * paper's method section, nor of the authors' code, could be found (searched December 2026: arXiv abstract pages
 * of 2109.02100 and 1911.12990, the ICLR 2021 submission text of the first version, paper-index pages; they give
 * abstracts and introductions only), so no equation numbers can be cited. From the abstracts: a categorical
 * distribution over the grid points in the forward pass, "designed by a specific probabilistic parametrization";
 * the multi-class STE in the backward pass, introduced (first version) to replace Relaxed Quantization's
 * Gumbel-Softmax relaxation, whose temperature trades bias for variance; grids that are found, not fixed.
 * Our assumptions: π from Relaxed Quantization's logistic-noise intervals (Louizos et al., ICLR 2019, which both
 * versions build on) with σ = ρ·spacing; ∂r/∂π := I; the mode (argmax) as the forward's value; the grid scale
 * max|W| instead of a learned one.
 */
public final class CpqQuantizer {
    /** Grid widths B a CPQ layer can have. */
    public static final int MIN_GRID_BITS = 2, MAX_GRID_BITS = 8;
    /** Boundaries on each side of a weight that {@link #slope} sums over, at least (more for a large ρ: {@link #window}). */
    public static final int WINDOW = 3;

    private CpqQuantizer() {}

    /** The finest interval α of {@code w[lo, hi)} for grid width B: max|W| / (2^(B−1) − 1). */
    public static float alpha(float[] w, int lo, int hi, int gridBits) {
        checkGrid(gridBits, gridBits);
        float max = 0;
        for (int i = lo; i < hi; i++) max = Math.max(max, Math.abs(w[i]));
        return max / ((1 << (gridBits - 1)) - 1);
    }

    /** a_b / α: 2^(B−b) for b ≥ 2, 2^(B−2) for b = 1. */
    public static int stepUnits(int gridBits, int bits) {
        checkGrid(gridBits, bits);
        return 1 << (gridBits - Math.max(bits, 2));
    }

    /** The largest |k| of G_b's points k·a_b: 2^(b−1) − 1, and 1 for b = 1. */
    public static int maxLevel(int bits) { return bits == 1 ? 1 : (1 << (bits - 1)) - 1; }

    /** The points of G_b in units of α, ascending (tests, documentation). */
    public static int[] gridUnits(int gridBits, int bits) {
        int step = stepUnits(gridBits, bits), m = maxLevel(bits);
        if (bits == 1) return new int[]{-step, step};
        int[] out = new int[2 * m + 1];
        for (int k = -m; k <= m; k++) out[k + m] = k * step;
        return out;
    }

    /** The level k of the nearest point k·a of G_b to u·a (u = x/a): rint(u) clamped to ±M; for b = 1 sign(u). */
    static int nearestLevel(double u, int bits) {
        if (bits == 1) return u < 0 ? -1 : 1;
        int m = maxLevel(bits);
        double k = Math.rint(u);
        return (int) Math.max(-m, Math.min(m, k));
    }

    /**
     * Writes the nearest point of G_b (the mode of π) for every weight of {@code w} into {@code out} (which may be
     * {@code w}), with one α per channel block.
     */
    public static void round(float[] w, float[] out, int channels, int gridBits, int bits) {
        checkBlocks(w, out, channels);
        int block = w.length / channels;
        for (int c = 0; c < channels; c++) {
            int lo = c * block, hi = lo + block;
            float a = alpha(w, lo, hi, gridBits) * stepUnits(gridBits, bits);
            for (int i = lo; i < hi; i++) out[i] = a == 0 ? 0f : nearestLevel(w[i] / a, bits) * a;
        }
    }

    /**
     * The integer levels k (x̂ = k·a_b) of {@link #round} and the scale a_b of each channel block: what the packed
     * export stores.
     */
    public static Quantizer.Levels levels(float[] w, int channels, int gridBits, int bits) {
        checkBlocks(w, w, channels);
        int block = w.length / channels;
        int[] levels = new int[w.length];
        double[] scales = new double[channels];
        for (int c = 0; c < channels; c++) {
            int lo = c * block, hi = lo + block;
            float a = alpha(w, lo, hi, gridBits) * stepUnits(gridBits, bits);
            scales[c] = a;
            for (int i = lo; i < hi; i++) levels[i] = a == 0 ? (bits == 1 ? 1 : 0) : nearestLevel(w[i] / a, bits);
        }
        return new Quantizer.Levels(levels, scales);
    }

    /**
     * The training forward of one layer: draws x̂ ~ π for every weight (or takes π's mode when {@code sampled} is
     * false) into {@code out}, and writes the multi-class STE's ∂x̂/∂x = m(x) into {@code slope}.
     *
     * @param rho      ρ = σ / d_b, the logistic noise's scale in grid spacings (&gt; 0)
     * @param sampled  draw from π (true) or take its mode (false)
     * @param rng      the generator of the draws (seeded by the caller); unused when {@code sampled} is false
     */
    public static void sample(float[] w, float[] out, float[] slope, int channels, int gridBits, int bits,
                              double rho, boolean sampled, SplittableRandom rng) {
        checkBlocks(w, out, channels);
        if (slope.length != w.length) throw new IllegalArgumentException("slope has " + slope.length + " values, but weights has " + w.length);
        if (!(rho > 0)) throw new IllegalArgumentException("rho is " + rho + ", but must be > 0");
        int block = w.length / channels;
        for (int c = 0; c < channels; c++) {
            int lo = c * block, hi = lo + block;
            float a = alpha(w, lo, hi, gridBits) * stepUnits(gridBits, bits);
            for (int i = lo; i < hi; i++) {
                if (a == 0) {
                    out[i] = 0f;
                    slope[i] = 1f;
                    continue;
                }
                double u = w[i] / a;
                slope[i] = (float) slopeUnits(u, bits, rho);
                double noisy = u;
                if (sampled) {
                    double p = rng.nextDouble();
                    while (p == 0) p = rng.nextDouble();
                    // inverse CDF of the logistic noise in units of a: spacing d = 2a for b = 1, a otherwise
                    noisy += spacingUnits(bits) * rho * Math.log(p / (1 - p));
                }
                out[i] = nearestLevel(noisy, bits) * a;
            }
        }
    }

    /** The multi-class STE's ∂x̂/∂x = m(x) at x = u·a_b on G_b (see the class comment). */
    public static double slope(double u, int bits, double rho) { return slopeUnits(u, bits, rho); }

    private static double spacingUnits(int bits) { return bits == 1 ? 2 : 1; }

    private static double slopeUnits(double u, int bits, double rho) {
        if (bits == 1) return logisticDensity(u / (2 * rho)) / rho;
        int m = maxLevel(bits);
        // boundaries t_j = j + 1/2 for j = -m .. m-1 (in units of a)
        int nearest = (int) Math.max(-m, Math.min(m - 1, Math.floor(u - 0.5)));
        int w = window(rho);
        int from = Math.max(-m, nearest - w + 1), to = Math.min(m - 1, nearest + w);
        double sum = 0;
        for (int j = from; j <= to; j++) sum += logisticDensity((u - (j + 0.5)) / rho);
        return sum / rho;
    }

    /** Boundaries summed on each side: enough that the terms left out are below 10⁻⁴ (WINDOW + ⌈12ρ⌉). */
    static int window(double rho) { return WINDOW + (int) Math.ceil(12 * rho); }

    /** s(1 − s) for s = S(z). */
    static double logisticDensity(double z) {
        double e = Math.exp(-Math.abs(z));
        return e / ((1 + e) * (1 + e));
    }

    /**
     * The relaxed objective E_π[x̂] / a_b at x = u·a_b, summed over every point of G_b (no window): the function
     * whose derivative the multi-class STE passes back. Tests check {@link #slope} against it.
     */
    public static double expectationUnits(double u, int bits, double rho) {
        int[] k = bits == 1 ? new int[]{-1, 1} : levelsAscending(bits);
        double d = spacingUnits(bits), sigma = rho * d, e = 0, prev = 0;
        for (int i = 0; i < k.length; i++) {
            double upper = i == k.length - 1 ? 1 : sigmoid(((k[i] + k[i + 1]) / 2.0 - u) / sigma);
            e += k[i] * (upper - prev);
            prev = upper;
        }
        return e;
    }

    /** π over G_b at x = u·a_b, every point (tests). */
    public static double[] probabilities(double u, int bits, double rho) {
        int[] k = bits == 1 ? new int[]{-1, 1} : levelsAscending(bits);
        double sigma = rho * spacingUnits(bits), prev = 0;
        double[] p = new double[k.length];
        for (int i = 0; i < k.length; i++) {
            double upper = i == k.length - 1 ? 1 : sigmoid(((k[i] + k[i + 1]) / 2.0 - u) / sigma);
            p[i] = upper - prev;
            prev = upper;
        }
        return p;
    }

    private static int[] levelsAscending(int bits) {
        int m = maxLevel(bits);
        int[] k = new int[2 * m + 1];
        for (int i = -m; i <= m; i++) k[i + m] = i;
        return k;
    }

    static double sigmoid(double z) { return 1 / (1 + Math.exp(-z)); }

    private static void checkGrid(int gridBits, int bits) {
        if (gridBits < MIN_GRID_BITS || gridBits > MAX_GRID_BITS)
            throw new IllegalArgumentException("gridBits is " + gridBits + ", but must be in " + MIN_GRID_BITS + ".." + MAX_GRID_BITS);
        if (bits < 1 || bits > gridBits)
            throw new IllegalArgumentException("bits is " + bits + ", but must be in 1.." + gridBits + " (the grid width)");
    }

    private static void checkBlocks(float[] w, float[] out, int channels) {
        if (out.length != w.length) throw new IllegalArgumentException("out has " + out.length + " values, but weights has " + w.length);
        if (channels < 1 || w.length % channels != 0)
            throw new IllegalArgumentException("weights has " + w.length + " values, not a multiple of channels (" + channels + ")");
    }
}
