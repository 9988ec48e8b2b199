package org.bitsearch.search.pruner;

import org.bitsearch.search.pareto.Pareto;
import org.bitsearch.search.trial.Decision;
import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.search.trial.Verdict;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class ParetoAshaPrunerTest {
    private final Pruner pruner = new ParetoAshaPruner(new PrunerConfig.Asha(1, 2, 2, 0, true)); // rungs 1, 2

    private Verdict report(int trial, int epoch, double value, long size) {
        return pruner.onReport(trial, size, new EpochMetrics(epoch, value, 1, 1, 0, 0));
    }

    private static void assertVerdict(Verdict v, Decision d, String reason) {
        assertEquals(d, v.decision(), v.reason());
        assertEquals(reason, v.reason());
    }

    @Test void keepsSmallModelsThatAreGoodForTheirSize() {
        assertVerdict(report(0, 1, 0.5, 1000), Decision.CONTINUE, "position 1 of 1 (Pareto rank 1) at rung 0 (epoch 1): needs top 1");
        // both non-dominated and both extreme (crowding ∞): the earlier report wins the tie
        assertVerdict(report(1, 1, 0.4, 500), Decision.STOP, "position 2 of 2 (Pareto rank 1) at rung 0 (epoch 1): needs top 1");
        assertVerdict(report(2, 1, 0.3, 100), Decision.STOP, "position 2 of 3 (Pareto rank 1) at rung 0 (epoch 1): needs top 1");
        // trial 3 dominates trial 1 and is interior to the front (finite crowding): behind both extremes
        assertVerdict(report(3, 1, 0.45, 200), Decision.STOP, "position 3 of 4 (Pareto rank 1) at rung 0 (epoch 1): needs top 2");
        // the least accurate so far, but the smallest: an extreme of the first front, so it continues
        assertVerdict(report(4, 1, 0.2, 50), Decision.CONTINUE, "position 2 of 5 (Pareto rank 1) at rung 0 (epoch 1): needs top 2");
        // dominated by trial 1, which is itself dominated: third front
        assertVerdict(report(5, 1, 0.1, 5000), Decision.STOP, "position 6 of 6 (Pareto rank 3) at rung 0 (epoch 1): needs top 3");
        assertEquals(Decision.STOP, report(6, 1, Double.NaN, 10).decision());
        assertEquals("accuracy is NaN at rung 0 (epoch 1)", report(7, 1, Double.NaN, 10).reason());
        // NaN results rank last: a dominated trial still reaches the top 4 of 9
        assertVerdict(report(8, 1, 0.05, 6000), Decision.STOP, "position 7 of 9 (Pareto rank 4) at rung 0 (epoch 1): needs top 4");
        assertVerdict(report(0, 2, 0.6, 1000), Decision.CONTINUE, "position 1 of 1 (Pareto rank 1) at rung 1 (epoch 2): top rung");
    }

    /**
     * keepFront: a trial on its rung's first front continues outside the quota; dominated ones still face the quota.
     * The script is figure 9's seed 43 at rung 1 (epoch 2), where the quota alone stopped the only small model.
     */
    @Test void keepFrontContinuesNonDominatedTrialsOutsideTheQuota() {
        Pruner keep = new ParetoAshaPruner(new PrunerConfig.Asha(1, 4, 2, 0, true, true)); // rungs 1, 2; 4 is the top
        Pruner quota = new ParetoAshaPruner(new PrunerConfig.Asha(1, 4, 2, 0, true));
        double[][] script = {{0.857, 1754528}, {0.850, 1688992}, {0.836, 345760}, {0.839, 1759648}, {0.844, 1751968}};
        Decision[] withKeep = {Decision.CONTINUE, Decision.CONTINUE, Decision.CONTINUE, Decision.STOP, Decision.STOP};
        Decision[] withQuota = {Decision.CONTINUE, Decision.STOP, Decision.STOP, Decision.STOP, Decision.STOP};
        for (int t = 0; t < script.length; t++) {
            EpochMetrics m = new EpochMetrics(2, script[t][0], 1, 1, 0, 0);
            Verdict k = keep.onReport(t, (long) script[t][1], m), q = quota.onReport(t, (long) script[t][1], m);
            assertEquals(withKeep[t], k.decision(), "keepFront, trial " + t + ": " + k.reason());
            assertEquals(withQuota[t], q.decision(), "quota, trial " + t + ": " + q.reason());
        }
        // non-dominated but interior, next to trial 0 (small crowding distance): behind 3 front members
        assertVerdict(keep.onReport(5, 1720000, new EpochMetrics(2, 0.855, 1, 1, 0, 0)), Decision.CONTINUE,
                "position 4 of 6 (Pareto rank 1) at rung 1 (epoch 2): outside the top 3 but on the rung's first front");
        // dominated by the small model (smaller and better): the quota decides, and it is outside it
        Verdict dominated = keep.onReport(6, 400000, new EpochMetrics(2, 0.80, 1, 1, 0, 0));
        assertEquals(Decision.STOP, dominated.decision(), dominated.reason());
        assertTrue(dominated.reason().contains("(Pareto rank 2) at rung 1 (epoch 2): needs top 3"), dominated.reason());
        assertThrows(IllegalArgumentException.class, () -> new PrunerConfig.Asha(1, 4, 2, 0, false, true));
    }

    /** R = 3 is not r·η^k (r = 1, η = 2): rungs 1 and 2 both prune, epoch 3 is where survivors complete. */
    @Test void whenRIsNotOnTheLadderTheLastRungBelowRStillPrunes() {
        Pruner p = new ParetoAshaPruner(new PrunerConfig.Asha(1, 3, 2, 0, true)); // the shipped fashion-mnist example
        assertVerdict(p.onReport(0, 1000, new EpochMetrics(2, 0.6, 1, 1, 0, 0)), Decision.CONTINUE,
                "position 1 of 1 (Pareto rank 1) at rung 1 (epoch 2): needs top 1");
        // larger and less accurate: dominated, stopped at rung 1 (before the fix: CONTINUE, "top rung")
        assertVerdict(p.onReport(1, 2000, new EpochMetrics(2, 0.5, 1, 1, 0, 0)), Decision.STOP,
                "position 2 of 2 (Pareto rank 2) at rung 1 (epoch 2): needs top 1");
        assertEquals(Verdict.proceed(), p.onReport(0, 1000, new EpochMetrics(3, 0.1, 1, 1, 0, 0)), "epoch 3 = R is no rung");
        // a rung at exactly R (R = r·η^k) is the top rung: nothing to promote to
        Pruner onLadder = new ParetoAshaPruner(new PrunerConfig.Asha(1, 4, 2, 0, true));
        onLadder.onReport(0, 1000, new EpochMetrics(4, 0.9, 1, 1, 0, 0));
        assertVerdict(onLadder.onReport(1, 2000, new EpochMetrics(4, 0.1, 1, 1, 0, 0)), Decision.CONTINUE,
                "position 2 of 2 (Pareto rank 2) at rung 2 (epoch 4): top rung");
    }

    @Test void accuracyOnlyAshaWouldStopTheSmallModel() {
        Pruner plain = new AshaPruner(new PrunerConfig.Asha(1, 2, 2, 0, false));
        double[][] script = {{0.5, 1000}, {0.4, 500}, {0.3, 100}, {0.45, 200}, {0.2, 50}};
        Verdict v = null;
        for (int t = 0; t < script.length; t++) v = plain.onReport(t, (long) script[t][1], new EpochMetrics(1, script[t][0], 1, 1, 0, 0));
        assertEquals(Decision.STOP, v.decision());
    }

    /** The fast rung ordering equals a brute-force one built on {@link org.bitsearch.search.pareto.Pareto#order}. */
    @org.junit.jupiter.api.RepeatedTest(30)
    void decisionsMatchTheBatchOrderOracle(org.junit.jupiter.api.RepetitionInfo info) {
        Random r = new Random(info.getCurrentRepetition());
        int eta = 2 + r.nextInt(3);
        Pruner fast = new ParetoAshaPruner(new PrunerConfig.Asha(1, eta * eta, eta, 0, true)); // rung 0 is not the top rung
        List<double[]> rung = new ArrayList<>();
        for (int t = 0; t < 120; t++) {
            double acc = r.nextInt(25) == 0 ? Double.NaN : r.nextInt(8) / 8.0;
            long size = 100 + 100L * r.nextInt(8);
            Verdict v = fast.onReport(t, size, new EpochMetrics(1, acc, 1, 1, 0, 0));
            rung.add(new double[] {acc, size, t});
            int n = rung.size();
            double[] a = new double[n];
            long[] s = new long[n], q = new long[n];
            for (int i = 0; i < n; i++) { a[i] = rung.get(i)[0]; s[i] = (long) rung.get(i)[1]; q[i] = i; }
            Integer[] order = Pareto.order(a, s, q);
            int position = Arrays.asList(order).indexOf(n - 1);
            boolean keep = !Double.isNaN(acc) && position < Math.max(1, n / eta);
            assertEquals(keep ? Decision.CONTINUE : Decision.STOP, v.decision(), "trial " + t + ": " + v.reason());
            if (!Double.isNaN(acc)) assertTrue(v.reason().startsWith("position " + (position + 1) + " of " + n), v.reason());
        }
    }
}
