package org.bitsearch.search.rng;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/** Golden values: the generator must give the published SplitMix64 sequence on every JVM. */
class SplitMix64Test {
    @Test void matchesTheReferenceSequence() {
        SplitMix64 r = new SplitMix64(0);
        assertEquals(0xE220A8397B1DCDAFL, r.nextLong());
        assertEquals(0x6E789E6AA1B965F4L, r.nextLong());
        assertEquals(0x06C45D188009454FL, r.nextLong());
    }

    @Test void boundedDrawsStayInRangeAndCoverIt() {
        SplitMix64 r = new SplitMix64(9);
        int[] seen = new int[5];
        for (int i = 0; i < 1000; i++) seen[r.nextInt(5)]++;
        for (int c : seen) assertTrue(c > 150, () -> Arrays.toString(seen));
        for (int i = 0; i < 1000; i++) {
            long v = r.nextLong(-3, 3);
            assertTrue(v >= -3 && v <= 3);
            long w = r.nextLong(Long.MIN_VALUE + 5, Long.MAX_VALUE);
            assertTrue(w >= Long.MIN_VALUE + 5);
            double d = r.nextDouble();
            assertTrue(d >= 0 && d < 1);
        }
        assertEquals(7, r.nextLong(7, 7));
        assertThrows(IllegalArgumentException.class, () -> r.nextInt(0));
    }
}
