package org.bitsearch.search.space;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Hyperparameter dimensions plus the bit-allocation dimension, and the factorized layers' ranks.
 *
 * @param dimensions named hyperparameter dimensions (may be empty); names distinct. With searched ranks the rank
 *                   dimensions ({@link RankSpace#dimensions()}) are appended here by the constructor
 * @param bits       the per-layer bit-width dimension
 * @param ranks      the factorized layers and their ranks ({@link RankSpace#NONE}: none)
 */
public record SearchSpace(List<Dimension> dimensions, BitAllocationSpace bits, RankSpace ranks) {
    public SearchSpace {
        if (bits == null) throw new IllegalArgumentException("bits must not be null");
        if (ranks == null) ranks = RankSpace.NONE;
        List<Dimension> all = new ArrayList<>(dimensions);
        for (Dimension d : ranks.dimensions()) if (all.stream().noneMatch(d::equals)) all.add(d);
        dimensions = List.copyOf(all);
        if (dimensions.stream().map(Dimension::name).distinct().count() != dimensions.size())
            throw new IllegalArgumentException("dimension names must be distinct, but are " + dimensions.stream().map(Dimension::name).toList());
        for (FactorLayer f : ranks.layers())
            if (f.layer() >= bits.size() || !bits.layers().get(f.layer()).name().equals(f.name()))
                throw new IllegalArgumentException("ranks: factor layer " + f.name() + " (index " + f.layer() + ") is not a quantizable layer of the model");
    }

    /** A space without factorized layers. */
    public SearchSpace(List<Dimension> dimensions, BitAllocationSpace bits) {
        this(dimensions, bits, RankSpace.NONE);
    }

    /**
     * Exact model size in bits of a candidate (its bit allocation and parameters): the allocation's size ({@link
     * BitAllocationSpace#sizeBits}), with the factorized layers counted as their quantized factors at the ranks the
     * parameters choose ({@link RankSpace#sizeBits}).
     */
    public long sizeBits(BitAllocation allocation, Map<String, Object> params) {
        return ranks.layers().isEmpty() ? bits.sizeBits(allocation) : ranks.sizeBits(bits.layers(), allocation, params);
    }
}
