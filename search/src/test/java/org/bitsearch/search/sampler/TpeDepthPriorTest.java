package org.bitsearch.search.sampler;

import org.bitsearch.search.rng.SplitMix64;
import org.bitsearch.search.space.BitAllocationSpace;
import org.bitsearch.search.space.DepthPrior;
import org.bitsearch.search.space.QuantLayer;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.*;

/** TPE's prior weight under bits.depthPrior: a prior count of k·p_l(b) instead of 1 per choice. */
class TpeDepthPriorTest {
    @Test
    void priorCountsFollowTheDepthPriorAndObservationsStillCount() {
        List<QuantLayer> layers = List.of(new QuantLayer(0, "a", 10, 0), new QuantLayer(1, "b", 10, 0), new QuantLayer(2, "c", 10, 0));
        BitAllocationSpace s = new BitAllocationSpace(layers, List.of(1, 4, 8), false, OptionalInt.empty(), OptionalInt.empty(), Optional.empty(), 1.0);
        double[] p = DepthPrior.probabilities(s, 2);
        CategoricalEstimator none = new CategoricalEstimator(s.choicesAt(2), List.of(), p);
        for (int j = 0; j < 3; j++) assertEquals(StrictMath.log(p[j]), none.logProbability(s.choicesAt(2).get(j)), 1e-12);
        // two observations of 8 bits: (3·p + 2) / (3 + 2)
        CategoricalEstimator seen = new CategoricalEstimator(s.choicesAt(2), List.of(8, 8), p);
        assertEquals(StrictMath.log((3 * p[2] + 2) / 5), seen.logProbability(8), 1e-12);
        CategoricalEstimator uniform = new CategoricalEstimator(s.choicesAt(2), List.of(8, 8));
        assertEquals(StrictMath.log(3.0 / 5), uniform.logProbability(8), 1e-12);
        SplitMix64 rng = new SplitMix64(1);
        int wide = 0;
        for (int i = 0; i < 20000; i++) if ((Integer) none.sample(rng) == 8) wide++;
        assertEquals(p[2], wide / 20000.0, 0.01);
    }
}
