package org.bitsearch.search.space;

import org.bitsearch.search.trial.Candidate;

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
     * Why the bit allocations of {@code c} are not in this space (weights, then activations), or empty if both are
     * feasible. A candidate must carry an activation allocation exactly when the space has the dimension.
     */
    public Optional<String> violation(Candidate c) {
        Optional<String> w = bits.violation(c.bits());
        if (w.isPresent()) return w;
        if (activationBits.isEmpty())
            return c.activationBits().isPresent() ? Optional.of("the candidate has activationBits " + c.activationBits().get()
                    + ", but the space has no activationBits dimension") : Optional.empty();
        if (c.activationBits().isEmpty()) return Optional.of("the candidate has no activationBits, but the space searches them");
        return activationBits.get().violation(c.activationBits().get()).map(v -> "activationBits: " + v);
    }
}
