package org.bitsearch.search.sampler;

import org.bitsearch.search.trial.TrialRecord;
import org.bitsearch.search.trial.TrialState;

import java.util.Comparator;

/**
 * Which finished trials the model-based samplers (TPE, NSGA-II) learn from, and how a pruned trial's accuracy
 * compares with a completed one's.
 *
 * <p>A pruned trial's last accuracy is from the epoch it was stopped at, early in its training, and is not
 * comparable with a completed trial's final accuracy: taken as final, a trial stopped at epoch 1 with 0.80 would
 * count as worse than one that completed at 0.81 only by chance of the curve, and one stopped at 0.82 (a lucky
 * early epoch, stopped later at a rung) would count as better than trials that trained to the end. So, as Optuna's
 * TPE does ({@code optuna/samplers/_tpe/sampler.py}: completed trials fill the good set first, then pruned trials
 * sorted by their last step, further first, then by their value at that step), observations are ordered in tiers:
 * <ol>
 *   <li>COMPLETED trials, by final validation accuracy;</li>
 *   <li>then PRUNED trials, those that trained more epochs first (they won more rungs), and among trials stopped
 *   after the same number of epochs by their accuracy at that epoch, which is comparable between them.</li>
 * </ol>
 * Ties go to the smaller trial number. Trials without an accuracy (no report, or NaN: diverged) and FAILED trials
 * are not observations. A pruned trial still counts: it tells the sampler where not to look (the "bad" set of
 * TPE), and it can be a parent when too few trials completed.
 */
final class Observed {
    private Observed() {}

    /** True if {@code t} is a finished trial the samplers learn from: COMPLETED or PRUNED with an accuracy. */
    static boolean isObservation(TrialRecord t) {
        return (t.state() == TrialState.COMPLETED || t.state() == TrialState.PRUNED) && !Double.isNaN(t.finalValAccuracy());
    }

    /**
     * The tier of an observation, smaller is better: 0 for COMPLETED; for PRUNED a positive number that is larger
     * the fewer epochs the trial trained. Trials in one tier have accuracies measured after the same training, so
     * their accuracies compare.
     */
    static int tier(TrialRecord t) {
        return t.state() == TrialState.COMPLETED ? 0 : Integer.MAX_VALUE / 2 - t.reports().size();
    }

    /** Best first: tier, then accuracy (down), then trial number (up). */
    static final Comparator<TrialRecord> ORDER = Comparator.comparingInt(Observed::tier)
            .thenComparing(Comparator.comparingDouble(TrialRecord::finalValAccuracy).reversed())
            .thenComparingInt(TrialRecord::number);
}
