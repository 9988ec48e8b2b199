package org.bitsearch.trainers.dl4j.quant;

/**
 * The weight quantizers of DESIGN.md, on plain float arrays. Pure and thread-safe.
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
 * <p>Arithmetic (fixed, so every caller gets the same bits; the fast training step, DL4J's weight noise used by
 * {@code fit} and {@code output}, and the packed export's {@link #levels} all call this class and nothing else
 * computes a scale): max|W| is exact; the ternary and binary scales come from {@link #sum} (Σ|W|) and
 * {@link #ternaryAlpha} (the count and Σ|W| of the weights above Δ), both reductions over {@value #LANES} float
 * lanes (lane j adds the values at offsets ≡ j mod {@value #LANES} from the block's start, at most 64 each, then the
 * lanes are added in lane order into a double, once per {@value #GROUP} values; the last &lt; {@value #LANES}
 * values are added in double one by one). The uniform grid is computed in float ({@code W · (q/max)} rounded half
 * to even by adding and subtracting 1.5·2²³). Every pass over the weights is a loop the JIT vectorises: the
 * reductions copy {@value #LANES} values at a time into a small buffer (JDK 17's C2 vectorises a loop only when its
 * arrays cannot overlap, i.e. when every array in it is indexed by the same expression), and the ternary keep
 * test, the sign and the rounding are branch-free. A training step quantizes each layer's weights once.
 */
public final class Quantizer {
    /** TWN's threshold factor: Δ = 0.7 · mean|W|. */
    public static final double TERNARY_THRESHOLD = 0.7;
    /** 1.5·2²³: for |x| &lt; 2²², (x + R) − R is x rounded to an integer, ties to even. */
    private static final float ROUND = 12582912f;
    /** Ternary thresholds below this take the plain loop (the vectorised test needs 2²⁵/Δ finite). */
    private static final float MIN_FAST_THRESHOLD = 1e-30f;
    /** Float lanes of the reductions ({@link #sum}, {@link #maxAbs}, {@link #ternaryAlpha}). */
    static final int LANES = 256;
    /** Values per group of the reductions: the float lanes are added into the double total after each group. */
    static final int GROUP = 64 * LANES;

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
                case 1 -> binaryKernel(w, out, lo, hi, binaryScale(w, lo, hi));
                case 2 -> {
                    float threshold = ternaryThreshold(w, lo, hi);
                    ternaryKernel(w, out, lo, hi, threshold, ternaryAlpha(w, lo, hi, threshold));
                }
                default -> uniformKernel(w, out, lo, hi, bits, maxAbs(w, lo, hi));
            }
        }
    }

    /**
     * The per-block parameters of Q for one weight tensor (max|W| for k = 3..8, Δ and α for k = 2, mean|W| for
     * k = 1), computed from the whole tensor by {@link #scales}, to quantize pieces of it with {@link #apply}: the
     * same functions and elementwise kernels as {@link #quantize}, so the pieces are bit-identical to its output.
     * The fast training step uses it to quantize a chunk at a time into a cache-resident buffer.
     */
    public static final class Scales {
        private final int bits, block;
        private final float[] first, second;

        private Scales(int bits, int block, float[] first, float[] second) {
            this.bits = bits;
            this.block = block;
            this.first = first;
            this.second = second;
        }

        /** Values of the tensor. */
        public int length() { return block * first.length; }
    }

    /**
     * The scales of Q(w[from, to)) in {@code channels} blocks at {@code bits} (1..8): see {@link Scales}.
     *
     * @throws IllegalArgumentException as {@link #quantize(float[], float[], int, int, int, int)}, or for bits 32
     */
    public static Scales scales(float[] w, int from, int to, int channels, int bits) {
        if (channels < 1) throw new IllegalArgumentException("channels is " + channels + ", but must be >= 1");
        if (from < 0 || to < from || to > w.length)
            throw new IllegalArgumentException("range [" + from + ", " + to + ") does not fit an array of " + w.length);
        if ((to - from) % channels != 0)
            throw new IllegalArgumentException("weights has " + (to - from) + " values, not a multiple of channels (" + channels + ")");
        if (bits < 1 || bits > 8) throw new IllegalArgumentException("bits is " + bits + ", but scales exist for 1..8");
        int block = (to - from) / channels;
        float[] first = new float[channels], second = bits == 2 ? new float[channels] : null;
        for (int c = 0; c < channels; c++) {
            int lo = from + c * block, hi = lo + block;
            switch (bits) {
                case 1 -> first[c] = binaryScale(w, lo, hi);
                case 2 -> {
                    first[c] = ternaryThreshold(w, lo, hi);
                    second[c] = ternaryAlpha(w, lo, hi, first[c]);
                }
                default -> first[c] = maxAbs(w, lo, hi);
            }
        }
        return new Scales(bits, block, first, second);
    }

    /**
     * Overwrites {@code values[at, at + length)}, which hold the tensor's values at positions
     * {@code [position, position + length)} (counted from the tensor's start), with their Q: exactly what
     * {@link #quantize} writes at those positions.
     *
     * @throws IllegalArgumentException if the piece does not fit the array or the tensor
     */
    public static void apply(Scales s, float[] values, int at, int length, int position) {
        if (at < 0 || length < 0 || at + length > values.length || position < 0 || position + length > s.length())
            throw new IllegalArgumentException("piece of " + length + " values at " + at + " (tensor position " + position
                    + ") does not fit an array of " + values.length + " and a tensor of " + s.length());
        int end = position + length;
        for (int p = position; p < end; ) {
            int c = p / s.block, hi = Math.min(end, (c + 1) * s.block);
            int lo = at + (p - position), n = hi - p;
            switch (s.bits) {
                case 1 -> binaryKernel(values, values, lo, lo + n, s.first[c]);
                case 2 -> ternaryKernel(values, values, lo, lo + n, s.first[c], s.second[c]);
                default -> uniformKernel(values, values, lo, lo + n, s.bits, s.first[c]);
            }
            p = hi;
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
                scales[c] = binaryScale(w, from, to);
                for (int i = from; i < to; i++) levels[i] = w[i] < 0 ? -1 : 1; // sign(±0) = +1, as binaryKernel
            } else if (bits == 2) {
                float threshold = ternaryThreshold(w, from, to);
                scales[c] = ternaryAlpha(w, from, to, threshold);
                // kept exactly where ternaryKernel's keep flag is 1: |w| > Δ
                for (int i = from; i < to; i++) levels[i] = Math.abs(w[i]) > threshold ? (w[i] < 0 ? -1 : 1) : 0;
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

    /**
     * max|w[i]| over [from, to), NaNs ignored (0 for an empty or all-NaN range): lane maxima over {@value #LANES}-value
     * chunks, vectorised; exact, so the order does not matter.
     */
    static float maxAbs(float[] w, int from, int to) {
        float m = 0;
        int i = from;
        if (to - from >= LANES) {
            float[] acc = new float[LANES], chunk = new float[LANES];
            for (; to - i >= LANES; i += LANES) {
                System.arraycopy(w, i, chunk, 0, LANES);
                for (int j = 0; j < LANES; j++) acc[j] = Math.max(acc[j], Math.abs(chunk[j]));
            }
            for (int j = 0; j < LANES; j++) m = Math.max(m, acc[j]);
        }
        for (; i < to; i++) m = Math.max(m, Math.abs(w[i]));
        return Float.isNaN(m) ? maxAbsIgnoringNaN(w, from, to) : m; // Math.max propagates NaN
    }

    private static float maxAbsIgnoringNaN(float[] w, int from, int to) {
        float m = 0;
        for (int i = from; i < to; i++) {
            float a = Math.abs(w[i]);
            if (a > m) m = a;
        }
        return m;
    }

    /**
     * Σ|w[i]| over [from, to) in the fixed order of the class comment: {@value #LANES} float lane sums per group of
     * {@value #GROUP} values, added in lane order into a double; the tail after the last full chunk in double.
     */
    static double sum(float[] w, int from, int to) {
        double total = 0;
        int i = from;
        if (to - from >= LANES) {
            float[] acc = new float[LANES], chunk = new float[LANES];
            while (to - i >= LANES) {
                int end = i + Math.min(GROUP, (to - i) / LANES * LANES);
                for (; i < end; i += LANES) {
                    System.arraycopy(w, i, chunk, 0, LANES);
                    for (int j = 0; j < LANES; j++) acc[j] += Math.abs(chunk[j]);
                }
                total += drain(acc);
            }
        }
        for (; i < to; i++) total += Math.abs(w[i]);
        return total;
    }

    /** Σ acc[j] in lane order, in double; zeroes acc. */
    private static double drain(float[] acc) {
        double t = 0;
        for (int j = 0; j < LANES; j++) t += acc[j];
        java.util.Arrays.fill(acc, 0f);
        return t;
    }

    /** Binary's scale of w[from, to): mean|W| = {@link #sum} / n, rounded to float. */
    static float binaryScale(float[] w, int from, int to) {
        return (float) (sum(w, from, to) / (to - from));
    }

    /** TWN's threshold of w[from, to): Δ = 0.7 · {@link #sum} / n, rounded to float. */
    static float ternaryThreshold(float[] w, int from, int to) {
        return (float) (TERNARY_THRESHOLD * sum(w, from, to) / (to - from));
    }

    /** Whether the branch-free keep test holds for Δ: Δ normal and finite (then 2²⁵/Δ is finite). */
    private static boolean fastThreshold(float threshold) {
        return threshold >= MIN_FAST_THRESHOLD && !Float.isInfinite(threshold);
    }

    /**
     * TWN's α of w[from, to) for threshold Δ: Σ|W| / count over |W| &gt; Δ (0 when no weight is above Δ), the sum
     * and count in {@link #sum}'s lanes and order (the count is exact), the quotient in double rounded to float.
     * The keep flag is branch-free: k = min(max(|w| − Δ, 0)·2²⁵/Δ, 1), exactly 1 if |w| &gt; Δ and 0 otherwise (|w| − Δ
     * is 0 or at least ulp(Δ) ≥ Δ·2⁻²⁴, so the product is 0 or at least 2), and max(x, 0) = (x + |x|)/2 exactly.
     * Degenerate thresholds (zero, subnormal, infinite or NaN) take a plain loop in double.
     */
    static float ternaryAlpha(float[] w, int from, int to, float threshold) {
        if (!fastThreshold(threshold)) {
            double kept = 0;
            int n = 0;
            for (int i = from; i < to; i++) {
                float a = Math.abs(w[i]);
                if (a > threshold) {
                    kept += a;
                    n++;
                }
            }
            return n == 0 ? 0f : (float) (kept / n);
        }
        float half = halfScale(threshold);
        double n = 0, kept = 0;
        int i = from;
        if (to - from >= LANES) {
            float[] count = new float[LANES], mass = new float[LANES], chunk = new float[LANES];
            while (to - i >= LANES) {
                int end = i + Math.min(GROUP, (to - i) / LANES * LANES);
                for (; i < end; i += LANES) {
                    System.arraycopy(w, i, chunk, 0, LANES);
                    for (int j = 0; j < LANES; j++) {
                        float a = Math.abs(chunk[j]), x = a - threshold;
                        float k = Math.min((x + Math.abs(x)) * half, 1f);
                        count[j] += k;
                        mass[j] += a * k;
                    }
                }
                n += drain(count);
                kept += drain(mass);
            }
        }
        for (; i < to; i++) {
            float a = Math.abs(w[i]), x = a - threshold;
            float k = Math.min((x + Math.abs(x)) * half, 1f);
            n += k;
            kept += a * k;
        }
        return n == 0 ? 0f : (float) (kept / n);
    }

    /** ½·2²⁵/Δ (the keep test's scale, halved for (x + |x|) = 2·max(x, 0)). */
    private static float halfScale(float threshold) {
        return (float) (33554432.0 / threshold) * 0.5f;
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
            uniformKernel(w, out, lo, hi, bits, Float.isNaN(max) ? maxAbs(w, lo, hi) : max);
        }
    }

    /** out[i] = Q(w[i]) on the k-bit grid of max|W| = {@code max}, for i in [from, to) ({@code out} may be {@code w}). */
    private static void uniformKernel(float[] w, float[] out, int from, int to, int bits, float max) {
        int q = maxLevel(bits);
        if (max == 0) {
            java.util.Arrays.fill(out, from, to, 0f);
            return;
        }
        float s = (float) ((double) max / q), inv = (float) (q / (double) max), fq = q;
        if (Float.isInfinite(inv)) { // max below ~q·2⁻¹²⁸: W·inv overflows, the clamp bounds it
            for (int i = from; i < to; i++) {
                float level = (w[i] * inv + ROUND) - ROUND;
                level = Math.min(fq, Math.max(-fq, level));
                out[i] = level * s + 0f; // + 0f turns -0.0 into 0.0: one zero level
            }
            return;
        }
        // No clamp needed: |W| <= max, so |W|·inv <= q·(1 + 2⁻²⁴)² < q + ½ (two roundings), which rounds to at most q;
        // the clamped loop above gives the same values (NaN stays NaN), at twice the instructions.
        for (int i = from; i < to; i++) {
            float level = (w[i] * inv + ROUND) - ROUND;
            out[i] = level * s + 0f;
        }
    }

    /** out[i] = Q(w[i]) for TWN's Δ = {@code threshold} and α = {@code alpha}, i in [from, to) ({@code out} may be {@code w}). */
    private static void ternaryKernel(float[] w, float[] out, int from, int to, float threshold, float alpha) {
        if (!fastThreshold(threshold)) {
            ternaryPlain(w, out, from, to, threshold, alpha);
            return;
        }
        float half = halfScale(threshold);
        for (int i = from; i < to; i++) {
            float v = w[i], a = Math.abs(v), x = a - threshold;
            float k = Math.min((x + Math.abs(x)) * half, 1f); // ternaryAlpha's keep flag
            // kept (k = 1): |v| > Δ > 0 and v / |v| = ±1 exactly; dropped (k = 0): a finite quotient times 0, + 0f = 0
            out[i] = (alpha * k) * (v / (a + (1f - k))) + 0f;
        }
    }

    /** Ternary with a scalar threshold test, for degenerate thresholds (all-zero or subnormal weights). */
    private static void ternaryPlain(float[] w, float[] out, int from, int to, float threshold, float alpha) {
        for (int i = from; i < to; i++) {
            float v = w[i];
            out[i] = Math.abs(v) > threshold ? Math.copySign(alpha, v) + 0f : 0f;
        }
    }

    /** out[i] = Q(w[i]) = mean · sign(w[i]) (sign(±0) = +1) for i in [from, to) ({@code out} may be {@code w}). */
    private static void binaryKernel(float[] w, float[] out, int from, int to, float mean) {
        for (int i = from; i < to; i++) {
            float v = w[i];
            float s = v / Math.max(Math.abs(v), Float.MIN_VALUE); // ±1, or 0 for v = ±0
            out[i] = mean * (s + (1f - Math.abs(s)));            // sign(±0) = +1
        }
    }
}
