package org.bitsearch.search.space;

import java.util.Collections;
import java.util.List;

/**
 * One bit-width per quantizable layer, in layer order. 32 means full precision; 1 binary (sign·mean|W|);
 * 2 ternary (TWN threshold); 3..8 k-bit symmetric uniform. See DESIGN.md for the quantizers.
 */
public record BitAllocation(List<Integer> bits) {
    /** Bit-widths a layer may take at all; a search space narrows this further. */
    public static final List<Integer> SUPPORTED = List.of(1, 2, 3, 4, 5, 6, 7, 8, 32);

    public BitAllocation {
        if (bits == null || bits.isEmpty()) throw new IllegalArgumentException("bits must list one bit-width per layer, but is empty");
        bits = List.copyOf(bits);
        for (int i = 0; i < bits.size(); i++) {
            int b = bits.get(i);
            if (!SUPPORTED.contains(b))
                throw new IllegalArgumentException("bits[" + i + "] is " + b + ", but must be one of " + SUPPORTED);
        }
    }

    public static BitAllocation of(Integer... bits) { return new BitAllocation(List.of(bits)); }

    public static BitAllocation uniform(int layers, int bits) {
        return new BitAllocation(Collections.nCopies(layers, bits));
    }

    public int layers() { return bits.size(); }

    public int get(int layer) { return bits.get(layer); }

    @Override public String toString() { return bits.toString(); }
}
