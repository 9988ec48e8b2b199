package org.bitsearch.search.space;

import java.util.List;

/**
 * A quantizable layer whose weights a trainer stores factorized (Cherniuk et al. 2023, "Quantization Aware
 * Factorization for Deep Neural Network Compression"): a rank-R CP decomposition of its weight tensor reshaped to
 * the modes d_1..d_N, one factor matrix d_i × R per mode, every factor on its own k-bit grid. A dense layer
 * (nIn × nOut) has the two modes [nIn, nOut] and W ≈ A·B; a convolution kernel (out × in × kh × kw) has, as in the
 * paper's code, the three modes [out, in, kh·kw].
 *
 * <p>Stored size at rank R and bit-width b ({@link #storedBits}): R·Σd_i factor entries at b bits, one 32-bit scale
 * per factor when b &lt; 32 (per-tensor grid), and the layer's biases at 32 bits. The rank of a ratio ρ ∈ (0, 1] is
 * max(1, floor(ρ·Πd_i / Σd_i)): ρ = 1 stores as many factor entries as the layer has weights (the paper's code
 * picks the rank the same way from a "reduction rate" 1/ρ).
 *
 * @param layer  index of the layer among the model's quantizable layers ({@link QuantLayer#index()})
 * @param name   the layer's name ({@link QuantLayer#name()}); the rank parameter is {@code rank.<name>}
 * @param modes  the mode sizes d_1..d_N (N >= 2), each >= 1
 * @param biases bias parameters (32 bits each)
 */
public record FactorLayer(int layer, String name, List<Long> modes, long biases) {
    public FactorLayer {
        if (layer < 0) throw new IllegalArgumentException("factor layer index is " + layer + ", but must be >= 0");
        if (name == null || name.isBlank()) throw new IllegalArgumentException("factor layer name must not be blank");
        if (modes == null || modes.size() < 2) throw new IllegalArgumentException("layer " + name + ": modes is " + modes + ", but a factorization needs at least 2 modes");
        modes = List.copyOf(modes);
        for (long d : modes) if (d < 1) throw new IllegalArgumentException("layer " + name + ": modes is " + modes + ", but every mode must be >= 1");
        if (biases < 0) throw new IllegalArgumentException("layer " + name + ": biases is " + biases + ", but must be >= 0");
    }

    /** Number of weights of the unfactorized layer, Πd_i. */
    public long weights() {
        long w = 1;
        for (long d : modes) w = Math.multiplyExact(w, d);
        return w;
    }

    /** Σd_i: the factor entries per unit of rank. */
    public long modeSum() {
        long s = 0;
        for (long d : modes) s = Math.addExact(s, d);
        return s;
    }

    /** The rank of ratio ρ: max(1, floor(ρ·Πd_i / Σd_i)). */
    public int rank(double ratio) {
        if (!(ratio > 0 && ratio <= 1)) throw new IllegalArgumentException("rank ratio of " + name + " is " + ratio + ", but must be in (0, 1]");
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, (long) Math.floor(ratio * weights() / modeSum() + 1e-9)));
    }

    /** Factor entries at rank R: R·Σd_i. */
    public long factorEntries(int rank) { return Math.multiplyExact((long) rank, modeSum()); }

    /** Bits the factorized layer stores at rank R and b bits: entries·b, one 32-bit scale per factor if b < 32, biases at 32. */
    public long storedBits(int rank, int bits) {
        long s = Math.multiplyExact(factorEntries(rank), (long) bits);
        if (bits < 32) s = Math.addExact(s, (long) QuantLayer.SCALE_BITS * modes.size());
        return Math.addExact(s, Math.multiplyExact(32L, biases));
    }
}
