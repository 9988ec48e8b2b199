package org.bitsearch.trainers.dl4j.fast;

import org.bitsearch.trainers.dl4j.quant.ActivationQuantizer;
import org.bitsearch.trainers.dl4j.quant.QuantizedActivation;

/**
 * The fast step's share of a layer's activation quantization ({@link QuantizedActivation}, unsigned, after ReLU):
 * forward calibrates α on the ReLU output and quantizes it in place at the training bits; backward's mask is ReLU's
 * derivative times the clipped straight-through estimator, [0 &lt; a ≤ α], as the fit path computes it. The same
 * {@link ActivationQuantizer} arithmetic as {@code fit}; the quantizer object is the network's own, so α lives in the
 * configuration as on the fit path. Not thread-safe.
 */
final class ActivationStep {
    private final QuantizedActivation act;
    private final boolean[] pass;
    private boolean quantized;

    ActivationStep(QuantizedActivation act, int maxValues) {
        this.act = act;
        this.pass = new boolean[maxValues];
    }

    /** After ReLU on a[0..n): calibrates α, then quantizes at the training bits, remembering the gradient mask. */
    void forward(float[] a, int n) {
        act.calibrate(a, n);
        int bits = act.getTrainBits();
        quantized = bits != 32;
        if (!quantized) return;
        float clip = act.clipFor(bits);
        for (int i = 0; i < n; i++) pass[i] = a[i] > 0f && ActivationQuantizer.passes(a[i], false, clip);
        ActivationQuantizer.quantize(a, n, bits, false, clip);
    }

    /** dZ = dA where the mask passes (ReLU's derivative of the output when not quantizing). */
    void delta(float[] g, float[] a, float[] dz, int n) {
        if (quantized) for (int i = 0; i < n; i++) dz[i] = pass[i] ? g[i] : 0f;
        else for (int i = 0; i < n; i++) dz[i] = a[i] > 0f ? g[i] : 0f;
    }
}
