package org.bitsearch.trainers.dl4j;

import org.bitsearch.search.space.BitAllocation;
import org.bitsearch.search.trainer.TrialContext;
import org.bitsearch.search.trial.Candidate;
import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.trainers.dl4j.data.DataConfig;
import org.bitsearch.trainers.dl4j.data.DataFiles;
import org.bitsearch.trainers.dl4j.data.InputShape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Real quantized DL4J training on generated data in each format: the model takes the data's shape and learns. */
class Dl4jTrainerDataFormatsTest {
    @TempDir Path tmp;

    private static EpochMetrics train(Dl4jTrainer trainer, List<Integer> bits, int epochs) throws Exception {
        var ctx = new TrialContext(0, new Candidate(Map.of("batchSize", 32L, "learningRate", 3e-3), new BitAllocation(bits)),
                3, epochs, Optional.empty(), "cpu:0");
        try (var run = trainer.open(ctx)) {
            EpochMetrics m = null;
            for (int e = 0; e < epochs; e++) m = run.trainEpoch();
            double test = run.testAccuracy();
            System.out.println(trainer.config().dataset() + " " + bits + ": " + m + " test " + test);
            assertTrue(test > 0.5, "test accuracy " + test);
            return m;
        }
    }

    private static Dl4jTrainerConfig config(DataConfig data, String model, int validation) {
        return Dl4jTrainerConfig.defaults(data, model).withValidationSize(validation);
    }

    @Test
    void cifarTrainsAThreeChannelCnn() throws Exception {
        Path dir = tmp.resolve("cifar");
        DataFiles.cifar10(dir, 2, 150, 100, 11);
        Dl4jTrainer t = new Dl4jTrainer(config(DataConfig.dir("cifar", dir), "cnn", 50));
        assertEquals(new InputShape(3, 32, 32, 10), t.shape());
        assertEquals(5 * 5 * 3 * 8, t.layers().get(0).weights());
        assertTrue(train(t, List.of(4, 4, 4, 4), 3).valAccuracy() > 0.5);
    }

    @Test
    void imagesTrainAnMlp() throws Exception {
        Path dir = tmp.resolve("img");
        DataFiles.images(dir, new String[]{"a", "b", "c", "d"}, 40, 10, 16, 12);
        Dl4jTrainer t = new Dl4jTrainer(config(DataConfig.images(dir, 12, 12, 1), "mlp", 40));
        assertEquals(144L * 256, t.layers().get(0).weights());
        assertEquals(4, t.layers().get(2).biases());
        train(t, List.of(4, 4, 8), 3);
    }

    @Test
    void csvTrainsAnMlp() throws Exception {
        Path train = tmp.resolve("train.csv"), test = tmp.resolve("test.csv");
        DataFiles.csv(train, 300, 8, 3, true, 13);
        DataFiles.csv(test, 60, 8, 3, true, 14);
        Dl4jTrainer t = new Dl4jTrainer(config(DataConfig.csv(train, test, "label"), "mlp", 60));
        assertEquals(8L * 256, t.layers().get(0).weights());
        train(t, List.of(2, 2, 2), 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Dl4jTrainer(config(DataConfig.csv(train, test, "label"), "cnn", 60)));
        assertTrue(e.getMessage().contains("cnn"), e.getMessage());
    }

    @Test
    void idxDirectoryByFormat() throws Exception {
        Path dir = tmp.resolve("idx");
        DataFiles.idx(dir, 400, 100, 14, 15);
        Dl4jTrainer t = new Dl4jTrainer(config(DataConfig.dir("idx", dir), "mlp", 100));
        assertEquals(new InputShape(1, 14, 14, 10), t.shape());
        train(t, List.of(8, 8, 8), 3);
    }
}
