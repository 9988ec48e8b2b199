package org.bitsearch.trainers.sim;

import org.bitsearch.search.space.BitAllocation;
import org.bitsearch.search.trainer.LayerSensitivity;
import org.bitsearch.search.trainer.TrialContext;
import org.bitsearch.search.trial.Candidate;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

/** The simulated trainer answers the sensitivity contract from its own model, and simulates a progressive schedule. */
class SimulatedSensitivityTest {
    static SimulatedTrainerConfig progressive(Integer every) {
        return new SimulatedTrainerConfig(null, null, null, null, null, 0.0, null, null, null, null, null, every);
    }

    @Test
    void tablePredictsTheCurvesCeilingLayerByLayer() {
        SimulatedTrainer t = new SimulatedTrainer(SimulatedTrainerConfig.defaults());
        assertTrue(t.measuresSensitivity());
        LayerSensitivity s = t.sensitivity(List.of(1, 2, 4, 8));
        assertEquals("simulated", s.mode());
        assertEquals(12, s.entries().size());
        for (int l = 0; l < 3; l++) assertTrue(s.cost(l, 1) > s.cost(l, 2) && s.cost(l, 2) > s.cost(l, 8), "fewer bits cost more, layer " + l);
        // exact: the loss increase of one layer is 2.3 x the ceiling drop the curve predicts for it
        LearningCurve curve = new LearningCurve(t.layers(), 0);
        double drop = curve.ceiling(new Candidate(Map.of(), BitAllocation.of(32, 32, 32))) - curve.ceiling(new Candidate(Map.of(), BitAllocation.of(32, 1, 32)));
        assertEquals(2.3 * drop, s.cost(1, 1), 1e-12);
    }

    @Test
    void progressiveScheduleLowersEarlyReportsAndEndsOnTheSameCurve() throws Exception {
        SimulatedTrainer plain = new SimulatedTrainer(progressive(null));
        SimulatedTrainer prog = new SimulatedTrainer(progressive(2));
        assertEquals(1, plain.fullyQuantizedEpoch());
        assertEquals(5, prog.fullyQuantizedEpoch(), "3 layers, one more every 2 epochs");
        Candidate c = new Candidate(Map.of(), BitAllocation.of(4, 2, 4));
        TrialContext ctx = new TrialContext(0, c, 9, 6, Optional.empty(), "cpu:0");
        var a = SimulatedTrainerTest.train(plain.open(ctx), 6);
        var b = SimulatedTrainerTest.train(prog.open(ctx), 6);
        for (int e = 0; e < 4; e++) assertTrue(b.get(e).valAccuracy() < a.get(e).valAccuracy(), "epoch " + (e + 1));
        assertEquals(a.get(4).valAccuracy(), b.get(4).valAccuracy(), 1e-12, "from the fully quantized epoch on, the same curve");
        for (int e = 0; e < 6; e++) {
            assertEquals(a.get(e).valAccuracy(), b.get(e).currentAccuracy(), 1e-12, "the current model is the unpenalised curve, epoch " + (e + 1));
            assertEquals(a.get(e).valAccuracy(), a.get(e).currentAccuracy(), 1e-12, "no schedule: current = target");
        }
        assertTrue(b.get(0).currentAccuracy() > b.get(0).valAccuracy(), "epoch 1: the partially quantized model is better");
        assertThrows(IllegalArgumentException.class, () -> progressive(0));
    }
}
