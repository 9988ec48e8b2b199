package org.bitsearch.bench;

import org.bitsearch.trainers.dl4j.Dl4jTrainerConfig;
import org.bitsearch.trainers.dl4j.model.Hyperparameters;
import org.bitsearch.search.space.BitAllocation;
import org.bitsearch.search.trainer.TrialContext;
import org.bitsearch.search.trial.Candidate;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Shared DL4J settings of the benches: the trainer config with one native thread and a fixed candidate. */
final class Dl4jBench {
    private Dl4jBench() {}

    /** Fashion-MNIST MLP with {@code hidden}, batch 128, one BLAS/OpenMP thread, per-tensor scales. */
    static Dl4jTrainerConfig config(Path dataDir, List<Integer> hidden, int trainSubset, int validationSize) {
        return config(dataDir, "mlp", hidden, trainSubset, validationSize);
    }

    /** Fashion-MNIST {@code model} ("mlp" or "cnn") with {@code hidden}, batch 128, one BLAS/OpenMP thread, per-tensor scales. */
    static Dl4jTrainerConfig config(Path dataDir, String model, List<Integer> hidden, int trainSubset, int validationSize) {
        return new Dl4jTrainerConfig("fashion-mnist", dataDir.toString(), model, hidden, trainSubset, validationSize,
                0, 128, 2000, 1, false, null, null, null);
    }

    /** Adam 1e-3, batch 128, the given bits. */
    static Candidate candidate(List<Integer> bits) {
        return new Candidate(Map.of(Hyperparameters.LEARNING_RATE, 1e-3, Hyperparameters.OPTIMIZER, "adam",
                Hyperparameters.BATCH_SIZE, 128L), new BitAllocation(bits));
    }

    static TrialContext context(int number, Candidate c, long seed, int maxEpochs, int cpu) {
        return new TrialContext(number, c, seed, maxEpochs, Optional.empty(), "cpu:" + cpu);
    }
}
