package org.bitsearch.trainers.packed;

import java.util.Arrays;
import java.util.Objects;

/**
 * One layer of a {@link PackedModel}, in forward order. Weight layers ({@link Kind#DENSE}, {@link Kind#CONV2D}) hold
 * their quantized weights as integer codes with per-tensor or per-output-channel scales; pooling layers hold
 * only their geometry.
 *
 * <p>Weights are stored output-channel-major: for a dense layer, for each output o the nIn weights W[i][o]; for a
 * convolution, W[o][c][kh][kw] in that order. Code → weight (bits = k, scale s of the weight's output channel):
 * <ul>
 *   <li>k = 3..8: w = (float) ((code − (2^(k−1) − 1)) · s), the symmetric uniform grid (levels −q..q, q = 2^(k−1) − 1);</li>
 *   <li>k = 2: w = (float) ((code − 1) · s), ternary (TWN) levels −α, 0, α with s = α;</li>
 *   <li>k = 1: w = (float) ((2·code − 1) · s), binary levels ±mean|W|;</li>
 *   <li>k = 32: {@code codes} are the float32 bits of the weights, no scales.</li>
 * </ul>
 * Activation quantization of the layer's output: {@code activationBits} 32 means none; otherwise the output a is
 * clipped to [0, clip] (unsigned) or [−clip, clip] (signed) and rounded to the k-bit grid of that range.
 *
 * @param kind       the operation
 * @param name       the layer's name in the source model
 * @param activation the nonlinearity after it
 * @param nIn        input channels (features for dense)
 * @param nOut       output channels (features for dense)
 * @param geometry   conv/pool: kH, kW, sH, sW, padTop, padLeft, inH, inW, outH, outW; dense: empty
 * @param bits       weight bits: 1..8 or 32 (0 for pooling and activation; 32 for batch normalisation)
 * @param scales     one scale per tensor or per output channel (empty for 32 bits and pooling)
 * @param codes      the weight codes (see above; empty for pooling)
 * @param biases     FP32 biases, one per output (empty for pooling)
 * @param activationBits bits of the output activation, 1..8 or 32 (none)
 * @param activationSigned whether the activation grid is signed
 * @param activationClip the clipping value of the activation grid (> 0 when quantized)
 * @param inputs     the layers whose outputs this one reads, by index (−1 = the model's input), format version 2;
 *                   empty = the previous layer (the model's input for the first): a sequential model
 */
public record PackedLayer(Kind kind, String name, Activation activation, int nIn, int nOut, int[] geometry,
                          int bits, double[] scales, int[] codes, float[] biases,
                          int activationBits, boolean activationSigned, float activationClip, int[] inputs) {
    /**
     * Layer operations. {@code BATCH_NORM} (format version 2): inference batch normalisation folded per channel c to
     * y = a_c·x + b_c, a_c = γ_c / σ_c and b_c = β_c − μ_c·a_c (σ_c the running standard deviation, with ε), a_c stored
     * as the FP32 "weights" (bits 32, one per channel) and b_c as the biases. {@code ACTIVATION} (version 2): the
     * activation alone, no parameters. {@code ADD} (version 2): the element-wise sum of its two or more inputs (a
     * residual connection). {@code GLOBAL_AVG_POOL} (version 2): per channel the mean over its h·w positions
     * (geometry 1 1 1 1 0 0 h w 1 1).
     */
    public enum Kind { DENSE, CONV2D, MAX_POOL, AVG_POOL, BATCH_NORM, ACTIVATION, ADD, GLOBAL_AVG_POOL }

    /** Nonlinearities. */
    public enum Activation { IDENTITY, RELU, SOFTMAX, TANH, SIGMOID }

    /** A layer of a sequential model (reads the previous layer). */
    public PackedLayer(Kind kind, String name, Activation activation, int nIn, int nOut, int[] geometry, int bits, double[] scales,
                       int[] codes, float[] biases, int activationBits, boolean activationSigned, float activationClip) {
        this(kind, name, activation, nIn, nOut, geometry, bits, scales, codes, biases, activationBits, activationSigned, activationClip, new int[0]);
    }

    /** This layer reading {@code from} (indices, −1 = the model's input). */
    public PackedLayer withInputs(int... from) {
        return new PackedLayer(kind, name, activation, nIn, nOut, geometry, bits, scales, codes, biases, activationBits, activationSigned, activationClip, from);
    }

    public PackedLayer {
        Objects.requireNonNull(kind, "kind");
        inputs = inputs.clone();
        for (int i : inputs) if (i < -1) throw new IllegalArgumentException("layer " + name + ": input " + i + ", but inputs are layer indices or -1 (the model input)");
        if (kind == Kind.ADD && inputs.length < 2) throw new IllegalArgumentException("layer " + name + ": ADD needs at least 2 inputs, but has " + inputs.length);
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(activation, "activation");
        geometry = geometry.clone();
        scales = scales.clone();
        codes = codes.clone();
        biases = biases.clone();
        boolean weighted = kind == Kind.DENSE || kind == Kind.CONV2D;
        if (kind != Kind.DENSE && geometry.length != 10)
            throw new IllegalArgumentException("layer " + name + ": geometry has " + geometry.length + " values, but " + kind + " needs 10");
        if (kind == Kind.BATCH_NORM) {
            if (bits != 32) throw new IllegalArgumentException("layer " + name + ": bits is " + bits + ", but a BATCH_NORM layer stores FP32 (32)");
            if (nIn != nOut) throw new IllegalArgumentException("layer " + name + ": nIn " + nIn + " and nOut " + nOut + " of a BATCH_NORM layer must be equal");
            if (codes.length != nOut || biases.length != nOut)
                throw new IllegalArgumentException("layer " + name + ": " + codes.length + " scales and " + biases.length + " shifts, but must be nOut = " + nOut + " each");
        }
        if (weighted) {
            if (!(bits >= 1 && bits <= 8) && bits != 32) throw new IllegalArgumentException("layer " + name + ": bits is " + bits + ", but must be 1..8 or 32");
            if (codes.length != weightCount(kind, nIn, nOut, geometry))
                throw new IllegalArgumentException("layer " + name + ": " + codes.length + " codes, but the layer has " + weightCount(kind, nIn, nOut, geometry) + " weights");
            if (bits != 32 && scales.length != 1 && scales.length != nOut)
                throw new IllegalArgumentException("layer " + name + ": " + scales.length + " scales, but must be 1 or nOut = " + nOut);
            if (biases.length != 0 && biases.length != nOut)
                throw new IllegalArgumentException("layer " + name + ": " + biases.length + " biases, but must be 0 or nOut = " + nOut);
        }
        if (!(activationBits >= 1 && activationBits <= 8) && activationBits != 32)
            throw new IllegalArgumentException("layer " + name + ": activationBits is " + activationBits + ", but must be 1..8 or 32");
    }

    static long weightCount(Kind kind, int nIn, int nOut, int[] g) {
        return switch (kind) {
            case DENSE -> (long) nIn * nOut;
            case CONV2D -> (long) nOut * nIn * g[0] * g[1];
            case BATCH_NORM -> nOut;
            default -> 0;
        };
    }

    /** Whether the layer has quantizable weights (dense, convolution). */
    public boolean weighted() { return kind == Kind.DENSE || kind == Kind.CONV2D; }

    /** Whether the layer stores parameters: {@link #weighted()} or batch normalisation. */
    public boolean hasParams() { return hasParams(kind); }

    static boolean hasParams(Kind kind) { return kind == Kind.DENSE || kind == Kind.CONV2D || kind == Kind.BATCH_NORM; }

    /** Number of weights. */
    public long weights() { return weightCount(kind, nIn, nOut, geometry); }

    /** The dequantized weights, output-channel-major. */
    public float[] dequantize() {
        float[] w = new float[codes.length];
        if (bits == 32) {
            for (int i = 0; i < w.length; i++) w[i] = Float.intBitsToFloat(codes[i]);
            return w;
        }
        int block = codes.length / scales.length;
        int offset = bits == 1 ? 0 : bits == 2 ? 1 : (1 << (bits - 1)) - 1;
        for (int i = 0; i < w.length; i++) {
            double s = scales[i / block];
            int level = bits == 1 ? 2 * codes[i] - 1 : codes[i] - offset;
            w[i] = (float) (level * s) + 0f;
        }
        return w;
    }

    /** The code of a level for {@code bits} (the inverse of the level in {@link #dequantize}). */
    public static int code(int level, int bits) {
        if (bits == 1) return level > 0 ? 1 : 0;
        return level + (bits == 2 ? 1 : (1 << (bits - 1)) - 1);
    }

    @Override public boolean equals(Object o) {
        return o instanceof PackedLayer p && kind == p.kind && name.equals(p.name) && activation == p.activation
                && nIn == p.nIn && nOut == p.nOut && Arrays.equals(geometry, p.geometry) && bits == p.bits
                && Arrays.equals(scales, p.scales) && Arrays.equals(codes, p.codes) && Arrays.equals(biases, p.biases)
                && activationBits == p.activationBits && activationSigned == p.activationSigned
                && Float.compare(activationClip, p.activationClip) == 0 && Arrays.equals(inputs, p.inputs);
    }

    @Override public int hashCode() { return Objects.hash(kind, name, nIn, nOut, bits, Arrays.hashCode(codes)); }

    @Override public String toString() {
        return "PackedLayer(" + kind + " " + name + " " + nIn + "->" + nOut + ", " + bits + " bits, A" + activationBits + ")";
    }
}
