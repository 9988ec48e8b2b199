package org.bitsearch.search.pruner;

import org.bitsearch.search.pareto.Pareto;
import org.bitsearch.search.trial.Decision;
import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.search.trial.Verdict;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Pareto-aware ASHA: the rungs and quota of {@link AshaPruner} (Li et al. 2020), but a rung's results are
 * ordered by the non-dominated rank of (accuracy at that rung up, model size down), then by crowding distance
 * (larger first) within a rank (Deb et al. 2002, the NSGA-II order), then by recorded order. A trial continues
 * if its position in that order is below max(1, ⌊n/η⌋). This keeps small models that are good for their size,
 * which accuracy-only ASHA would stop. NaN accuracy: always STOP, ordered after every number.
 *
 * <p>With {@link PrunerConfig.Asha#keepFront() keepFront}, a trial whose result is on the rung's first front
 * (non-dominated among the results recorded there so far) also continues outside the quota. The search's final front
 * is made of completed trials only, so stopping a non-dominated trial takes a point off the front that nothing at
 * its rung has beaten; with the quota alone, which of two non-dominated trials survives at a rung with few results
 * depends on arrival order (⌊n/η⌋ is 1 for n &lt; 2η), and a search whose small models arrive second loses the
 * small end of its front. Dominated trials are pruned by the quota as before, so the extra cost is bounded by the
 * size of each rung's front (the non-dominated set the multi-objective ASHA of Schmucker et al. 2021 promotes
 * first). Off by default, so that decisions recorded by earlier versions replay unchanged.
 *
 * <p>Each report at a rung costs O(n log f) for n results in f fronts: the results are kept sorted by size, one
 * sweep ranks them all ({@link Pareto#ranksOfSorted}, the sweep of {@link Pareto#ranks}), and only the new result's front gets
 * crowding distances. State is only the recorded results, so replaying reports in recorded order rebuilds it.
 */
public final class ParetoAshaPruner implements Pruner {
    private final PrunerConfig.Asha config;
    private final AshaRungs rungs;
    private final List<Rung> results = new ArrayList<>();
    private long sequence;

    /**
     * A rung's finite results kept sorted by (size up, accuracy down, recorded order up), so that one linear sweep
     * with a binary search over the fronts gives every non-dominated rank (2-D sort, as in {@link Pareto#ranks}).
     */
    private static final class Rung {
        double[] accuracy = new double[16];
        long[] size = new long[16];
        long[] seq = new long[16];
        int[] rank = new int[16];
        int n;
        int nan;

        private boolean before(int i, double a, long s, long q) {
            if (size[i] != s) return size[i] < s;
            if (accuracy[i] != a) return accuracy[i] > a;
            return seq[i] < q;
        }

        /** Inserts a finite result and returns its index in the sorted arrays. */
        int insert(double a, long s, long q) {
            if (n == accuracy.length) {
                accuracy = Arrays.copyOf(accuracy, 2 * n);
                size = Arrays.copyOf(size, 2 * n);
                seq = Arrays.copyOf(seq, 2 * n);
                rank = Arrays.copyOf(rank, 2 * n);
            }
            int lo = 0, hi = n;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (before(mid, a, s, q)) lo = mid + 1; else hi = mid;
            }
            System.arraycopy(accuracy, lo, accuracy, lo + 1, n - lo);
            System.arraycopy(size, lo, size, lo + 1, n - lo);
            System.arraycopy(seq, lo, seq, lo + 1, n - lo);
            accuracy[lo] = a;
            size[lo] = s;
            seq[lo] = q;
            n++;
            return lo;
        }

        /** Recomputes every rank with the sweep of {@link Pareto#ranks}; returns the number of fronts. */
        int rankAll() { return Pareto.ranksOfSorted(accuracy, size, n, rank); }

        /** Crowding distance (Deb et al. 2002) of {@code members}, a front's indices in size order. */
        double[] crowding(int[] members, int m) {
            double[] d = new double[m];
            d[0] = Double.POSITIVE_INFINITY;
            d[m - 1] = Double.POSITIVE_INFINITY;
            double sizeRange = size[members[m - 1]] - size[members[0]];
            double accRange = accuracy[members[m - 1]] - accuracy[members[0]];
            for (int k = 1; k < m - 1; k++) {
                if (sizeRange > 0) d[k] += (size[members[k + 1]] - size[members[k - 1]]) / sizeRange;
                if (accRange > 0) d[k] += (accuracy[members[k + 1]] - accuracy[members[k - 1]]) / accRange;
            }
            return d;
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
        String where = " at rung " + rungIndex + " (epoch " + epoch + ")";
        if (nan) {
            sequence++;
            rung.nan++;
            return new Verdict(Decision.STOP, rungIndex, "accuracy is NaN" + where);
        }
        long mySeq = sequence++;
        int me = rung.insert(acc, sizeBits, mySeq);
        int n = rung.n + rung.nan;
        rung.rankAll();
        int myRank = rung.rank[me];
        int better = 0, m = 0, myPos = -1;
        int[] members = new int[rung.n];
        for (int i = 0; i < rung.n; i++) {
            if (rung.rank[i] < myRank) better++;
            else if (rung.rank[i] == myRank) {
                if (i == me) myPos = m;
                members[m++] = i;
            }
        }
        double[] crowd = rung.crowding(members, m);
        int position = better;
        for (int k = 0; k < m; k++) {
            if (k == myPos) continue;
            if (crowd[k] > crowd[myPos] || (crowd[k] == crowd[myPos] && rung.seq[members[k]] < mySeq)) position++;
        }
        String detail = "position " + (position + 1) + " of " + n + " (Pareto rank " + (myRank + 1) + ")" + where;
        if (rungs.isTop(rungIndex)) return new Verdict(Decision.CONTINUE, rungIndex, detail + ": top rung");
        int quota = AshaRungs.quota(n, config.reductionFactor());
        if (position >= quota && config.keepFront() && myRank == 0)
            return new Verdict(Decision.CONTINUE, rungIndex, detail + ": outside the top " + quota + " but on the rung's first front");
        return new Verdict(position < quota ? Decision.CONTINUE : Decision.STOP, rungIndex, detail + ": needs top " + quota);
    }
}
