package org.bitsearch.search.space;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Hyperparameter dimensions plus the weight bit-allocation dimension, optionally the activation bit-allocation
 * dimension ({@code space.activationBits}), and the factorized layers' ranks ({@code space.ranks}).
 *
 * @param dimensions     named hyperparameter dimensions (may be empty); names distinct. With searched ranks the rank
 *                       dimensions ({@link RankSpace#dimensions()}) are appended here by the constructor
 * @param bits           the per-layer weight bit-width dimension
 * @param activationBits the per-layer activation bit-width dimension (entry l: the bits of layer l's output); empty
 *                       = activations stay FP32. Same layers as {@code bits}; no size budget (the model size
 *                       counts weights only), the other constraints (allowed set, non-increasing, pins, depth prior)
 *                       as for {@code bits}
 * @param ranks          the factorized layers and their ranks (Quantization Aware Factorization; {@link RankSpace#NONE}: none)
 */
public record SearchSpace(List<Dimension> dimensions, BitAllocationSpace bits, Optional<BitAllocationSpace> activationBits,
                          RankSpace ranks) {
    public SearchSpace {
        if (bits == null) throw new IllegalArgumentException("bits must not be null");
        if (activationBits == null) activationBits = Optional.empty();
        if (ranks == null) ranks = RankSpace.NONE;
        List<Dimension> all = new ArrayList<>(dimensions);
        for (Dimension d : ranks.dimensions()) if (all.stream().noneMatch(d::equals)) all.add(d);
        dimensions = List.copyOf(all);
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
        for (FactorLayer f : ranks.layers())
            if (f.layer() >= bits.size() || !bits.layers().get(f.layer()).name().equals(f.name()))
                throw new IllegalArgumentException("ranks: factor layer " + f.name() + " (index " + f.layer() + ") is not a quantizable layer of the model");
    }

    /** A space whose activations stay FP32, without factorized layers. */
    public SearchSpace(List<Dimension> dimensions, BitAllocationSpace bits) { this(dimensions, bits, Optional.empty(), RankSpace.NONE); }

    /** A space without factorized layers. */
    public SearchSpace(List<Dimension> dimensions, BitAllocationSpace bits, Optional<BitAllocationSpace> activationBits) {
        this(dimensions, bits, activationBits, RankSpace.NONE);
    }

    /** A space whose activations stay FP32, with the factorized layers of {@code ranks}. */
    public SearchSpace(List<Dimension> dimensions, BitAllocationSpace bits, RankSpace ranks) {
        this(dimensions, bits, Optional.empty(), ranks);
    }

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

    /**
     * Exact model size in bits of a candidate (its weight bit allocation and parameters): the allocation's size ({@link
     * BitAllocationSpace#sizeBits}), with the factorized layers counted as their quantized factors at the ranks the
     * parameters choose ({@link RankSpace#sizeBits}).
     */
    public long sizeBits(BitAllocation allocation, Map<String, Object> params) {
        return ranks.layers().isEmpty() ? bits.sizeBits(allocation) : ranks.sizeBits(bits.layers(), allocation, params);
    }
}
