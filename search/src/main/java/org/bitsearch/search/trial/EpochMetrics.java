package org.bitsearch.search.trial;

import java.util.List;

/**
 * What a trainer reports after one epoch. Accuracies are of the quantized model on the validation split.
 *
 * <p>Under a progressive schedule (Lan 2021; BiTAT 2022) two models exist while some layers still train in full
 * precision: the <i>target</i> model, every layer at its target bits ({@code valAccuracy}, what pruners, samplers
 * and the front judge), and the <i>current</i> model, as trained so far (layers the schedule has not reached yet
 * in full precision: {@code currentAccuracy}). Once every layer is quantized, and for any trial without such a
 * schedule, the two are equal.
 *
 * @param epoch            1-based epoch number
 * @param valAccuracy      validation accuracy in [0, 1]
 * @param valLoss          validation loss (finite)
 * @param trainLoss        mean training loss of the epoch (finite)
 * @param seconds          wall time of the epoch's training and evaluation
 * @param samplesPerSecond training throughput of the epoch
 * @param currentAccuracy  validation accuracy of the current (partially quantized) model in [0, 1] or NaN;
 *                         equal to {@code valAccuracy} when every layer trains quantized
 * @param learnedBits      the per-layer bit-widths the trainer learned so far and evaluated this epoch with (CPQ's
 *                         DropBits regulariser, Lee et al. 2021), empty when the trainer trains the candidate's
 *                         allocation as given; a trial's allocation is its last report's learned bits when present
 */
public record EpochMetrics(int epoch, double valAccuracy, double valLoss, double trainLoss,
                           double seconds, double samplesPerSecond, double currentAccuracy, List<Integer> learnedBits) {
    /** A report of a trainer that trains the candidate's allocation as given, its current model the target model. */
    public EpochMetrics(int epoch, double valAccuracy, double valLoss, double trainLoss, double seconds, double samplesPerSecond) {
        this(epoch, valAccuracy, valLoss, trainLoss, seconds, samplesPerSecond, valAccuracy, List.of());
    }

    /** A report of a trainer that trains the candidate's allocation as given (no learned bits). */
    public EpochMetrics(int epoch, double valAccuracy, double valLoss, double trainLoss, double seconds, double samplesPerSecond,
                        double currentAccuracy) {
        this(epoch, valAccuracy, valLoss, trainLoss, seconds, samplesPerSecond, currentAccuracy, List.of());
    }

    /** A report whose current model is the target model ({@code currentAccuracy = valAccuracy}), with learned bits. */
    public EpochMetrics(int epoch, double valAccuracy, double valLoss, double trainLoss, double seconds, double samplesPerSecond,
                        List<Integer> learnedBits) {
        this(epoch, valAccuracy, valLoss, trainLoss, seconds, samplesPerSecond, valAccuracy, learnedBits);
    }

    public EpochMetrics {
        learnedBits = learnedBits == null ? List.of() : List.copyOf(learnedBits);
        if (!(currentAccuracy >= 0 && currentAccuracy <= 1) && !Double.isNaN(currentAccuracy))
            throw new IllegalArgumentException("currentAccuracy is " + currentAccuracy + ", but must be in [0, 1] or NaN");
        if (epoch < 1) throw new IllegalArgumentException("epoch is " + epoch + ", but must be >= 1");
        if (!(valAccuracy >= 0 && valAccuracy <= 1) && !Double.isNaN(valAccuracy))
            throw new IllegalArgumentException("valAccuracy is " + valAccuracy + ", but must be in [0, 1] or NaN");
        if (seconds < 0) throw new IllegalArgumentException("seconds is " + seconds + ", but must be >= 0");
        if (samplesPerSecond < 0) throw new IllegalArgumentException("samplesPerSecond is " + samplesPerSecond + ", but must be >= 0");
    }

    /** True when the report carries learned bits. */
    public boolean hasLearnedBits() { return !learnedBits.isEmpty(); }

    /** True if any loss or the accuracy is NaN or infinite: the trial has diverged and must fail. */
    public boolean diverged() {
        return !Double.isFinite(valLoss) || !Double.isFinite(trainLoss) || Double.isNaN(valAccuracy);
    }
}
