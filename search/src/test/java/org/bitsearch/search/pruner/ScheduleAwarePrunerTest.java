package org.bitsearch.search.pruner;

import org.bitsearch.search.trial.Decision;
import org.bitsearch.search.trial.EpochMetrics;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** Scripted reports: a progressive trial is judged only once its schedule has quantized every layer. */
class ScheduleAwarePrunerTest {
    static final PrunerConfig.Asha ASHA = new PrunerConfig.Asha(1, 9, 3, 0, false); // rungs at 1, 3, 9

    static EpochMetrics m(int epoch, double acc) { return new EpochMetrics(epoch, acc, 1, 1, 1, 1); }

    @Test
    void plainAshaStopsAPartlyQuantizedTrialAtTheFirstRung() {
        Pruner plain = Pruner.create(ASHA);
        assertEquals(Decision.CONTINUE, plain.onReport(0, 100, m(1, 0.9)).decision());
        assertEquals(Decision.STOP, plain.onReport(1, 100, m(1, 0.5)).decision());
    }

    @Test
    void beforeTheFullyQuantizedEpochEveryReportContinuesAndRungsStayEmpty() {
        Pruner p = ScheduleAwarePruner.wrap(Pruner.create(ASHA), 3);
        assertEquals(Decision.CONTINUE, p.onReport(0, 100, m(1, 0.9)).decision());
        var v = p.onReport(1, 100, m(1, 0.5));
        assertEquals(Decision.CONTINUE, v.decision());
        assertEquals(-1, v.rung());
        assertTrue(v.reason().contains("from epoch 3"), v.reason());
        assertEquals(Decision.CONTINUE, p.onReport(0, 100, m(2, 0.9)).decision());
        assertEquals(Decision.CONTINUE, p.onReport(1, 100, m(2, 0.6)).decision());
        // epoch 3 is ASHA's rung 1: from here on ASHA judges as usual
        var first = p.onReport(0, 100, m(3, 0.9));
        assertEquals(1, first.rung());
        assertEquals(Decision.CONTINUE, first.decision());
        var second = p.onReport(1, 100, m(3, 0.7));
        assertEquals(Decision.STOP, second.decision(), second.reason());
        assertTrue(second.reason().contains("rank 2 of 2"), "rung 1 holds exactly the two reports of epoch 3: " + second.reason());
    }

    @Test
    void paretoAshaTooJudgesAProgressiveTrialOnlyFromTheFullyQuantizedEpoch() {
        PrunerConfig.Asha pareto = new PrunerConfig.Asha(1, 9, 3, 0, true);
        Pruner plain = Pruner.create(pareto);
        plain.onReport(0, 100, m(1, 0.9));
        plain.onReport(1, 100, m(1, 0.8));
        assertEquals(Decision.STOP, plain.onReport(2, 200, m(1, 0.5)).decision(), "dominated at rung 0 by plain Pareto-ASHA");
        Pruner p = ScheduleAwarePruner.wrap(Pruner.create(pareto), 3);
        p.onReport(0, 100, m(1, 0.9));
        p.onReport(1, 100, m(1, 0.8));
        var early = p.onReport(2, 200, m(1, 0.5));
        assertEquals(Decision.CONTINUE, early.decision(), early.reason());
        assertEquals(-1, early.rung());
        assertEquals(Decision.CONTINUE, p.onReport(2, 200, m(2, 0.5)).decision());
        p.onReport(0, 100, m(3, 0.9));
        p.onReport(1, 100, m(3, 0.8));
        var judged = p.onReport(2, 200, m(3, 0.5));
        assertEquals(1, judged.rung(), "epoch 3 is the first rung it is judged at");
        assertEquals(Decision.STOP, judged.decision(), judged.reason());
    }

    @Test
    void nanIsStillStopAndOneMeansNoWrapper() {
        Pruner p = ScheduleAwarePruner.wrap(Pruner.create(ASHA), 3);
        assertEquals(Decision.STOP, p.onReport(0, 100, m(1, Double.NaN)).decision());
        Pruner inner = Pruner.create(ASHA);
        assertSame(inner, ScheduleAwarePruner.wrap(inner, 1));
    }
}
