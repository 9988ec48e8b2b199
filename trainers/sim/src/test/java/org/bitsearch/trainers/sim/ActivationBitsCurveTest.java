package org.bitsearch.trainers.sim;

import org.bitsearch.search.space.Architectures;
import org.bitsearch.search.space.BitAllocation;
import org.bitsearch.search.trial.Candidate;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The simulated learning curve with activation bits: fewer cost accuracy; without them nothing changes. */
class ActivationBitsCurveTest {
    private final LearningCurve curve = new LearningCurve(Architectures.mlp(784, List.of(64, 32), 10), 0.0);

    @Test
    void fewerActivationBitsLowerTheCeilingAndAbsentOnesChangeNothing() {
        Map<String, Object> p = Map.of("learningRate", 1e-3);
        BitAllocation w = BitAllocation.of(8, 4, 8);
        Candidate fp = new Candidate(p, w), a8 = new Candidate(p, w, BitAllocation.of(8, 8, 32)), a1 = new Candidate(p, w, BitAllocation.of(1, 1, 32));
        assertTrue(curve.ceiling(a1) < curve.ceiling(a8) && curve.ceiling(a8) < curve.ceiling(fp),
                curve.ceiling(a1) + " < " + curve.ceiling(a8) + " < " + curve.ceiling(fp));
        assertEquals(curve.ceiling(fp), curve.ceiling(new Candidate(p, w, BitAllocation.of(32, 32, 32))), 0.0);
        assertEquals(((long) p.toString().hashCode() << 32) ^ (w.bits().hashCode() & 0xFFFFFFFFL), LearningCurve.candidateHash(fp),
                "a candidate without activation bits hashes as before (its checkpoints stay valid)");
        assertNotEquals(LearningCurve.candidateHash(a1), LearningCurve.candidateHash(a8));
    }
}
