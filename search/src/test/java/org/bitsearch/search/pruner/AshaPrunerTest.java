package org.bitsearch.search.pruner;

import org.bitsearch.search.trial.Decision;
import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.search.trial.Verdict;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** Scripted report sequences with exact decisions (in the manner of Ray Tune's scheduler tests). */
class AshaPrunerTest {
    private Pruner pruner;

    private Verdict report(int trial, int epoch, double value) {
        return pruner.onReport(trial, 1000, new EpochMetrics(epoch, value, 1, 1, 0, 0));
    }

    private static void assertVerdict(Verdict v, Decision d, int rung, String reason) {
        assertEquals(d, v.decision(), v.reason());
        assertEquals(rung, v.rung(), v.reason());
        assertEquals(reason, v.reason());
    }

    @Test void sixteenSequentialTrialsThreeRungsEtaFourPutExactlyOneOnTheTopRung() {
        pruner = new AshaPruner(new PrunerConfig.Asha(1, 16, 4, 0, false)); // rungs at epochs 1, 4, 16
        int[] quality = {16, 12, 6, 3, 11, 8, 5, 10, 1, 14, 9, 13, 4, 2, 15, 7}; // trial 0 is the best
        List<Integer> rung1 = new ArrayList<>(), top = new ArrayList<>();
        List<Verdict> last = new ArrayList<>();
        for (int t = 0; t < 16; t++) {
            Verdict v = null;
            for (int e = 1; e <= 16; e++) {
                v = report(t, e, quality[t] / 20.0);
                if (e == 4) rung1.add(t);
                if (e == 16) top.add(t);
                if (v.stop()) break;
            }
            last.add(v);
        }
        assertEquals(List.of(0, 9, 11, 14), rung1);
        assertEquals(List.of(0), top);
        assertVerdict(last.get(0), Decision.CONTINUE, 2, "rank 1 of 1 at rung 2 (epoch 16): top rung");
        assertVerdict(last.get(1), Decision.STOP, 0, "rank 2 of 2 at rung 0 (epoch 1): needs top 1");
        assertVerdict(last.get(7), Decision.STOP, 0, "rank 4 of 8 at rung 0 (epoch 1): needs top 2");
        assertVerdict(last.get(9), Decision.STOP, 1, "rank 2 of 2 at rung 1 (epoch 4): needs top 1");
        assertVerdict(last.get(14), Decision.STOP, 1, "rank 2 of 4 at rung 1 (epoch 4): needs top 1");
        assertVerdict(last.get(15), Decision.STOP, 0, "rank 10 of 16 at rung 0 (epoch 1): needs top 4");
    }

    @Test void loneFirstTrialContinuesAndTiesGoToTheEarlierReport() {
        pruner = new AshaPruner(new PrunerConfig.Asha(1, 4, 2, 0, false)); // rungs 1, 2, 4
        assertVerdict(report(0, 1, 0.5), Decision.CONTINUE, 0, "rank 1 of 1 at rung 0 (epoch 1): needs top 1");
        assertVerdict(report(1, 1, 0.5), Decision.STOP, 0, "rank 2 of 2 at rung 0 (epoch 1): needs top 1");
        assertVerdict(report(2, 1, 0.6), Decision.CONTINUE, 0, "rank 1 of 3 at rung 0 (epoch 1): needs top 1");
        assertVerdict(report(3, 1, 0.5), Decision.STOP, 0, "rank 4 of 4 at rung 0 (epoch 1): needs top 2");
        assertVerdict(report(4, 1, 0.55), Decision.CONTINUE, 0, "rank 2 of 5 at rung 0 (epoch 1): needs top 2");
        assertVerdict(report(5, 1, 0.6), Decision.CONTINUE, 0, "rank 2 of 6 at rung 0 (epoch 1): needs top 3");
        assertVerdict(report(0, 2, 0.7), Decision.CONTINUE, 1, "rank 1 of 1 at rung 1 (epoch 2): needs top 1");
        assertVerdict(report(2, 2, 0.7), Decision.STOP, 1, "rank 2 of 2 at rung 1 (epoch 2): needs top 1");
        assertEquals(Verdict.proceed(), report(0, 3, 0.1), "epoch 3 is no rung");
        assertVerdict(report(0, 4, 0.1), Decision.CONTINUE, 2, "rank 1 of 1 at rung 2 (epoch 4): top rung");
    }

    /** R = 3 is not r·η^k (r = 1, η = 2): rungs 1 and 2 both prune, epoch 3 is where survivors complete. */
    @Test void whenRIsNotOnTheLadderTheLastRungBelowRStillPrunes() {
        pruner = new AshaPruner(new PrunerConfig.Asha(1, 3, 2, 0, false)); // the shipped fashion-mnist example
        assertVerdict(report(0, 1, 0.5), Decision.CONTINUE, 0, "rank 1 of 1 at rung 0 (epoch 1): needs top 1");
        assertVerdict(report(1, 1, 0.6), Decision.CONTINUE, 0, "rank 1 of 2 at rung 0 (epoch 1): needs top 1");
        assertVerdict(report(0, 2, 0.7), Decision.CONTINUE, 1, "rank 1 of 1 at rung 1 (epoch 2): needs top 1");
        // before the fix rung 1 was taken for the top rung and this was CONTINUE ("top rung")
        assertVerdict(report(1, 2, 0.65), Decision.STOP, 1, "rank 2 of 2 at rung 1 (epoch 2): needs top 1");
        assertEquals(Verdict.proceed(), report(0, 3, 0.2), "epoch 3 = R is no rung: the trial completes there");
        pruner = new AshaPruner(new PrunerConfig.Asha(1, 4, 3, 0, false)); // the shipped simulated example: rungs 1, 3
        assertVerdict(report(0, 3, 0.7), Decision.CONTINUE, 1, "rank 1 of 1 at rung 1 (epoch 3): needs top 1");
        assertVerdict(report(1, 3, 0.6), Decision.STOP, 1, "rank 2 of 2 at rung 1 (epoch 3): needs top 1");
        assertVerdict(report(2, 3, 0.8), Decision.CONTINUE, 1, "rank 1 of 3 at rung 1 (epoch 3): needs top 1");
        assertEquals(Verdict.proceed(), report(0, 4, 0.1));
    }

    @Test void nanAlwaysStopsAndRanksLast() {
        pruner = new AshaPruner(new PrunerConfig.Asha(2, 8, 2, 0, false)); // rungs 2, 4, 8
        assertEquals(Decision.STOP, report(0, 1, Double.NaN).decision(), "NaN stops between rungs too");
        assertVerdict(report(1, 1, 0.2), Decision.CONTINUE, -1, "");
        assertVerdict(report(1, 2, Double.NaN), Decision.STOP, 0, "accuracy is NaN at rung 0 (epoch 2)");
        assertVerdict(report(2, 2, 0.0), Decision.CONTINUE, 0, "rank 1 of 2 at rung 0 (epoch 2): needs top 1");
        assertVerdict(report(3, 2, Double.NaN), Decision.STOP, 0, "accuracy is NaN at rung 0 (epoch 2)");
        assertVerdict(report(4, 2, 0.0), Decision.CONTINUE, 0, "rank 2 of 4 at rung 0 (epoch 2): needs top 2");
    }

    @Test void earlyStoppingRateShiftsTheRungs() {
        pruner = new AshaPruner(new PrunerConfig.Asha(1, 9, 3, 1, false)); // rungs r·η^(k+s): 3, 9
        assertEquals(-1, report(0, 1, 0.5).rung());
        assertEquals(-1, report(0, 2, 0.5).rung());
        assertVerdict(report(0, 3, 0.5), Decision.CONTINUE, 0, "rank 1 of 1 at rung 0 (epoch 3): needs top 1");
        assertEquals(-1, report(0, 4, 0.5).rung());
    }

    @Test void replayingTheSameReportsGivesTheSameVerdicts() {
        PrunerConfig.Asha config = new PrunerConfig.Asha(1, 27, 3, 0, false);
        Random r = new Random(7);
        List<double[]> script = new ArrayList<>();
        int[] next = new int[50];
        for (int i = 0; i < 2000; i++) {
            int t = r.nextInt(50);
            if (next[t] >= 27) continue;
            script.add(new double[] {t, ++next[t], r.nextInt(20) / 20.0});
        }
        pruner = new AshaPruner(config);
        List<Verdict> first = new ArrayList<>();
        for (double[] s : script) first.add(report((int) s[0], (int) s[1], s[2]));
        pruner = new AshaPruner(config);
        for (int i = 0; i < script.size(); i++)
            assertEquals(first.get(i), report((int) script.get(i)[0], (int) script.get(i)[1], script.get(i)[2]));
    }

    @Test void badSettingsThrowNamingFieldValueAndRule() {
        assertMessage(() -> new PrunerConfig.Asha(1, 9, 1, 0, false), "pruner.reductionFactor is 1, but must be >= 2");
        assertMessage(() -> new PrunerConfig.Asha(0, 9, 3, 0, false), "pruner.minResource is 0, but must be >= 1");
        assertMessage(() -> new PrunerConfig.Asha(5, 4, 3, 0, false), "pruner.maxResource is 4, but must be >= minResource (5)");
        assertMessage(() -> new PrunerConfig.Asha(1, 4, 3, -1, false), "pruner.earlyStoppingRate is -1, but must be >= 0");
        assertMessage(() -> new PrunerConfig.Median(-1, 1), "pruner.warmupEpochs is -1, but must be >= 0");
        assertMessage(() -> new PrunerConfig.Median(0, 0), "pruner.minTrials is 0, but must be >= 1");
    }

    static void assertMessage(Runnable r, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        assertEquals(message, e.getMessage());
    }
}
