package org.bitsearch.trainers.packed;

/**
 * Packs unsigned k-bit codes (k = 1..8) into bytes, least significant bit first: code i occupies bits
 * [i·k, (i+1)·k) of the stream, bit j of the stream being bit (j mod 8) of byte j / 8. A stream of n codes takes
 * ceil(n·k / 8) bytes. Pure.
 */
public final class BitPacking {
    private BitPacking() {}

    /** Bytes that {@code n} codes of {@code bits} bits take. */
    public static long bytes(long n, int bits) { return (n * bits + 7) / 8; }

    public static byte[] pack(int[] codes, int bits) {
        check(bits);
        byte[] out = new byte[Math.toIntExact(bytes(codes.length, bits))];
        long pos = 0;
        int mask = (1 << bits) - 1;
        for (int c : codes) {
            if ((c & ~mask) != 0) throw new IllegalArgumentException("code " + c + " does not fit in " + bits + " bits");
            for (int b = 0; b < bits; b++, pos++)
                if (((c >>> b) & 1) != 0) out[(int) (pos >>> 3)] |= (byte) (1 << (pos & 7));
        }
        return out;
    }

    public static int[] unpack(byte[] packed, int n, int bits) {
        check(bits);
        if (packed.length < bytes(n, bits))
            throw new IllegalArgumentException(n + " codes of " + bits + " bits need " + bytes(n, bits) + " bytes, but " + packed.length + " were given");
        int[] out = new int[n];
        long pos = 0;
        for (int i = 0; i < n; i++) {
            int c = 0;
            for (int b = 0; b < bits; b++, pos++) c |= ((packed[(int) (pos >>> 3)] >>> (pos & 7)) & 1) << b;
            out[i] = c;
        }
        return out;
    }

    private static void check(int bits) {
        if (bits < 1 || bits > 8) throw new IllegalArgumentException("bits is " + bits + ", but packed codes have 1..8 bits");
    }
}
