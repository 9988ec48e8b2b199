package org.bitsearch.trainers.dl4j;

import org.bitsearch.search.space.BitAllocation;
import org.bitsearch.search.trainer.TrialContext;
import org.bitsearch.search.trial.Candidate;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Shared fixtures: where the Fashion-MNIST files are (the subset shipped in the repository), small configs and contexts. */
final class TestData {
    private TestData() {}

    /** The repository's own Fashion-MNIST subset: 4000 training and 1000 test images (data/README.md). */
    static Path fashionDir() {
        String root = System.getProperty("bitsearch.repoRoot");
        if (root == null) throw new IllegalStateException("system property bitsearch.repoRoot is not set (run through Maven)");
        return Path.of(root, "data", "fashion-mnist-small");
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
