package org.bitsearch.search.space;

/**
 * One quantizable (weight) layer of a model, as the search space sees it.
 *
 * <p>Stored size at bit-width b (DESIGN.md, "Model size in bits"): {@code weights·b} for the weights, plus one
 * 32-bit scale per quantization block when b < 32 ({@code scales}: 1 for a per-tensor scale, the number of output
 * channels with per-channel scales), plus {@code 32·biases}. At 32 bits the layer is left in full precision and
 * stores no scale. {@link #storedBits} is that formula; {@link ModelSize} sums it over the layers.
 *
 * @param index   position among the quantizable layers, 0 = closest to the input
 * @param name    a stable, human-readable name ("dense0", "conv1")
 * @param weights number of weight parameters; these get the layer's bit-width
 * @param biases  number of bias parameters; these always stay at 32 bits
 * @param scales  number of 32-bit quantization scales the layer stores when quantized (1 = per tensor), 1..weights
 */
public record QuantLayer(int index, String name, long weights, long biases, long scales) {
    /** Bits of one stored scale (a float32). */
    public static final int SCALE_BITS = 32;

    public QuantLayer {
        if (index < 0) throw new IllegalArgumentException("layer index is " + index + ", but must be >= 0");
        if (name == null || name.isBlank()) throw new IllegalArgumentException("layer name must not be blank");
        if (weights <= 0) throw new IllegalArgumentException("layer " + name + ": weights is " + weights + ", but must be > 0");
        if (biases < 0) throw new IllegalArgumentException("layer " + name + ": biases is " + biases + ", but must be >= 0");
        if (scales < 1 || scales > weights)
            throw new IllegalArgumentException("layer " + name + ": scales is " + scales + ", but must be in 1.." + weights + " (weights)");
    }

    /** A layer quantized with one scale for the whole weight tensor. */
    public QuantLayer(int index, String name, long weights, long biases) { this(index, name, weights, biases, 1); }

    /** This layer with one scale per output channel ({@code channels} of them) instead of one per tensor. */
    public QuantLayer perChannel(long channels) { return new QuantLayer(index, name, weights, biases, channels); }

    /** Bits of the weights alone at {@code bits}, with their scales if quantized (b < 32); biases not included. */
    public long weightBits(int bits) {
        long w = Math.multiplyExact(weights, (long) bits);
        return bits < 32 ? Math.addExact(w, Math.multiplyExact((long) SCALE_BITS, scales)) : w;
    }

    /** Everything the layer stores at {@code bits}: {@link #weightBits} plus the biases at 32 bits. */
    public long storedBits(int bits) { return Math.addExact(weightBits(bits), Math.multiplyExact(32L, biases)); }
}
