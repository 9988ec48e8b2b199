package org.bitsearch.search.pruner;

import org.bitsearch.search.engine.PrunerConfig;
import org.bitsearch.search.pareto.Pareto;
import org.bitsearch.search.trial.Decision;
import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.search.trial.Verdict;

import java.util.ArrayList;
import java.util.List;

/**
 * Pareto-aware ASHA: the rungs and quota of {@link AshaPruner} (Li et al. 2020), but a rung's results are
 * ordered by the non-dominated rank of (accuracy at that rung up, model size down), then by crowding distance
 * (larger first) within a rank (Deb et al. 2002, the NSGA-II order), then by recorded order. A trial continues
 * if its position in that order is below max(1, ⌊n/η⌋). This keeps small models that are good for their size,
 * which accuracy-only ASHA would stop. NaN accuracy: always STOP, ordered after every number.
 *
 * <p>Each report at a rung re-sorts the rung's results: O(n log n) with the 2-D non-dominated sort. State is
 * only the recorded results, so replaying reports in recorded order rebuilds it.
 */
public final class ParetoAshaPruner implements Pruner {
    private final PrunerConfig.Asha config;
    private final AshaRungs rungs;
    private final List<Rung> results = new ArrayList<>();
    private long sequence;

    private static final class Rung {
        double[] accuracy = new double[8];
        long[] size = new long[8];
        long[] seq = new long[8];
        int n;

        int add(double a, long s, long q) {
            if (n == accuracy.length) {
                accuracy = java.util.Arrays.copyOf(accuracy, 2 * n);
                size = java.util.Arrays.copyOf(size, 2 * n);
                seq = java.util.Arrays.copyOf(seq, 2 * n);
            }
            accuracy[n] = a;
            size[n] = s;
            seq[n] = q;
            return n++;
        }
    }

    public ParetoAshaPruner(PrunerConfig.Asha config) {
        if (!config.paretoAware()) throw new IllegalArgumentException("pruner.paretoAware is false: use AshaPruner");
        this.config = config;
        this.rungs = new AshaRungs(config);
        for (int i = 0; i < rungs.count(); i++) results.add(new Rung());
    }

    @Override public Verdict onReport(int number, long sizeBits, EpochMetrics metrics) {
        int epoch = metrics.epoch();
        double acc = metrics.valAccuracy();
        int rungIndex = rungs.rungOf(epoch);
        boolean nan = Double.isNaN(acc);
        if (rungIndex < 0)
            return nan ? new Verdict(Decision.STOP, -1, "accuracy is NaN at epoch " + epoch) : Verdict.proceed();
        Rung rung = results.get(rungIndex);
        int me = rung.add(acc, sizeBits, sequence++);
        int n = rung.n;
        String where = " at rung " + rungIndex + " (epoch " + epoch + ")";
        if (nan) return new Verdict(Decision.STOP, rungIndex, "accuracy is NaN" + where);
        double[] a = java.util.Arrays.copyOf(rung.accuracy, n);
        long[] s = java.util.Arrays.copyOf(rung.size, n);
        long[] q = java.util.Arrays.copyOf(rung.seq, n);
        int[] rank = Pareto.ranks(a, s);
        Integer[] order = Pareto.order(a, s, q);
        int position = 0;
        while (order[position] != me) position++;
        String detail = "position " + (position + 1) + " of " + n + " (Pareto rank " + (rank[me] + 1) + ")" + where;
        if (rungs.isTop(rungIndex)) return new Verdict(Decision.CONTINUE, rungIndex, detail + ": top rung");
        int quota = AshaRungs.quota(n, config.reductionFactor());
        return new Verdict(position < quota ? Decision.CONTINUE : Decision.STOP, rungIndex, detail + ": needs top " + quota);
    }
}
