package org.bitsearch.trainers.dl4j.quant;

/**
 * The weight quantizers of DESIGN.md, on plain float arrays. Pure and thread-safe (ternary keeps per-thread scratch arrays).
 *
 * <p>Weights are given as {@code channels} contiguous blocks of equal length (one per output channel); with
 * {@code channels == 1} the whole tensor shares one scale (per-tensor), otherwise each block gets its own.
 * <ul>
 *   <li>k = 3..8: symmetric uniform, s = max|W| / (2^(k-1) - 1),
 *       Q(W) = clamp(round(W / s), -(2^(k-1) - 1), 2^(k-1) - 1) · s (round half to even, so Q(-W) = -Q(W));
 *       at most 2^k - 1 levels.</li>
 *   <li>k = 2: ternary (TWN, Li, Zhang &amp; Liu 2016): Δ = 0.7 · mean|W|, α = mean of |W| over |W| &gt; Δ,
 *       Q(W) = α · sign(W) where |W| &gt; Δ, else 0; three levels.</li>
 *   <li>k = 1: binary (BWN/XNOR, Rastegari et al. 2016): Q(W) = mean|W| · sign(W), with sign(0) = +1 so that
 *       Q is idempotent; two levels.</li>
 *   <li>k = 32: full precision, a copy of W.</li>
 * </ul>
 * All quantizers are idempotent: Q(Q(W)) = Q(W) (up to float rounding of the scale for k = 3..8).
 *
 * <p>Arithmetic (fixed, so every caller gets the same bits): max|W| is exact; sums of |W| run in eight
 * interleaved float partial sums per block of 1,024 values, added in double; the uniform grid is computed in
 * float ({@code W · (q/max)} rounded half to even by adding and subtracting 1.5·2²³). Every pass over the weights
 * is a loop the JIT vectorises or a short reduction: a training step quantizes each layer's weights once, and the
 * fast training step and DL4J's weight noise both call this class.
 */
public final class Quantizer {
    /** TWN's threshold factor: Δ = 0.7 · mean|W|. */
    public static final double TERNARY_THRESHOLD = 0.7;
    /** 1.5·2²³: for |x| &lt; 2²², (x + R) − R is x rounded to an integer, ties to even. */
    private static final float ROUND = 12582912f;
    /** Ternary thresholds below this take the plain loop (the vectorised test needs 2²⁵/Δ finite). */
    private static final float MIN_FAST_THRESHOLD = 1e-30f;

    private Quantizer() {}

    /**
     * Returns Q(w) as a new array.
     *
     * @throws IllegalArgumentException if bits is not in 1..8 or 32, channels &lt; 1, or w.length is not a
     *                                  multiple of channels
     */
    public static float[] quantize(float[] w, int channels, int bits) {
        float[] out = new float[w.length];
        quantize(w, out, channels, bits);
        return out;
    }

    /** Writes Q(w) into {@code out} (which may be {@code w} itself). */
    public static void quantize(float[] w, float[] out, int channels, int bits) {
        if (out.length != w.length)
            throw new IllegalArgumentException("out has " + out.length + " values, but weights has " + w.length);
        quantize(w, out, 0, w.length, channels, bits);
    }

    /**
     * Writes Q(w[from, to)) into {@code out[from, to)} (same positions; {@code out} may be {@code w}).
     *
     * @throws IllegalArgumentException as {@link #quantize(float[], int, int)}, or if the range does not fit
     */
    public static void quantize(float[] w, float[] out, int from, int to, int channels, int bits) {
        if (channels < 1) throw new IllegalArgumentException("channels is " + channels + ", but must be >= 1");
        if (from < 0 || to < from || to > w.length || to > out.length)
            throw new IllegalArgumentException("range [" + from + ", " + to + ") does not fit arrays of " + w.length + " and " + out.length);
        int length = to - from;
        if (length % channels != 0)
            throw new IllegalArgumentException("weights has " + length + " values, not a multiple of channels (" + channels + ")");
        if (!(bits >= 1 && bits <= 8) && bits != 32)
            throw new IllegalArgumentException("bits is " + bits + ", but must be 1..8 or 32");
        int block = length / channels;
        for (int c = 0; c < channels; c++) {
            int lo = from + c * block, hi = lo + block;
            switch (bits) {
                case 32 -> System.arraycopy(w, lo, out, lo, block);
                case 1 -> binary(w, out, lo, hi);
                case 2 -> ternary(w, out, lo, hi);
                default -> uniform(w, out, lo, hi, bits);
            }
        }
    }

    /**
     * The integer levels and scales of Q(w) (k = 1..8): Q(w)[i] = (float) (levels[i] · scales[i / block]) exactly,
     * for the same {@code w}, {@code channels} and {@code bits} as {@link #quantize}. Levels: -q..q for k = 3..8,
     * -1, 0, 1 for k = 2 (scale α), -1, 1 for k = 1 (scale mean|W|). The packed export stores them.
     */
    public record Levels(int[] levels, double[] scales) {}

    /** See {@link Levels}. The same arithmetic as {@link #quantize}, step for step, so the product is bit-identical. */
    public static Levels levels(float[] w, int channels, int bits) {
        if (bits < 1 || bits > 8) throw new IllegalArgumentException("bits is " + bits + ", but levels exist for 1..8");
        if (channels < 1 || w.length % channels != 0)
            throw new IllegalArgumentException("weights has " + w.length + " values, not a multiple of channels (" + channels + ")");
        int block = w.length / channels;
        int[] levels = new int[w.length];
        double[] scales = new double[channels];
        for (int c = 0; c < channels; c++) {
            int from = c * block, to = from + block;
            if (bits == 1) {
                scales[c] = (float) (sum(w, from, to, true) / (to - from));
                for (int i = from; i < to; i++) levels[i] = w[i] < 0 ? -1 : 1; // sign(±0) = +1, as binary()
            } else if (bits == 2) {
                float threshold = (float) (TERNARY_THRESHOLD * sum(w, from, to, true) / (to - from));
                float[] kept = new float[w.length];
                float[] keep = new float[w.length];
                for (int i = from; i < to; i++) {
                    float a = Math.abs(w[i]);
                    keep[i] = a > threshold ? 1f : 0f; // what ternary()'s keep flags are, exactly
                    kept[i] = a * keep[i];
                }
                float alpha;
                if (!(threshold >= MIN_FAST_THRESHOLD) || Float.isInfinite(threshold)) { // ternaryPlain()'s sums
                    double k = 0;
                    int n = 0;
                    for (int i = from; i < to; i++) if (keep[i] == 1f) { k += kept[i]; n++; }
                    alpha = n == 0 ? 0f : (float) (k / n);
                } else {
                    double n = sum(keep, from, to, false);
                    alpha = n == 0 ? 0f : (float) (sum(kept, from, to, false) / n);
                }
                scales[c] = alpha;
                for (int i = from; i < to; i++) levels[i] = keep[i] == 1f ? (w[i] < 0 ? -1 : 1) : 0;
            } else {
                float max = maxAbs(w, from, to);
                int q = maxLevel(bits);
                if (max == 0) continue;
                float s = (float) ((double) max / q), inv = (float) (q / (double) max), fq = q;
                scales[c] = s;
                for (int i = from; i < to; i++) {
                    float level = (w[i] * inv + ROUND) - ROUND;
                    levels[i] = (int) Math.min(fq, Math.max(-fq, level));
                }
            }
        }
        return new Levels(levels, scales);
    }

    /** Largest integer level of the k-bit symmetric grid: 2^(k-1) - 1. */
    public static int maxLevel(int bits) { return (1 << (bits - 1)) - 1; }

    static float maxAbs(float[] w, int from, int to) {
        float m0 = 0, m1 = 0, m2 = 0, m3 = 0;
        int i = from;
        for (; i + 3 < to; i += 4) {
            // a predictable branch: the running maximum rarely changes
            float a = Math.abs(w[i]), b = Math.abs(w[i + 1]), c = Math.abs(w[i + 2]), d = Math.abs(w[i + 3]);
            if (a > m0) m0 = a;
            if (b > m1) m1 = b;
            if (c > m2) m2 = c;
            if (d > m3) m3 = d;
        }
        for (; i < to; i++) {
            float a = Math.abs(w[i]);
            if (a > m0) m0 = a;
        }
        return Math.max(Math.max(m0, m1), Math.max(m2, m3));
    }

    /** Σ|w[i]| (or Σ w[i] with {@code abs} false) in eight float partial sums per 1,024 values, in double across blocks. */
    static double sum(float[] w, int from, int to, boolean abs) {
        double total = 0;
        int i = from;
        while (i < to) {
            int end = Math.min(to, i + 1024);
            float a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
            if (abs) {
                for (; i + 7 < end; i += 8) {
                    a0 += Math.abs(w[i]); a1 += Math.abs(w[i + 1]); a2 += Math.abs(w[i + 2]); a3 += Math.abs(w[i + 3]);
                    a4 += Math.abs(w[i + 4]); a5 += Math.abs(w[i + 5]); a6 += Math.abs(w[i + 6]); a7 += Math.abs(w[i + 7]);
                }
                for (; i < end; i++) a0 += Math.abs(w[i]);
            } else {
                for (; i + 7 < end; i += 8) {
                    a0 += w[i]; a1 += w[i + 1]; a2 += w[i + 2]; a3 += w[i + 3];
                    a4 += w[i + 4]; a5 += w[i + 5]; a6 += w[i + 6]; a7 += w[i + 7];
                }
                for (; i < end; i++) a0 += w[i];
            }
            total += ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7));
        }
        return total;
    }

    /**
     * Q(w[from, to)) for k = 3..8 as {@link #quantize(float[], float[], int, int, int, int)}, with each channel
     * block's max|W| given by the caller (computed elsewhere, e.g. by BLAS {@code isamax} on a native copy; it must
     * be the exact maximum of |w| over the block, as it is then the same float and Q is bit-identical). A NaN
     * maximum (a block holding NaN) is recomputed here, as {@code quantize} would.
     *
     * @throws IllegalArgumentException as {@code quantize}, if bits is not in 3..8, or maxAbs has not one value per channel
     */
    public static void quantizeUniform(float[] w, float[] out, int from, int to, int channels, int bits, float[] maxAbs) {
        if (bits < 3 || bits > 8) throw new IllegalArgumentException("bits is " + bits + ", but the uniform grid is for 3..8");
        if (maxAbs == null || maxAbs.length < channels)
            throw new IllegalArgumentException("maxAbs has " + (maxAbs == null ? 0 : maxAbs.length) + " values, but must have one per channel (" + channels + ")");
        if (channels < 1) throw new IllegalArgumentException("channels is " + channels + ", but must be >= 1");
        if (from < 0 || to < from || to > w.length || to > out.length)
            throw new IllegalArgumentException("range [" + from + ", " + to + ") does not fit arrays of " + w.length + " and " + out.length);
        if ((to - from) % channels != 0)
            throw new IllegalArgumentException("weights has " + (to - from) + " values, not a multiple of channels (" + channels + ")");
        int block = (to - from) / channels;
        for (int c = 0; c < channels; c++) {
            int lo = from + c * block, hi = lo + block;
            float max = maxAbs[c];
            uniform(w, out, lo, hi, bits, Float.isNaN(max) ? maxAbs(w, lo, hi) : max);
        }
    }

    private static void uniform(float[] w, float[] out, int from, int to, int bits) {
        uniform(w, out, from, to, bits, maxAbs(w, from, to));
    }

    private static void uniform(float[] w, float[] out, int from, int to, int bits, float max) {
        int q = maxLevel(bits);
        if (max == 0) {
            java.util.Arrays.fill(out, from, to, 0f);
            return;
        }
        float s = (float) ((double) max / q), inv = (float) (q / (double) max), fq = q;
        for (int i = from; i < to; i++) {
            float level = (w[i] * inv + ROUND) - ROUND;
            level = Math.min(fq, Math.max(-fq, level)); // |W|·inv <= q up to rounding: the clamp catches that
            out[i] = level * s + 0f; // + 0f turns -0.0 into 0.0: one zero level
        }
    }

    /** Ternary's per-weight scratch (keep flags and kept magnitudes), grown on demand, one pair per thread. */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[][]{new float[0], new float[0]});

    private static void ternary(float[] w, float[] out, int from, int to) {
        float threshold = (float) (TERNARY_THRESHOLD * sum(w, from, to, true) / (to - from));
        if (!(threshold >= MIN_FAST_THRESHOLD) || Float.isInfinite(threshold)) {
            ternaryPlain(w, out, from, to, threshold);
            return;
        }
        float[][] scratch = SCRATCH.get();
        if (scratch[0].length < to) {
            scratch[0] = new float[to];
            scratch[1] = new float[to];
        }
        float[] keep = scratch[0], kept = scratch[1];
        // keep[i] = 1 if |w| > Δ else 0, exactly: |w| − Δ is 0 or at least ulp(Δ) > Δ·2⁻²⁴, times 2²⁵/Δ it is 0 or >= 2.
        // Vectorised loops (min/max/mul), indexed like w; the sums below are short float chains.
        float big = (float) (33554432.0 / threshold);
        for (int i = from; i < to; i++) {
            float a = Math.abs(w[i]);
            float k = Math.min(Math.max(a - threshold, 0f) * big, 1f);
            keep[i] = k;
            kept[i] = a * k;
        }
        double n = sum(keep, from, to, false); // a count: exact in float per block
        float alpha = n == 0 ? 0f : (float) (sum(kept, from, to, false) / n);
        for (int i = from; i < to; i++) {
            float v = w[i];
            // v / |v| is exactly ±1 for v ≠ 0; v = 0 is never kept (Δ > 0)
            out[i] = (alpha * keep[i]) * (v / Math.max(Math.abs(v), Float.MIN_VALUE)) + 0f;
        }
    }

    /** Ternary with a scalar threshold test, for degenerate thresholds (all-zero or subnormal weights). */
    private static void ternaryPlain(float[] w, float[] out, int from, int to, float threshold) {
        double kept = 0;
        int n = 0;
        for (int i = from; i < to; i++) {
            float a = Math.abs(w[i]);
            if (a > threshold) {
                kept += a;
                n++;
            }
        }
        float alpha = n == 0 ? 0f : (float) (kept / n);
        for (int i = from; i < to; i++) {
            float v = w[i];
            out[i] = Math.abs(v) > threshold ? Math.copySign(alpha, v) + 0f : 0f;
        }
    }

    private static void binary(float[] w, float[] out, int from, int to) {
        float mean = (float) (sum(w, from, to, true) / (to - from));
        for (int i = from; i < to; i++) {
            float v = w[i];
            float s = v / Math.max(Math.abs(v), Float.MIN_VALUE); // ±1, or 0 for v = ±0
            out[i] = mean * (s + (1f - Math.abs(s)));            // sign(±0) = +1
        }
    }
}
