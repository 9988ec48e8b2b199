package org.bitsearch.trainers.sim;

import org.bitsearch.search.space.BitAllocation;
import org.bitsearch.search.space.QuantLayer;
import org.bitsearch.search.trainer.LayerSensitivity;
import org.bitsearch.search.trainer.ParamRule;
import org.bitsearch.search.trainer.Trainer;
import org.bitsearch.search.trainer.TrainingRun;
import org.bitsearch.search.trainer.TrialContext;
import org.bitsearch.search.trial.Candidate;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A trainer that trains nothing: each epoch's report comes from a seeded learning-curve model
 * ({@link LearningCurve}), a pure function of (trial seed, candidate, epoch), so that actor, resume and
 * end-to-end tests run in seconds and a resumed trial reports exactly what an uninterrupted one would. It can
 * sleep per epoch ({@code epochSeconds}) and inject failures (exceptions for retry tests, NaN reports).
 * Selected only explicitly ({@code trainer: {kind: simulated}}); never the default.
 *
 * <p>Thread-safe: runs are independent; the per-trial attempt counter is a concurrent map.
 */
public final class SimulatedTrainer implements Trainer {
    private final SimulatedTrainerConfig config;
    private final List<QuantLayer> layers;
    private final LearningCurve curve;
    private final ConcurrentHashMap<Integer, AtomicInteger> attempts = new ConcurrentHashMap<>();

    /**
     * The hyperparameters a search space for the simulated trainer may contain: the DL4J trainer's names and rules,
     * so that a spec moves between the two kinds unchanged. Only {@code learningRate} shapes the simulated curve
     * (its ceiling, {@link LearningCurve}); the others enter it only through the per-candidate noise seed.
     */
    public static List<ParamRule> hyperparameters() {
        return List.of(new ParamRule.Real("learningRate", 0, true),
                new ParamRule.Choice("optimizer", List.of("adam", "sgd", "nesterovs")),
                new ParamRule.Real("weightDecay", 0, false),
                new ParamRule.Whole("batchSize", 1));
    }

    public SimulatedTrainer(SimulatedTrainerConfig config) {
        if (config == null) throw new IllegalArgumentException("config must not be null");
        this.config = config;
        this.layers = config.quantLayers();
        this.curve = new LearningCurve(layers, config.noise(), config.fullyQuantizedEpoch());
    }

    public SimulatedTrainerConfig config() { return config; }

    @Override public List<QuantLayer> layers() { return layers; }

    @Override public boolean measuresSensitivity() { return true; }

    /**
     * The simulated model's own sensitivity ("simulated" mode): for layer l at b bits, the validation-loss
     * increase its learning curve predicts when only l is quantized, 2.3 · (ceiling(all 32) − ceiling(only l at b))
     * (the simulated loss is 2.3 · (1 − accuracy) + 0.05). Instant and exact for this model, so sampler tests run fast.
     */
    @Override public LayerSensitivity sensitivity(List<Integer> bits) {
        List<LayerSensitivity.Entry> entries = new ArrayList<>();
        Candidate fp = new Candidate(Map.of(),
                BitAllocation.uniform(layers.size(), 32));
        double base = curve.ceiling(fp);
        for (int l = 0; l < layers.size(); l++) {
            for (int b : bits) {
                List<Integer> widths = new ArrayList<>(Collections.nCopies(layers.size(), 32));
                widths.set(l, b);
                double c = curve.ceiling(new Candidate(Map.of(), new BitAllocation(widths)));
                entries.add(new LayerSensitivity.Entry(l, b, 2.3 * (base - c)));
            }
        }
        return new LayerSensitivity("simulated", layers.size(), entries);
    }

    @Override public int fullyQuantizedEpoch() { return config.fullyQuantizedEpoch(); }

    /** {@inheritDoc} The learning curve charges fewer activation bits too ({@code LearningCurve}). */
    @Override public boolean quantizesActivations() { return true; }

    /**
     * Opens trial {@code context.number()}: checks the candidate fits the model, counts the attempt, and restores the
     * epoch from the checkpoint if one is given.
     *
     * @throws IllegalArgumentException if the allocation does not match the layers
     * @throws java.io.IOException      if the checkpoint cannot be read or belongs to another trial
     */
    @Override public TrainingRun open(TrialContext context) throws Exception {
        if (context.candidate().bits().layers() != layers.size())
            throw new IllegalArgumentException("trial " + context.number() + ": bits has " + context.candidate().bits().layers()
                    + " entries, but the simulated model has " + layers.size() + " quantizable layers");
        int attempt = attempts.computeIfAbsent(context.number(), n -> new AtomicInteger()).incrementAndGet();
        boolean fails = config.failTrials().contains(context.number()) && attempt <= config.failAttempts();
        int epochsDone = 0;
        if (context.checkpoint().isPresent())
            epochsDone = SimulatedCheckpoint.read(context.checkpoint().get(), context.number(), context.seed(),
                    LearningCurve.candidateHash(context.candidate()));
        return new SimulatedRun(config, curve, context, epochsDone, fails, attempt);
    }
}
