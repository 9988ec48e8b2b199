package org.bitsearch.search.pruner;

import org.bitsearch.search.trial.Decision;
import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.search.trial.Verdict;

import java.util.ArrayList;
import java.util.List;

/**
 * Asynchronous successive halving (ASHA; Li et al., "A system for massively parallel hyperparameter tuning",
 * MLSys 2020), in its stopping form: with minimum resource r, maximum resource R, reduction factor η and early
 * stopping rate s, rung k sits at epoch r·η^(k+s) <= R. When a trial reports at rung k below R, its
 * validation accuracy joins the rung's results; it continues only if its rank among the n results recorded at
 * that rung so far (itself included) is below ⌊n/η⌋, the top 1/η of the paper's promotion rule.
 *
 * <p>Decisions that the paper leaves open, fixed here:
 * <ul>
 *   <li><b>Fewer than η results.</b> ⌊n/η⌋ is 0, and the paper would pause the trial until more results arrive.
 *   A stopping pruner cannot pause, so the best result at the rung continues: the quota is max(1, ⌊n/η⌋). In
 *   particular a lone first trial continues, every search completes at least one trial, and 16 sequential
 *   trials whose first is the best at every rung (η = 4, rungs 1, 4, 16) put exactly that one on the top rung.</li>
 *   <li><b>Ties.</b> Equal accuracies rank in recorded order: the earlier report ranks higher.</li>
 *   <li><b>NaN.</b> Always STOP; the result is recorded as worse than every number (it counts in n).</li>
 *   <li><b>Epoch R and epochs between rungs.</b> CONTINUE. R is where trials complete (the engine's epoch limit),
 *   so a rung at exactly R (R = r·η^k) is the top rung and has nothing to promote to. Every rung below R prunes,
 *   also the last one when R is not r·η^k: with r = 1, R = 3, η = 2 both rungs 1 and 2 keep the top 1/η, and the
 *   survivors train on to epoch 3, which is no rung.</li>
 * </ul>
 * Each report costs O(log n) (an order-statistics tree per rung). State is only the recorded results, so
 * replaying reports in recorded order rebuilds it.
 */
public final class AshaPruner implements Pruner {
    private final PrunerConfig.Asha config;
    private final AshaRungs rungs;
    private final List<RankTree> results = new ArrayList<>();
    private long sequence;

    public AshaPruner(PrunerConfig.Asha config) {
        if (config.paretoAware()) throw new IllegalArgumentException("pruner.paretoAware is true: use ParetoAshaPruner");
        this.config = config;
        this.rungs = new AshaRungs(config);
        for (int i = 0; i < rungs.count(); i++) results.add(new RankTree());
    }

    @Override public Verdict onReport(int number, long sizeBits, EpochMetrics metrics) {
        int epoch = metrics.epoch();
        double acc = metrics.valAccuracy();
        int rung = rungs.rungOf(epoch);
        boolean nan = Double.isNaN(acc);
        if (rung < 0)
            return nan ? new Verdict(Decision.STOP, -1, "accuracy is NaN at epoch " + epoch) : Verdict.proceed();
        RankTree tree = results.get(rung);
        int rank = tree.insert(nan ? Double.NEGATIVE_INFINITY : acc, sequence++);
        int n = tree.size();
        String where = " at rung " + rung + " (epoch " + epoch + ")";
        if (nan) return new Verdict(Decision.STOP, rung, "accuracy is NaN" + where);
        if (rungs.isTop(rung)) return new Verdict(Decision.CONTINUE, rung, "rank " + (rank + 1) + " of " + n + where + ": top rung");
        int quota = AshaRungs.quota(n, config.reductionFactor());
        boolean keep = rank < quota;
        return new Verdict(keep ? Decision.CONTINUE : Decision.STOP, rung,
                "rank " + (rank + 1) + " of " + n + where + ": needs top " + quota);
    }
}
