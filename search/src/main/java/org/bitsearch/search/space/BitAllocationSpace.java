package org.bitsearch.search.space;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The per-layer bit-width dimension: one bit-width per quantizable layer from {@code allowedBits}, with
 * optional constraints. Every constructed space is valid and has at least one feasible allocation (see
 * {@link BitAllocationSpaceValidator} for the rules and their messages).
 *
 * @param layers         the model's quantizable layers, in forward order
 * @param allowedBits    bit-widths a layer may take (default {1, 2, 4, 8, 32}); sorted, distinct
 * @param nonIncreasing  bit-width never increases with depth (Chu et al., 2019, "Mixed-precision quantized neural
 *                       networks with progressively decreasing bitwidth"); pinned layers are exempt
 * @param pinFirst       if present, the first layer always gets this bit-width (need not be in allowedBits)
 * @param pinLast        if present, the last layer always gets this bit-width (need not be in allowedBits)
 * @param maxSizeBits    if present, a model-size budget: infeasible allocations are never proposed
 */
public record BitAllocationSpace(List<QuantLayer> layers, List<Integer> allowedBits, boolean nonIncreasing,
                                 OptionalInt pinFirst, OptionalInt pinLast, Optional<Long> maxSizeBits) {
    public static final List<Integer> DEFAULT_BITS = List.of(1, 2, 4, 8, 32);

    public BitAllocationSpace {
        if (layers == null || layers.isEmpty()) throw new IllegalArgumentException("layers is empty, but the model must have at least one quantizable layer");
        if (layers.stream().anyMatch(Objects::isNull)) throw new IllegalArgumentException("layers contains null, but every layer must be given");
        layers = List.copyOf(layers);
        if (allowedBits == null || allowedBits.isEmpty()) throw new IllegalArgumentException("bits.allowed is empty, but must list at least one bit-width");
        if (allowedBits.stream().anyMatch(Objects::isNull)) throw new IllegalArgumentException("bits.allowed contains null, but must list bit-widths");
        allowedBits = allowedBits.stream().sorted().distinct().toList();
        if (pinFirst == null) pinFirst = OptionalInt.empty();
        if (pinLast == null) pinLast = OptionalInt.empty();
        if (maxSizeBits == null) maxSizeBits = Optional.empty();
        BitAllocationSpaceValidator.validate(layers, allowedBits, pinFirst, pinLast, maxSizeBits);
    }

    /** A space over {@code layers} with the default bits and no constraint. */
    public static BitAllocationSpace unconstrained(List<QuantLayer> layers) {
        return new BitAllocationSpace(layers, DEFAULT_BITS, false, OptionalInt.empty(), OptionalInt.empty(), Optional.empty());
    }

    /** Number of quantizable layers. */
    public int size() { return layers.size(); }

    /** The pinned bit-width of {@code layer}, if it is pinned. */
    public OptionalInt pinAt(int layer) {
        if (layer == 0 && pinFirst.isPresent()) return pinFirst;
        if (layer == layers.size() - 1 && pinLast.isPresent()) return pinLast;
        return OptionalInt.empty();
    }

    public boolean isPinned(int layer) { return pinAt(layer).isPresent(); }

    /** The bit-widths {@code layer} may take: its pin, or {@link #allowedBits}. */
    public List<Integer> choicesAt(int layer) {
        OptionalInt pin = pinAt(layer);
        return pin.isPresent() ? List.of(pin.getAsInt()) : allowedBits;
    }

    /** Exact size in bits of {@code allocation} (see {@link ModelSize}). */
    public long sizeBits(BitAllocation allocation) { return ModelSize.of(layers, allocation).bits(); }

    /** Size in bits of the all-32-bit model. */
    public long fp32Bits() { return ModelSize.of(layers, BitAllocation.uniform(layers.size(), 32)).fp32Bits(); }

    /** Size of the smallest allocation the constraints allow: pins applied, every free layer at the fewest bits. */
    public long smallestSizeBits() { return BitAllocationSpaceValidator.smallestSizeBits(layers, allowedBits, pinFirst, pinLast); }

    /** Why {@code allocation} is not in this space, or empty if it is feasible. */
    public Optional<String> violation(BitAllocation allocation) {
        if (allocation.layers() != layers.size())
            return Optional.of("bits has " + allocation.layers() + " entries, but the model has " + layers.size() + " quantizable layers");
        int previousFree = Integer.MAX_VALUE;
        for (int l = 0; l < layers.size(); l++) {
            int b = allocation.get(l);
            if (!choicesAt(l).contains(b))
                return Optional.of("bits[" + l + "] is " + b + ", but must be one of " + choicesAt(l)
                        + (isPinned(l) ? " (pinned)" : ""));
            if (!isPinned(l)) {
                if (nonIncreasing && b > previousFree)
                    return Optional.of("bits[" + l + "] is " + b + ", but must be <= " + previousFree
                            + " (bit-widths must not increase with depth)");
                previousFree = b;
            }
        }
        if (maxSizeBits.isPresent()) {
            long size = sizeBits(allocation);
            if (size > maxSizeBits.get())
                return Optional.of("the model size is " + size + " bits, but must be <= bits.maxSizeBits (" + maxSizeBits.get() + ")");
        }
        return Optional.empty();
    }

    public boolean isFeasible(BitAllocation allocation) { return violation(allocation).isEmpty(); }
}
