package org.bitsearch.trainers.sim;

import org.bitsearch.search.engine.Seeds;
import org.bitsearch.search.space.QuantLayer;
import org.bitsearch.search.trial.Candidate;

import java.util.List;

/**
 * The simulated trainer's model of validation accuracy, a pure function of (trial seed, candidate, epoch):
 * acc(e) = 0.1 + (ceiling − 0.1)·(1 − exp(−e / 2)) + noise. The ceiling starts at 0.90 and falls
 * <ul>
 *   <li>with fewer bits: a weight-share-weighted penalty per layer (1 bit costs most, then 2, 3, 4, ...), doubled
 *   for the first and last layer, which are the most sensitive;</li>
 *   <li>with fewer activation bits (a candidate with {@code activationBits}): half the weight penalty of the same
 *   width, each layer's output weighing the same;</li>
 *   <li>smoothly with the learning rate ({@code learningRate} or {@code lr} if the candidate has one): 0.06·
 *   (log10(lr) + 3)², capped at 0.5, optimum at 1e-3.</li>
 * </ul>
 * The noise is a per-trial offset plus per-epoch jitter, each normal with σ = {@code noise}, seeded from the
 * trial seed, the candidate and the epoch. Under a simulated progressive schedule (every layer quantized from
 * epoch F), an epoch e &lt; F reports the fully quantized accuracy lowered by (F − e)/F · (0.1 + 0.2·u), u uniform
 * in [0, 1) per trial: early reports are then a poor guide to the final ranking, as layers that have never
 * trained quantized are evaluated quantized. The current (partially quantized) model's accuracy,
 * {@link #currentAccuracy}, is the curve without that penalty. All arithmetic uses {@link StrictMath}.
 */
final class LearningCurve {
    private final List<QuantLayer> layers;
    private final double noise;
    private final int fullyQuantizedEpoch;

    LearningCurve(List<QuantLayer> layers, double noise) {
        this(layers, noise, 1);
    }

    LearningCurve(List<QuantLayer> layers, double noise, int fullyQuantizedEpoch) {
        this.layers = layers;
        this.noise = noise;
        this.fullyQuantizedEpoch = fullyQuantizedEpoch;
    }

    static double bitPenalty(int bits) {
        return switch (bits) {
            case 1 -> 0.25;
            case 2 -> 0.10;
            case 3 -> 0.05;
            case 4 -> 0.025;
            case 5 -> 0.012;
            case 6 -> 0.006;
            case 7 -> 0.003;
            case 8 -> 0.0015;
            default -> 0;
        };
    }

    double ceiling(Candidate c) {
        double total = 0, penalty = 0;
        for (QuantLayer l : layers) total += l.weights();
        int n = layers.size();
        double weightSum = 0;
        for (int i = 0; i < n; i++) {
            double sensitivity = (i == 0 || i == n - 1) ? 2 : 1;
            double share = 0.5 / n + 0.5 * layers.get(i).weights() / total;
            penalty += sensitivity * share * bitPenalty(c.bits().get(i));
            weightSum += share;
        }
        penalty /= weightSum;
        if (c.activationBits().isPresent()) {
            double acts = 0;
            for (int i = 0; i < n; i++) acts += 0.5 * bitPenalty(c.activationBits().get().get(i));
            penalty += acts / n;
        }
        double lr = c.number("learningRate", c.number("lr", 1e-3));
        double lrPenalty = lr > 0 ? Math.min(0.5, 0.06 * StrictMath.pow(StrictMath.log10(lr) + 3, 2)) : 0.5;
        return Math.max(0.12, 0.90 - penalty - lrPenalty);
    }

    /** Validation accuracy after {@code epoch} epochs (epoch 0 is the untrained model), clamped to [0, 1]. */
    double accuracy(long trialSeed, Candidate c, int epoch) {
        long base = Seeds.derive(trialSeed, candidateHash(c));
        double offset = noise * Seeds.rng(base, 0).nextGaussian();
        double jitter = epoch == 0 ? 0 : noise * Seeds.rng(base, epoch).nextGaussian();
        double curve = 0.1 + (ceiling(c) - 0.1) * (1 - StrictMath.exp(-epoch / 2.0));
        if (epoch > 0 && epoch < fullyQuantizedEpoch)
            curve -= (double) (fullyQuantizedEpoch - epoch) / fullyQuantizedEpoch * (0.1 + 0.2 * Seeds.rng(base, 0x9A0CL).nextDouble());
        return Math.max(0, Math.min(1, curve + (epoch == 0 ? 0 : offset + jitter)));
    }

    /**
     * Validation accuracy of the current model after {@code epoch} epochs: under the simulated progressive schedule
     * the layers not reached yet are evaluated in full precision, so the progressive penalty does not apply; the same
     * as {@link #accuracy} without a schedule or from the fully quantized epoch on.
     */
    double currentAccuracy(long trialSeed, Candidate c, int epoch) {
        long base = Seeds.derive(trialSeed, candidateHash(c));
        double offset = noise * Seeds.rng(base, 0).nextGaussian();
        double jitter = epoch == 0 ? 0 : noise * Seeds.rng(base, epoch).nextGaussian();
        double curve = 0.1 + (ceiling(c) - 0.1) * (1 - StrictMath.exp(-epoch / 2.0));
        return Math.max(0, Math.min(1, curve + (epoch == 0 ? 0 : offset + jitter)));
    }

    /**
     * A hash of the candidate that every JVM computes the same (String, List and Map hash codes are specified); the
     * activation bits enter only when the candidate has them, so candidates without them hash as before.
     */
    static long candidateHash(Candidate c) {
        long h = ((long) c.params().toString().hashCode() << 32) ^ (c.bits().bits().hashCode() & 0xFFFFFFFFL);
        return c.activationBits().isPresent() ? h * 31 + c.activationBits().get().bits().hashCode() : h;
    }
}
