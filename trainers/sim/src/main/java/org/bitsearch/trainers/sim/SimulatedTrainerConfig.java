package org.bitsearch.trainers.sim;

import org.bitsearch.search.space.Architectures;
import org.bitsearch.search.space.QuantLayer;

import java.util.List;

/**
 * Settings of the {@link SimulatedTrainer}, bindable by Jackson from the spec's {@code trainer:} block
 * ({@code kind: simulated}). Every component may be omitted (null): the defaults are given below.
 *
 * @param inputs        MLP input size (default 784)
 * @param hidden        MLP hidden sizes (default [256, 128])
 * @param outputs       MLP output size (default 10)
 * @param layers        explicit quantizable layers; if given, they replace the MLP (inputs, hidden, outputs ignored)
 * @param epochSeconds  wall time each epoch sleeps, in seconds (default 0: return at once; at most
 *                      {@link #MAX_EPOCH_SECONDS}: a simulated epoch stands in for a real one, and a longer sleep is
 *                      a typo, e.g. milliseconds given as seconds)
 * @param noise         standard deviation of the accuracy noise (default 0.005)
 * @param failTrials    trial numbers whose run throws at {@code failEpoch}, for retry tests (default none)
 * @param failEpoch     the epoch at which a failing trial throws (default 1)
 * @param failAttempts  how many attempts (opens of the trial's run in this trainer) fail before one succeeds
 *                      (default 1)
 * @param nanTrials     trial numbers that report NaN accuracy and loss from {@code nanEpoch} on (default none)
 * @param nanEpoch      the first epoch a NaN trial reports NaN (default 1)
 * @param progressiveEveryEpochs if given, E of a simulated progressive schedule (Lan 2021): one more layer is
 *                      quantized every E epochs, so every layer is quantized from epoch 1 + (L − 1)·E; before it the
 *                      fully quantized accuracy is lowered by a trial-specific amount (see {@link LearningCurve})
 */
public record SimulatedTrainerConfig(Integer inputs, List<Integer> hidden, Integer outputs, List<QuantLayer> layers,
                                     Double epochSeconds, Double noise, List<Integer> failTrials, Integer failEpoch,
                                     Integer failAttempts, List<Integer> nanTrials, Integer nanEpoch,
                                     Integer progressiveEveryEpochs) {
    /** The longest simulated epoch, in seconds (one hour). */
    public static final double MAX_EPOCH_SECONDS = 3600;

    public SimulatedTrainerConfig {
        if (inputs == null) inputs = 784;
        if (hidden == null) hidden = List.of(256, 128);
        if (outputs == null) outputs = 10;
        if (epochSeconds == null) epochSeconds = 0.0;
        if (noise == null) noise = 0.005;
        if (failTrials == null) failTrials = List.of();
        if (failEpoch == null) failEpoch = 1;
        if (failAttempts == null) failAttempts = 1;
        if (nanTrials == null) nanTrials = List.of();
        if (nanEpoch == null) nanEpoch = 1;
        hidden = List.copyOf(hidden);
        failTrials = List.copyOf(failTrials);
        nanTrials = List.copyOf(nanTrials);
        if (layers != null) {
            if (layers.isEmpty()) throw new IllegalArgumentException("trainer.layers is empty, but must list at least one layer (or be omitted)");
            layers = List.copyOf(layers);
        } else {
            Architectures.mlp(inputs, hidden, outputs); // validates the sizes
        }
        if (!(epochSeconds >= 0) || Double.isInfinite(epochSeconds))
            throw new IllegalArgumentException("trainer.epochSeconds is " + epochSeconds + ", but must be finite and >= 0");
        if (epochSeconds > MAX_EPOCH_SECONDS)
            throw new IllegalArgumentException("trainer.epochSeconds is " + epochSeconds + ", but must be <= " + (long) MAX_EPOCH_SECONDS
                    + " (one hour per simulated epoch)");
        if (!(noise >= 0) || noise > 1) throw new IllegalArgumentException("trainer.noise is " + noise + ", but must be in [0, 1]");
        if (failEpoch < 1) throw new IllegalArgumentException("trainer.failEpoch is " + failEpoch + ", but must be >= 1");
        if (failAttempts < 0) throw new IllegalArgumentException("trainer.failAttempts is " + failAttempts + ", but must be >= 0");
        if (nanEpoch < 1) throw new IllegalArgumentException("trainer.nanEpoch is " + nanEpoch + ", but must be >= 1");
        if (progressiveEveryEpochs != null && progressiveEveryEpochs < 1)
            throw new IllegalArgumentException("trainer.progressiveEveryEpochs is " + progressiveEveryEpochs + ", but must be >= 1");
    }

    /** All defaults: a 784-256-128-10 MLP, no delay, small noise, no failures. */
    public static SimulatedTrainerConfig defaults() {
        return new SimulatedTrainerConfig(null, null, null, null, null, null, null, null, null, null, null, null);
    }

    /** The config without a progressive schedule (the constructor before it existed). */
    public SimulatedTrainerConfig(Integer inputs, List<Integer> hidden, Integer outputs, List<QuantLayer> layers,
                                  Double epochSeconds, Double noise, List<Integer> failTrials, Integer failEpoch,
                                  Integer failAttempts, List<Integer> nanTrials, Integer nanEpoch) {
        this(inputs, hidden, outputs, layers, epochSeconds, noise, failTrials, failEpoch, failAttempts, nanTrials, nanEpoch, null);
    }

    /** The first epoch with every layer quantized: 1 + (L − 1)·E under the progressive schedule, else 1. */
    public int fullyQuantizedEpoch() {
        return progressiveEveryEpochs == null ? 1 : 1 + (quantLayers().size() - 1) * progressiveEveryEpochs;
    }

    /** The quantizable layers the simulated model has. */
    public List<QuantLayer> quantLayers() { return layers != null ? layers : Architectures.mlp(inputs, hidden, outputs); }
}
