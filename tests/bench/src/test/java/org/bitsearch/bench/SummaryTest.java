package org.bitsearch.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SummaryTest {
    @Test
    void oddCountTakesTheMiddleValue() {
        Summary s = Summary.of(5, 1, 3);
        assertEquals(1, s.min());
        assertEquals(3, s.median());
        assertEquals(5, s.max());
        assertEquals(3, s.count());
    }

    @Test
    void evenCountAveragesTheTwoMiddleValues() {
        Summary s = Summary.of(4, 1, 10, 2);
        assertEquals(1, s.min());
        assertEquals(3, s.median());
        assertEquals(10, s.max());
    }

    @Test
    void formatsMedianThenRangeWithThousandsSeparators() {
        assertEquals("12,000 (9,500–86,000)", Summary.of(9500, 12000, 86000).format(0));
        assertEquals("0.500", Summary.of(0.5).format(3));
    }

    @Test
    void rejectsEmptyAndNaN() {
        assertThrows(IllegalArgumentException.class, Summary::of);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Summary.of(1, Double.NaN));
        assertTrue(e.getMessage().contains("NaN"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Summary(3, 2, 4, 3));
    }

    @Test
    void percentileIsNearestRank() {
        double[] v = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        assertEquals(5, OrchestrationBench.percentile(v, 50));
        assertEquals(9, OrchestrationBench.percentile(v, 90));
        assertEquals(10, OrchestrationBench.percentile(v, 99));
        assertEquals(10, OrchestrationBench.percentile(v, 100));
        assertTrue(Double.isNaN(OrchestrationBench.percentile(new double[0], 50)));
    }

    @Test
    void growthExponentIsZeroForConstantAndOneForLinearCost() {
        assertEquals(0, EngineScalingBench.growthExponent(5, 100, 5, 10000), 1e-12);
        assertEquals(1, EngineScalingBench.growthExponent(2, 100, 200, 10000), 1e-12);
    }
}
