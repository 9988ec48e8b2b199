package org.bitsearch.search.space;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The per-layer bit-width dimension: one bit-width per quantizable layer from {@code allowedBits}, with
 * optional constraints.
 *
 * @param layers         the model's quantizable layers, in forward order
 * @param allowedBits    bit-widths a layer may take (default {1, 2, 4, 8, 32}); sorted, distinct
 * @param nonIncreasing  bit-width never increases with depth (Chu et al., progressively decreasing bit-width);
 *                       pinned layers are exempt
 * @param pinFirst       if present, the first layer always gets this bit-width (need not be in allowedBits)
 * @param pinLast        if present, the last layer always gets this bit-width (need not be in allowedBits)
 * @param maxSizeBits    if present, a model-size budget: infeasible allocations are never proposed
 */
public record BitAllocationSpace(List<QuantLayer> layers, List<Integer> allowedBits, boolean nonIncreasing,
                                 OptionalInt pinFirst, OptionalInt pinLast, Optional<Long> maxSizeBits) {
    public static final List<Integer> DEFAULT_BITS = List.of(1, 2, 4, 8, 32);

    public BitAllocationSpace {
        // Full validation (budget below the smallest model, pins outside BitAllocation.SUPPORTED, ...) lives in
        // BitAllocationSpaceValidator, called here; see the search-core issue.
        if (layers == null || layers.isEmpty()) throw new IllegalArgumentException("layers is empty, but the model must have at least one quantizable layer");
        layers = List.copyOf(layers);
        if (allowedBits == null || allowedBits.isEmpty()) throw new IllegalArgumentException("bits.allowed is empty, but must list at least one bit-width");
        allowedBits = allowedBits.stream().sorted().distinct().toList();
        if (pinFirst == null) pinFirst = OptionalInt.empty();
        if (pinLast == null) pinLast = OptionalInt.empty();
        if (maxSizeBits == null) maxSizeBits = Optional.empty();
    }
}
