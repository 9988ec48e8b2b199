package org.bitsearch.search.space;

import java.util.List;
import java.util.Optional;

/**
 * Hyperparameter dimensions plus the weight bit-allocation dimension and, optionally, the activation
 * bit-allocation dimension ({@code space.activationBits}).
 *
 * @param dimensions     named hyperparameter dimensions (may be empty); names distinct
 * @param bits           the per-layer weight bit-width dimension
 * @param activationBits the per-layer activation bit-width dimension (entry l: the bits of layer l's output); empty
 *                       = activations stay FP32. Same layers as {@code bits}; no size budget (the model size
 *                       counts weights only), the other constraints (allowed set, non-increasing, pins, depth prior)
 *                       as for {@code bits}
 */
public record SearchSpace(List<Dimension> dimensions, BitAllocationSpace bits, Optional<BitAllocationSpace> activationBits) {
    public SearchSpace {
        dimensions = List.copyOf(dimensions);
        if (bits == null) throw new IllegalArgumentException("bits must not be null");
        if (activationBits == null) activationBits = Optional.empty();
        if (dimensions.stream().map(Dimension::name).distinct().count() != dimensions.size())
            throw new IllegalArgumentException("dimension names must be distinct, but are " + dimensions.stream().map(Dimension::name).toList());
        if (activationBits.isPresent()) {
            BitAllocationSpace a = activationBits.get();
            if (!a.layers().equals(bits.layers()))
                throw new IllegalArgumentException("activationBits has layers " + a.layers().stream().map(QuantLayer::name).toList()
                        + ", but must have the layers of bits " + bits.layers().stream().map(QuantLayer::name).toList());
            if (a.maxSizeBits().isPresent())
                throw new IllegalArgumentException("activationBits.maxSizeBits is " + a.maxSizeBits().get()
                        + ", but must be absent: the model size counts weights only");
        }
    }

    /** A space whose activations stay FP32. */
    public SearchSpace(List<Dimension> dimensions, BitAllocationSpace bits) { this(dimensions, bits, Optional.empty()); }

    /**
     * Why a candidate's bit allocations (weights {@code weightBits}, activations {@code acts}) are not in this space
     * (weights checked first), or empty if both are feasible. A candidate must carry an activation allocation exactly
     * when the space has the dimension.
     */
    public Optional<String> violation(BitAllocation weightBits, Optional<BitAllocation> acts) {
        Optional<String> w = bits.violation(weightBits);
        if (w.isPresent()) return w;
        if (activationBits.isEmpty())
            return acts.isPresent() ? Optional.of("the candidate has activationBits " + acts.get()
                    + ", but the space has no activationBits dimension") : Optional.empty();
        if (acts.isEmpty()) return Optional.of("the candidate has no activationBits, but the space searches them");
        return activationBits.get().violation(acts.get()).map(v -> "activationBits: " + v);
    }
}
