package org.bitsearch.search.trial;

import java.util.List;
import java.util.Optional;

/**
 * What is known of one trial: its candidate, state and the epoch reports so far, in epoch order.
 *
 * @param number    trial number within the search (0-based)
 * @param candidate the configuration
 * @param state     current state
 * @param reports   epoch reports, epochs 1..n without gaps
 * @param sizeBits  exact model size in bits of the trial's allocation ({@link #allocation()})
 */
public record TrialRecord(int number, Candidate candidate, TrialState state, List<EpochMetrics> reports, long sizeBits) {
    public TrialRecord {
        if (number < 0) throw new IllegalArgumentException("number is " + number + ", but must be >= 0");
        if (candidate == null || state == null) throw new IllegalArgumentException("candidate and state must not be null");
        reports = List.copyOf(reports);
        for (int i = 0; i < reports.size(); i++)
            if (reports.get(i).epoch() != i + 1)
                throw new IllegalArgumentException("trial " + number + ": report " + i + " has epoch "
                        + reports.get(i).epoch() + ", but must be " + (i + 1));
        if (sizeBits <= 0) throw new IllegalArgumentException("sizeBits is " + sizeBits + ", but must be > 0");
    }

    /**
     * The trial's allocation: the learned bits of its last report when the trainer learns them (CPQ's DropBits
     * regulariser), else the candidate's. Size, Pareto front and reported allocation use it.
     */
    public org.bitsearch.search.space.BitAllocation allocation() {
        return lastReport().filter(EpochMetrics::hasLearnedBits)
                .map(r -> new org.bitsearch.search.space.BitAllocation(r.learnedBits())).orElse(candidate.bits());
    }

    public Optional<EpochMetrics> lastReport() {
        return reports.isEmpty() ? Optional.empty() : Optional.of(reports.get(reports.size() - 1));
    }

    /**
     * Validation accuracy of the last recorded epoch, NaN if none (or if that epoch diverged). This is the
     * accuracy of the weights a trial ends with, the ones its checkpoint keeps, its test accuracy is measured on
     * and its model is exported from; so it is what ranks finished trials: the Pareto front of
     * {@link org.bitsearch.search.engine.SearchEngine} and the samplers' objectives (TPE, NSGA-II).
     */
    public double finalValAccuracy() {
        return reports.isEmpty() ? Double.NaN : reports.get(reports.size() - 1).valAccuracy();
    }

    /**
     * Best validation accuracy over the recorded epochs, NaN if none. Informational only (the best epoch's weights
     * are not kept); nothing ranks trials by it, see {@link #finalValAccuracy()}.
     */
    public double bestValAccuracy() {
        return reports.stream().mapToDouble(EpochMetrics::valAccuracy).filter(d -> !Double.isNaN(d)).max().orElse(Double.NaN);
    }
}
