package org.bitsearch.search.space;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The rules a {@link BitAllocationSpace} must satisfy, checked when it is constructed. Each failure throws an
 * {@link IllegalArgumentException} naming the field, its value and the rule:
 * <ul>
 *   <li>layers are numbered 0, 1, ... in order and have distinct names;</li>
 *   <li>{@code bits.allowed}, {@code bits.pinFirst} and {@code bits.pinLast} only use {@link BitAllocation#SUPPORTED};</li>
 *   <li>a one-layer model cannot pin its only layer to two different widths;</li>
 *   <li>{@code bits.maxSizeBits} is positive and at least the smallest feasible model (pins applied, free layers at
 *       the fewest allowed bits; with the non-increasing constraint that model is feasible too).</li>
 * </ul>
 */
public final class BitAllocationSpaceValidator {
    private BitAllocationSpaceValidator() {}

    static void validate(List<QuantLayer> layers, List<Integer> allowedBits, OptionalInt pinFirst, OptionalInt pinLast,
                         Optional<Long> maxSizeBits) {
        Set<String> names = new HashSet<>();
        for (int i = 0; i < layers.size(); i++) {
            QuantLayer l = layers.get(i);
            if (l.index() != i)
                throw new IllegalArgumentException("layers[" + i + "] (" + l.name() + ") has index " + l.index() + ", but must have index " + i + " (layers in forward order)");
            if (!names.add(l.name()))
                throw new IllegalArgumentException("layers[" + i + "] is named '" + l.name() + "', but layer names must be distinct");
        }
        for (int b : allowedBits)
            if (!BitAllocation.SUPPORTED.contains(b))
                throw new IllegalArgumentException("bits.allowed contains " + b + ", but every bit-width must be one of " + BitAllocation.SUPPORTED);
        if (pinFirst.isPresent() && !BitAllocation.SUPPORTED.contains(pinFirst.getAsInt()))
            throw new IllegalArgumentException("bits.pinFirst is " + pinFirst.getAsInt() + ", but must be one of " + BitAllocation.SUPPORTED);
        if (pinLast.isPresent() && !BitAllocation.SUPPORTED.contains(pinLast.getAsInt()))
            throw new IllegalArgumentException("bits.pinLast is " + pinLast.getAsInt() + ", but must be one of " + BitAllocation.SUPPORTED);
        if (layers.size() == 1 && pinFirst.isPresent() && pinLast.isPresent() && pinFirst.getAsInt() != pinLast.getAsInt())
            throw new IllegalArgumentException("bits.pinFirst is " + pinFirst.getAsInt() + " and bits.pinLast is " + pinLast.getAsInt()
                    + ", but the model has a single quantizable layer, so they must be equal");
        if (maxSizeBits.isPresent()) {
            Long budget = maxSizeBits.get();
            if (budget <= 0) throw new IllegalArgumentException("bits.maxSizeBits is " + budget + ", but must be > 0");
            long smallest = smallestSizeBits(layers, allowedBits, pinFirst, pinLast);
            if (budget < smallest)
                throw new IllegalArgumentException("bits.maxSizeBits is " + budget + ", but must be >= " + smallest
                        + " bits, the smallest model the space allows (pins applied, every other layer at "
                        + allowedBits.get(0) + " bits with its scales, biases at 32 bits)");
        }
    }

    static long smallestSizeBits(List<QuantLayer> layers, List<Integer> allowedBits, OptionalInt pinFirst, OptionalInt pinLast) {
        int min = allowedBits.get(0);
        long size = 0;
        for (int i = 0; i < layers.size(); i++) {
            int b = min;
            if (i == 0 && pinFirst.isPresent()) b = pinFirst.getAsInt();
            else if (i == layers.size() - 1 && pinLast.isPresent()) b = pinLast.getAsInt();
            QuantLayer l = layers.get(i);
            size = Math.addExact(size, l.storedBits(b));
        }
        return size;
    }
}
