package org.bitsearch.search.sampler;

import org.bitsearch.search.rng.SplitMix64;
import org.bitsearch.search.space.BitAllocation;
import org.bitsearch.search.trial.Candidate;
import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.search.trial.TrialRecord;
import org.bitsearch.search.trial.TrialState;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** How TPE and NSGA-II weigh pruned trials, whose accuracy is from an early epoch (see {@link Observed}). */
class PrunedObservationsTest {
    /** A finished trial with {@code epochs} reports, the last at {@code accuracy}. */
    static TrialRecord trial(int number, TrialState state, int epochs, double accuracy, double lr, long size) {
        List<EpochMetrics> reports = new ArrayList<>();
        for (int e = 1; e <= epochs; e++) reports.add(new EpochMetrics(e, e == epochs ? accuracy : 0.1, 1, 1, 0, 0));
        Candidate c = new Candidate(Map.of("lr", lr, "act", "relu"), BitAllocation.of(8, 8, 8));
        return new TrialRecord(number, c, state, reports, size);
    }

    @Test void completedTrialsRankBeforePrunedOnesAndPrunedOnesByHowFarTheyTrained() {
        List<TrialRecord> trials = List.of(
                trial(0, TrialState.PRUNED, 1, 0.95, 1e-5, 100),     // a lucky first epoch
                trial(1, TrialState.COMPLETED, 3, 0.60, 1e-3, 100),
                trial(2, TrialState.PRUNED, 2, 0.50, 1e-4, 100),     // stopped later: beats trial 0
                trial(3, TrialState.COMPLETED, 3, 0.70, 1e-3, 100),
                trial(4, TrialState.PRUNED, 1, 0.96, 1e-5, 100),
                trial(5, TrialState.FAILED, 1, 0.99, 1e-5, 100),     // not an observation
                trial(6, TrialState.PRUNED, 1, Double.NaN, 1e-5, 100)); // diverged: not an observation
        List<Integer> order = trials.stream().filter(Observed::isObservation).sorted(Observed.ORDER).map(TrialRecord::number).toList();
        assertEquals(List.of(3, 1, 2, 4, 0), order);
    }

    @Test void nsga2ParentsAreCompletedTrialsFirstAndPrunedOnesOnlyFillThePool() {
        List<TrialRecord> trials = List.of(
                trial(0, TrialState.PRUNED, 1, 0.95, 1e-5, 50),      // would dominate both completed ones if taken as final
                trial(1, TrialState.COMPLETED, 3, 0.60, 1e-3, 100),
                trial(2, TrialState.COMPLETED, 3, 0.70, 1e-3, 200),
                trial(3, TrialState.PRUNED, 2, 0.40, 1e-4, 300),
                trial(4, TrialState.PRUNED, 1, 0.20, 1e-4, 400));
        List<Nsga2Sampler.Parent> two = Nsga2Sampler.parents(trials, 2);
        assertEquals(List.of(1, 2), two.stream().map(p -> p.trial().number()).toList(), "the pruned trial 0 is no parent");
        List<Nsga2Sampler.Parent> all = Nsga2Sampler.parents(trials, 5);
        assertEquals(List.of(1, 2, 3, 0, 4), all.stream().map(p -> p.trial().number()).toList());
        // tiers stack their ranks: completed front 0, trial 3 (2 epochs) 1, trials 0 and 4 (1 epoch) 2 and 3
        assertEquals(List.of(0, 0, 1, 2, 3), all.stream().map(Nsga2Sampler.Parent::rank).toList());
    }

    @Test void tpesGoodSetIsTheCompletedTrialNotTheLuckyPrunedOne() {
        SamplerConfig.Tpe config = new SamplerConfig.Tpe(2, 64, 0.2); // 5 observations: good set of 1
        List<TrialRecord> trials = List.of(
                trial(0, TrialState.PRUNED, 1, 0.95, 1e-5, 100),
                trial(1, TrialState.COMPLETED, 3, 0.60, 1e-2, 100),
                trial(2, TrialState.PRUNED, 1, 0.30, 1e-5, 100),
                trial(3, TrialState.PRUNED, 1, 0.20, 1e-5, 100),
                trial(4, TrialState.PRUNED, 1, 0.10, 1e-5, 100));
        int near = 0;
        for (long seed = 0; seed < 20; seed++) {
            TpeSampler tpe = new TpeSampler(SamplerTest.SPACE, config);
            Candidate c = tpe.propose(new ProposalContext(5, trials, new HashSet<>(), new SplitMix64(seed), seed)).orElseThrow();
            if (Math.abs(Math.log10(c.number("lr", 0)) + 2) < 1) near++;
        }
        assertTrue(near >= 15, near + " of 20 proposals within a decade of the completed trial's lr 1e-2");
    }
}
