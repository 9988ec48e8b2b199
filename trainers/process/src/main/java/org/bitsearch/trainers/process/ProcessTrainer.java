package org.bitsearch.trainers.process;

import org.bitsearch.search.space.QuantLayer;
import org.bitsearch.search.trainer.Trainer;
import org.bitsearch.search.trainer.TrainingRun;
import org.bitsearch.search.trainer.TrialContext;

import java.util.List;

/**
 * The {@code process} trainer kind: every trial attempt, end-of-search test and export runs the user's program
 * ({@link ProcessTrainerConfig#command()}), which speaks the JSON-lines protocol of README.md ("The process trainer
 * protocol"); see {@link ProcessTrainingRun}. The model's layers come from the spec, so sizes are exact before any
 * program runs. Any hyperparameter may be searched: the program receives the candidate's params as they are.
 *
 * <p>Thread-safe: it holds only the config; each run owns its own process.
 */
public final class ProcessTrainer implements Trainer {
    private final ProcessTrainerConfig config;
    private final List<QuantLayer> layers;

    public ProcessTrainer(ProcessTrainerConfig config) {
        if (config == null) throw new IllegalArgumentException("config must not be null");
        this.config = config;
        this.layers = config.quantLayers();
    }

    public ProcessTrainerConfig config() { return config; }

    @Override public List<QuantLayer> layers() { return layers; }

    /**
     * Opens a run; starts no process yet (the first {@link TrainingRun#trainEpoch()}, {@link TrainingRun#testAccuracy()}
     * or {@link TrainingRun#exportModel} does). With a checkpoint, writes the program's checkpoint file back into the
     * attempt's directory and continues from the epoch after it.
     *
     * @throws IllegalArgumentException if the candidate's allocation does not match the layers
     * @throws java.io.IOException      if the checkpoint is not this trial's process checkpoint
     */
    @Override public TrainingRun open(TrialContext context) throws Exception {
        if (context.candidate().bits().layers() != layers.size())
            throw new IllegalArgumentException("trial " + context.number() + ": bits has " + context.candidate().bits().layers()
                    + " entries, but the spec declares " + layers.size() + " layers");
        return ProcessTrainingRun.open(config, context, System.getenv("CUDA_VISIBLE_DEVICES"));
    }
}
