package org.bitsearch.search.trial;

/**
 * What a trainer reports after one epoch. Accuracies are of the quantized model on the validation split.
 *
 * @param epoch            1-based epoch number
 * @param valAccuracy      validation accuracy in [0, 1]
 * @param valLoss          validation loss (finite)
 * @param trainLoss        mean training loss of the epoch (finite)
 * @param seconds          wall time of the epoch's training and evaluation
 * @param samplesPerSecond training throughput of the epoch
 * @param learnedBits      the per-layer bit-widths the trainer learned so far and evaluated this epoch with (CPQ's
 *                         DropBits regulariser, Lee et al. 2021), empty when the trainer trains the candidate's
 *                         allocation as given; a trial's allocation is its last report's learned bits when present
 */
public record EpochMetrics(int epoch, double valAccuracy, double valLoss, double trainLoss,
                           double seconds, double samplesPerSecond, java.util.List<Integer> learnedBits) {
    /** A report of a trainer that trains the candidate's allocation as given. */
    public EpochMetrics(int epoch, double valAccuracy, double valLoss, double trainLoss, double seconds, double samplesPerSecond) {
        this(epoch, valAccuracy, valLoss, trainLoss, seconds, samplesPerSecond, java.util.List.of());
    }

    public EpochMetrics {
        learnedBits = learnedBits == null ? java.util.List.of() : java.util.List.copyOf(learnedBits);
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
