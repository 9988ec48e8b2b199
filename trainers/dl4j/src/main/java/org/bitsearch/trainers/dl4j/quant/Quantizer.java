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
 */
public final class Quantizer {
    /** TWN's threshold factor: Δ = 0.7 · mean|W|. */
    public static final double TERNARY_THRESHOLD = 0.7;

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
        if (channels < 1) throw new IllegalArgumentException("channels is " + channels + ", but must be >= 1");
        if (w.length % channels != 0)
            throw new IllegalArgumentException("weights has " + w.length + " values, not a multiple of channels (" + channels + ")");
        if (out.length != w.length)
            throw new IllegalArgumentException("out has " + out.length + " values, but weights has " + w.length);
        int block = w.length / channels;
        for (int c = 0; c < channels; c++) {
            int from = c * block, to = from + block;
            switch (bits) {
                case 32 -> System.arraycopy(w, from, out, from, block);
                case 1 -> binary(w, out, from, to);
                case 2 -> ternary(w, out, from, to);
                case 3, 4, 5, 6, 7, 8 -> uniform(w, out, from, to, bits);
                default -> throw new IllegalArgumentException("bits is " + bits + ", but must be 1..8 or 32");
            }
        }
    }

    /**
     * The integer levels and scales of Q(w) (k = 1..8): Q(w)[i] = (float) (levels[i] · scales[i / block]) exactly,
     * for the same {@code w}, {@code channels} and {@code bits} as {@link #quantize}. Levels: -q..q for k = 3..8,
     * -1, 0, 1 for k = 2 (scale α), -1, 1 for k = 1 (scale mean|W|). The packed export stores them.
     */
    public record Levels(int[] levels, double[] scales) {}

    /** See {@link Levels}. */
    public static Levels levels(float[] w, int channels, int bits) {
        if (bits < 1 || bits > 8) throw new IllegalArgumentException("bits is " + bits + ", but levels exist for 1..8");
        if (channels < 1 || w.length % channels != 0)
            throw new IllegalArgumentException("weights has " + w.length + " values, not a multiple of channels (" + channels + ")");
        int block = w.length / channels;
        int[] levels = new int[w.length];
        double[] scales = new double[channels];
        for (int c = 0; c < channels; c++) {
            int from = c * block, to = from + block;
            double sum = 0, max = 0;
            for (int i = from; i < to; i++) {
                sum += Math.abs(w[i]);
                max = Math.max(max, Math.abs(w[i]));
            }
            if (bits == 1) {
                scales[c] = (float) (sum / (to - from));
                for (int i = from; i < to; i++) levels[i] = w[i] + 0f < 0 ? -1 : 1; // as copySign(mean, w + 0f): sign(-0.0) = +1
            } else if (bits == 2) {
                float threshold = (float) (TERNARY_THRESHOLD * sum / (to - from));
                double kept = 0;
                int n = 0;
                for (int i = from; i < to; i++) {
                    float a = Math.abs(w[i]);
                    int k = above(a, threshold);
                    kept += a * k;
                    n += k;
                }
                scales[c] = n == 0 ? 0f : (float) (kept / n);
                for (int i = from; i < to; i++) levels[i] = above(Math.abs(w[i]), threshold) * (w[i] < 0 ? -1 : 1);
            } else {
                int q = maxLevel(bits);
                if (max == 0) continue;
                scales[c] = max / q;
                double inv = q / max;
                for (int i = from; i < to; i++) {
                    double level = Math.rint(w[i] * inv);
                    levels[i] = (int) Math.max(-q, Math.min(q, level));
                }
            }
        }
        return new Levels(levels, scales);
    }

    /** Largest integer level of the k-bit symmetric grid: 2^(k-1) - 1. */
    public static int maxLevel(int bits) { return (1 << (bits - 1)) - 1; }

    private static void uniform(float[] w, float[] out, int from, int to, int bits) {
        double max = 0;
        for (int i = from; i < to; i++) max = Math.max(max, Math.abs(w[i]));
        int q = maxLevel(bits);
        if (max == 0) {
            java.util.Arrays.fill(out, from, to, 0f);
            return;
        }
        double s = max / q, inv = q / max;
        for (int i = from; i < to; i++) {
            double level = Math.rint(w[i] * inv);
            // |W|·inv <= q by the choice of s, so the clamp only catches rounding (a predictable branch)
            if (level > q) level = q;
            else if (level < -q) level = -q;
            out[i] = (float) (level * s) + 0f; // + 0f turns -0.0 into 0.0: one zero level
        }
    }

    private static void ternary(float[] w, float[] out, int from, int to) {
        double sum = 0;
        for (int i = from; i < to; i++) sum += Math.abs(w[i]);
        double delta = TERNARY_THRESHOLD * sum / (to - from);
        float threshold = (float) delta;
        double kept = 0;
        int n = 0;
        for (int i = from; i < to; i++) {
            float a = Math.abs(w[i]);
            int k = above(a, threshold);
            kept += a * k;
            n += k;
        }
        float alpha = n == 0 ? 0f : (float) (kept / n);
        for (int i = from; i < to; i++) {
            float v = w[i];
            out[i] = Math.copySign(alpha, v) * above(Math.abs(v), threshold) + 0f;
        }
    }

    /**
     * 1 if a &gt; t, else 0, for finite a, t &gt;= 0, without a branch: whether a weight passes the threshold is a
     * coin flip that defeats branch prediction.
     */
    private static int above(float a, float t) {
        return Float.floatToRawIntBits(t - a) >>> 31;
    }

    private static void binary(float[] w, float[] out, int from, int to) {
        double sum = 0;
        for (int i = from; i < to; i++) sum += Math.abs(w[i]);
        float mean = (float) (sum / (to - from));
        for (int i = from; i < to; i++) out[i] = Math.copySign(mean, w[i] + 0f); // + 0f: sign(-0.0) = +1
    }
}
