package org.bitsearch.search.pruner;

import org.bitsearch.search.trial.Decision;
import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.search.trial.Verdict;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * The median stopping rule (Golovin et al., "Google Vizier", KDD 2017): at epoch e > warmupEpochs, a trial
 * whose best accuracy so far is strictly below the median of the other trials' best accuracies up to epoch e
 * stops, once at least {@code minTrials} other trials have reported epoch e. Equal to the median continues.
 * NaN: always STOP (its trial's best so far, if any, still joins the epoch's results).
 *
 * <p>Per epoch a two-heap running median: O(log n) per report. Only map lookups, never map iteration, so the
 * order of a hash map cannot leak into decisions.
 */
public final class MedianStoppingPruner implements Pruner {
    private final PrunerConfig.Median config;
    private final Map<Integer, RunningMedian> byEpoch = new HashMap<>();
    private final Map<Integer, Double> bestSoFar = new HashMap<>();

    public MedianStoppingPruner(PrunerConfig.Median config) { this.config = config; }

    @Override public Verdict onReport(int number, long sizeBits, EpochMetrics metrics) {
        int epoch = metrics.epoch();
        double acc = metrics.valAccuracy();
        Double previous = bestSoFar.get(number);
        double best = previous == null ? acc : Double.isNaN(acc) ? previous : Math.max(previous, acc);
        if (!Double.isNaN(best)) bestSoFar.put(number, best);
        RunningMedian others = byEpoch.computeIfAbsent(epoch, e -> new RunningMedian());
        Verdict verdict;
        if (Double.isNaN(acc)) {
            verdict = new Verdict(Decision.STOP, -1, "accuracy is NaN at epoch " + epoch);
        } else if (epoch <= config.warmupEpochs()) {
            verdict = new Verdict(Decision.CONTINUE, -1, "epoch " + epoch + " is within the warm-up of " + config.warmupEpochs());
        } else if (others.count() < config.minTrials()) {
            verdict = new Verdict(Decision.CONTINUE, -1, others.count() + " other trials reported epoch " + epoch + ", needs " + config.minTrials());
        } else {
            double median = others.median();
            boolean stop = best < median;
            verdict = new Verdict(stop ? Decision.STOP : Decision.CONTINUE, -1, "best accuracy " + best + (stop ? " is below" : " is not below")
                    + " the median " + median + " of " + others.count() + " trials at epoch " + epoch);
        }
        if (!Double.isNaN(best)) others.add(best);
        return verdict;
    }

    /** Median of an insert-only multiset: a max-heap of the lower half and a min-heap of the upper half. */
    private static final class RunningMedian {
        private final PriorityQueue<Double> lower = new PriorityQueue<>(Collections.reverseOrder());
        private final PriorityQueue<Double> upper = new PriorityQueue<>();

        void add(double x) {
            if (lower.isEmpty() || x <= lower.peek()) lower.add(x); else upper.add(x);
            if (lower.size() > upper.size() + 1) upper.add(lower.poll());
            else if (upper.size() > lower.size()) lower.add(upper.poll());
        }

        int count() { return lower.size() + upper.size(); }

        double median() {
            if (lower.size() > upper.size()) return lower.peek();
            return (lower.peek() + upper.peek()) / 2;
        }
    }
}
