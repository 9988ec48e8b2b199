package org.bitsearch.trainers.dl4j.model;

import org.bitsearch.search.trial.Candidate;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;

import org.bitsearch.search.trainer.ParamRule;

import java.util.List;

/**
 * The per-trial hyperparameters the DL4J trainer reads from {@link Candidate#params()} (the names a search
 * space's dimensions must use):
 * <ul>
 *   <li>{@code learningRate}: number &gt; 0, default 1e-3</li>
 *   <li>{@code optimizer}: "adam" (default), "sgd" or "nesterovs" (momentum 0.9)</li>
 *   <li>{@code weightDecay}: number &gt;= 0, default 0 (decoupled weight decay on the weights, not biases)</li>
 *   <li>{@code batchSize}: integer &gt;= 1, default the config's {@code batchSize}</li>
 * </ul>
 * {@link #declared()} states exactly these names and rules; a spec naming any other parameter, or one whose
 * values break a rule, is rejected before the search starts.
 */
public record Hyperparameters(double learningRate, String optimizer, double weightDecay, int batchSize) {
    public static final String LEARNING_RATE = "learningRate", OPTIMIZER = "optimizer", WEIGHT_DECAY = "weightDecay",
            BATCH_SIZE = "batchSize";
    /** The optimizers {@link #updater()} builds, the default first. */
    public static final List<String> OPTIMIZERS = List.of("adam", "sgd", "nesterovs");

    public Hyperparameters {
        if (!(learningRate > 0) || !Double.isFinite(learningRate))
            throw new IllegalArgumentException("param 'learningRate' is " + learningRate + ", but must be a finite number > 0");
        if (!OPTIMIZERS.contains(optimizer))
            throw new IllegalArgumentException("param 'optimizer' is '" + optimizer + "', but must be one of " + OPTIMIZERS);
        if (!(weightDecay >= 0) || !Double.isFinite(weightDecay))
            throw new IllegalArgumentException("param 'weightDecay' is " + weightDecay + ", but must be a finite number >= 0");
        if (batchSize < 1) throw new IllegalArgumentException("param 'batchSize' is " + batchSize + ", but must be >= 1");
    }

    /**
     * The parameters {@link #of} reads and the values the compact constructor accepts, in that order: what a
     * search space for the DL4J trainer may contain (checked by the spec compiler).
     */
    public static List<ParamRule> declared() {
        return List.of(new ParamRule.Real(LEARNING_RATE, 0, true),
                new ParamRule.Choice(OPTIMIZER, OPTIMIZERS),
                new ParamRule.Real(WEIGHT_DECAY, 0, false),
                new ParamRule.Whole(BATCH_SIZE, 1));
    }

    /** Reads the candidate's parameters, with the config's batch size as default. */
    public static Hyperparameters of(Candidate candidate, int defaultBatchSize) {
        double batch = candidate.number(BATCH_SIZE, defaultBatchSize);
        if (batch != Math.rint(batch))
            throw new IllegalArgumentException("param 'batchSize' is " + batch + ", but must be an integer");
        return new Hyperparameters(candidate.number(LEARNING_RATE, 1e-3), candidate.string(OPTIMIZER, "adam"),
                candidate.number(WEIGHT_DECAY, 0), (int) Math.min(Integer.MAX_VALUE, Math.max(0, batch)));
    }

    /** The DL4J updater of {@link #optimizer()} at {@link #learningRate()}. */
    public IUpdater updater() {
        return switch (optimizer) {
            case "adam" -> new Adam(learningRate);
            case "sgd" -> new Sgd(learningRate);
            case "nesterovs" -> new Nesterovs(learningRate, 0.9);
            default -> throw new IllegalStateException(optimizer);
        };
    }
}
