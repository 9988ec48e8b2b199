package org.bitsearch.search.space;

import java.util.List;

/**
 * Exact storage size of a model's parameters (DESIGN.md): sum over layers of weights_l · bits_l, plus one 32-bit
 * scale per quantized tensor (per output channel with per-channel scales; none for a layer left at 32 bits), plus
 * biases at 32 bits; see {@link QuantLayer#storedBits}. Computed without training from the layer parameter counts.
 * Every size the tool shows (CLI, API, page, exports) is this number.
 *
 * @param bits     size of the quantized model in bits
 * @param fp32Bits size of the same model with every parameter at 32 bits
 */
public record ModelSize(long bits, long fp32Bits) {
    public ModelSize {
        if (bits <= 0) throw new IllegalArgumentException("bits is " + bits + ", but must be > 0");
        if (fp32Bits < bits) throw new IllegalArgumentException("fp32Bits is " + fp32Bits + ", but must be >= bits (" + bits + ")");
    }

    /** Size of {@code layers} quantized as {@code allocation}; throws if the counts differ. */
    public static ModelSize of(List<QuantLayer> layers, BitAllocation allocation) {
        if (layers.size() != allocation.layers())
            throw new IllegalArgumentException("bits has " + allocation.layers() + " entries, but the model has "
                    + layers.size() + " quantizable layers");
        long bits = 0, fp = 0;
        for (int i = 0; i < layers.size(); i++) {
            QuantLayer l = layers.get(i);
            bits = Math.addExact(bits, l.storedBits(allocation.get(i)));
            fp = Math.addExact(fp, l.storedBits(32));
        }
        return new ModelSize(bits, fp);
    }

    /** Bits in one KiB (1024 bytes). */
    public static final double BITS_PER_KIB = 8192.0;

    /** Size in KiB (1 KiB = 8192 bits). */
    public double kib() { return kib(bits); }

    /** {@code bits} in KiB (1 KiB = 8192 bits): the one conversion every view uses. */
    public static double kib(long bits) { return bits / BITS_PER_KIB; }

    /** Compression ratio against the all-32-bit model (>= 1). */
    public double compressionRatio() { return (double) fp32Bits / bits; }
}
