package org.bitsearch.trainers.dl4j.quant;

import org.bitsearch.trainers.packed.ReferenceInference;

/**
 * The arithmetic of activation quantization, shared by DL4J's {@code fit} path ({@link QuantizedActivation}), the
 * fast step and the packed export, so that all three compute the same values bit for bit. Pure Java, stateless.
 *
 * <p><b>Grid</b> (k bits, clipping value α): unsigned (after ReLU and other non-negative nonlinearities)
 * a ↦ round(clamp(a, 0, α)·n/α)·α/n with n = 2^k − 1; signed a ↦ round(clamp(a, −α, α)·n/α)·α/n with
 * n = 2^(k−1) − 1; k = 1 unsigned: {0, α} (threshold α/2); k = 1 signed: sign(a)·α with α fixed at 1, the binary
 * activation of BinaryNet/XNOR-Net (Courbariaux et al. 2016, arXiv:1602.02830; Rastegari et al. 2016,
 * arXiv:1603.05279), as BiTAT's 1-bit/1-bit setting uses. {@link ReferenceInference#quantizeActivation} is the
 * formula.
 *
 * <p><b>Clipping value</b>: calibrated by a running percentile, not learned (we chose this over PACT's learned α
 * for determinism and because it needs no extra parameter in DL4J's updater): at every training forward pass the
 * {@value #PERCENTILE}-th percentile p_t (nearest rank) of the batch's activations (|a| when signed) is folded into
 * an exponential moving average α_t = m·α_{t−1} + (1 − m)·p_t with m = {@value #MOMENTUM} (α_1 = p_1); inference
 * uses the last α. The moving average of activation ranges during training is that of Jacob et al. 2018
 * (arXiv:1712.05877, §3.1, "Quantization and Training of Neural Networks for Efficient Integer-Arithmetic-Only
 * Inference"); the percentile instead of the max is the percentile calibration of Wu et al. 2020
 * (arXiv:2004.09602, §4.2). The estimate keeps running while a progressive schedule holds the layer at 32 bits.
 *
 * <p><b>Gradient</b>: the straight-through estimator with clipping (Bengio et al. 2013; Courbariaux et al. 2016):
 * ∂q/∂a = 1 where 0 ≤ a ≤ α (unsigned) or |a| ≤ α (signed), 0 where the value was clipped; for binary signed
 * activations that is BinaryNet's 1_{|a| ≤ 1}.
 */
public final class ActivationQuantizer {
    /** The percentile of each batch's activations that calibrates α. */
    public static final double PERCENTILE = 99.9;
    /** The momentum m of the moving average of α. */
    public static final double MOMENTUM = 0.9;
    /** The smallest α (a layer whose activations are all 0 still has a grid). */
    public static final float MIN_CLIP = 1e-6f;

    private ActivationQuantizer() {}

    /** Whether the grid of a layer with activation {@code bits} and {@code signed} uses a fixed α = 1 (binary signed). */
    public static boolean fixedClip(int bits, boolean signed) { return bits == 1 && signed; }

    /** The next α: the batch's percentile folded into the running α ({@code calibrated} false: the first batch). */
    public static float update(float clip, boolean calibrated, float batchPercentile) {
        double next = calibrated ? MOMENTUM * clip + (1 - MOMENTUM) * batchPercentile : batchPercentile;
        return (float) Math.max(MIN_CLIP, next);
    }

    /** The {@value #PERCENTILE}-th percentile (nearest rank) of {@code v[0..n)} (of |v| when signed); 0 if n is 0. */
    public static float percentile(float[] v, int n, boolean signed, float[] scratch) {
        if (n == 0) return 0f;
        float[] s = scratch != null && scratch.length >= n ? scratch : new float[n];
        for (int i = 0; i < n; i++) s[i] = signed ? Math.abs(v[i]) : v[i];
        int k = (int) Math.ceil(PERCENTILE / 100.0 * n) - 1;
        return select(s, n, Math.max(0, Math.min(n - 1, k)));
    }

    /** Quantizes {@code v[0..n)} in place to the grid of {@code bits}, {@code signed}, α = {@code clip}. */
    public static void quantize(float[] v, int n, int bits, boolean signed, float clip) {
        if (bits == 32) return;
        for (int i = 0; i < n; i++) v[i] = ReferenceInference.quantizeActivation(v[i], bits, signed, clip);
    }

    /** The straight-through estimator's pass mask: whether a's gradient flows (a inside the clipping range). */
    public static boolean passes(float a, boolean signed, float clip) {
        return signed ? Math.abs(a) <= clip : a >= 0f && a <= clip;
    }

    /** The k-th smallest (0-based) of s[0..n), reordering s (quickselect, median-of-three pivots; deterministic). */
    static float select(float[] s, int n, int k) {
        int lo = 0, hi = n - 1;
        while (hi > lo) {
            int mid = (lo + hi) >>> 1;
            float a = s[lo], b = s[mid], c = s[hi];
            float pivot = a < b ? (b < c ? b : Math.max(a, c)) : (a < c ? a : Math.max(b, c));
            int i = lo, j = hi;
            while (i <= j) {
                while (s[i] < pivot) i++;
                while (s[j] > pivot) j--;
                if (i <= j) {
                    float t = s[i]; s[i] = s[j]; s[j] = t;
                    i++;
                    j--;
                }
            }
            if (k <= j) hi = j;
            else if (k >= i) lo = i;
            else return s[k];
        }
        return s[k];
    }
}
