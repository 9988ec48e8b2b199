package org.bitsearch.search.space;

import java.util.List;

/**
 * Hyperparameter dimensions plus the bit-allocation dimension.
 *
 * @param dimensions named hyperparameter dimensions (may be empty); names distinct
 * @param bits       the per-layer bit-width dimension
 */
public record SearchSpace(List<Dimension> dimensions, BitAllocationSpace bits) {
    public SearchSpace {
        dimensions = List.copyOf(dimensions);
        if (bits == null) throw new IllegalArgumentException("bits must not be null");
        if (dimensions.stream().map(Dimension::name).distinct().count() != dimensions.size())
            throw new IllegalArgumentException("dimension names must be distinct, but are " + dimensions.stream().map(Dimension::name).toList());
    }
}
