package org.bitsearch.trainers.dl4j;

import org.bitsearch.search.space.BitAllocation;
import org.bitsearch.search.trainer.TrialContext;
import org.bitsearch.search.trial.Candidate;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Shared fixtures: where the Fashion-MNIST files are, small configs and contexts. */
final class TestData {
    private TestData() {}

    static Path fashionDir() {
        String shared = System.getProperty("bitsearch.shared");
        if (shared == null) throw new IllegalStateException("system property bitsearch.shared is not set (run through Maven)");
        return Path.of(shared, "datasets", "fashion-mnist");
    }

    /** A small MLP config: {@code train} training samples, 1000 validation samples. */
    static Dl4jTrainerConfig small(int train) {
        return Dl4jTrainerConfig.defaults("fashion-mnist", fashionDir().toString(), "mlp")
                .withTrainSubset(train).withValidationSize(1000);
    }

    static TrialContext context(List<Integer> bits, long seed, Optional<Path> checkpoint) {
        return new TrialContext(0, new Candidate(Map.of(), new BitAllocation(bits)), seed, 10, checkpoint, "cpu:0");
    }
}
