package org.bitsearch.trainers.sim;

import org.bitsearch.search.space.Architectures;
import org.bitsearch.search.space.BitAllocation;
import org.bitsearch.search.trainer.EpochCancelledException;
import org.bitsearch.search.trainer.TrainingRun;
import org.bitsearch.search.trainer.TrialContext;
import org.bitsearch.search.trial.Candidate;
import org.bitsearch.search.trial.EpochMetrics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

class SimulatedTrainerTest {
    @TempDir Path dir;

    static Candidate candidate(double lr, Integer... bits) { return new Candidate(Map.of("lr", lr), BitAllocation.of(bits)); }

    static TrialContext context(int number, Candidate c, long seed, Path checkpoint) {
        return new TrialContext(number, c, seed, 8, Optional.ofNullable(checkpoint), "cpu:0");
    }

    static List<EpochMetrics> train(TrainingRun run, int epochs) throws Exception {
        List<EpochMetrics> out = new ArrayList<>();
        for (int i = 0; i < epochs; i++) out.add(run.trainEpoch());
        return out;
    }

    @Test void layersAreTheMlpOfTheConfig() {
        SimulatedTrainer t = new SimulatedTrainer(new SimulatedTrainerConfig(20, List.of(7), 3, null, null, null, null, null, null, null, null));
        assertEquals(Architectures.mlp(20, List.of(7), 3), t.layers());
        assertEquals(3, new SimulatedTrainer(SimulatedTrainerConfig.defaults()).layers().size());
    }

    @Test void reportsAreDeterministicAndBehaveLikeLearningCurves() throws Exception {
        SimulatedTrainer t = new SimulatedTrainer(SimulatedTrainerConfig.defaults());
        Candidate fp = candidate(1e-3, 32, 32, 32);
        List<EpochMetrics> a = train(t.open(context(0, fp, 11, null)), 8);
        assertEquals(a, train(new SimulatedTrainer(SimulatedTrainerConfig.defaults()).open(context(0, fp, 11, null)), 8));
        assertNotEquals(a, train(t.open(context(0, fp, 12, null)), 8), "another seed, other noise");
        assertTrue(a.get(7).valAccuracy() > a.get(0).valAccuracy() + 0.2, "accuracy rises with epochs");
        double binary = train(t.open(context(1, candidate(1e-3, 1, 1, 1), 11, null)), 8).get(7).valAccuracy();
        double fourBit = train(t.open(context(1, candidate(1e-3, 4, 4, 4), 11, null)), 8).get(7).valAccuracy();
        double badLr = train(t.open(context(1, candidate(1e-1, 32, 32, 32), 11, null)), 8).get(7).valAccuracy();
        assertTrue(binary < fourBit && fourBit < a.get(7).valAccuracy(), binary + " < " + fourBit + " < " + a.get(7).valAccuracy());
        assertTrue(badLr < a.get(7).valAccuracy() - 0.1, "lr far from 1e-3 hurts");
        double firstBinary = train(t.open(context(1, candidate(1e-3, 1, 8, 8), 11, null)), 8).get(7).valAccuracy();
        double middleBinary = train(t.open(context(1, candidate(1e-3, 8, 1, 8), 11, null)), 8).get(7).valAccuracy();
        assertTrue(firstBinary < middleBinary + 0.02, "the first layer is at least as sensitive");
    }

    @Test void cancelEndsASleepingEpochAtOnce() throws Exception {
        // epochs of 30 s: only a cancellation can end this one within the test's time
        SimulatedTrainer t = new SimulatedTrainer(new SimulatedTrainerConfig(null, null, null, null, 30.0, null, null, null, null, null, null));
        TrainingRun run = t.open(context(0, candidate(1e-3, 8, 8, 8), 1, null));
        var failure = new CompletableFuture<Throwable>();
        Thread trainer = new Thread(() -> {
            try {
                run.trainEpoch();
                failure.complete(null);
            } catch (Throwable e) {
                failure.complete(e);
            }
        });
        long start = System.nanoTime();
        trainer.start();
        Thread.sleep(100);
        run.cancel();
        Throwable e = failure.get(5, TimeUnit.SECONDS);
        assertInstanceOf(EpochCancelledException.class, e);
        assertTrue((System.nanoTime() - start) / 1e9 < 5, "the epoch ended soon after cancel()");
        assertEquals(1, run.nextEpoch(), "the cancelled epoch is discarded");
        run.close();
    }

    @Test void checkpointThenResumeEqualsUninterrupted() throws Exception {
        SimulatedTrainer t = new SimulatedTrainer(SimulatedTrainerConfig.defaults());
        Candidate c = candidate(3e-4, 8, 4, 8);
        List<EpochMetrics> uninterrupted = train(t.open(context(5, c, 99, null)), 8);
        TrainingRun first = t.open(context(5, c, 99, null));
        List<EpochMetrics> resumed = new ArrayList<>(train(first, 3));
        Path file = dir.resolve("ckpt/5.txt");
        first.saveCheckpoint(file);
        double testBefore = first.testAccuracy();
        first.close();
        TrainingRun second = t.open(context(5, c, 99, file));
        assertEquals(4, second.nextEpoch());
        resumed.addAll(train(second, 5));
        assertEquals(uninterrupted, resumed);
        assertThrows(IllegalStateException.class, second::trainEpoch, "maxEpochs reached");
        assertNotEquals(testBefore, second.testAccuracy(), "test accuracy follows the trained epochs");
        assertEquals(testBefore, t.open(context(5, c, 99, file)).testAccuracy(), "a restored run is where the checkpoint was");
        try (var dirs = Files.list(file.getParent())) { assertEquals(1, dirs.count(), "no temp file left"); }
        Exception wrong = assertThrows(Exception.class, () -> t.open(context(6, c, 99, file)));
        assertTrue(wrong.getMessage().contains("trial=5, but this trial has 6"), wrong.getMessage());
    }

    @Test void testAccuracyAndExportAreDeterministic() throws Exception {
        SimulatedTrainer t = new SimulatedTrainer(SimulatedTrainerConfig.defaults());
        Candidate c = new Candidate(Map.of("lr", 1e-3, "act", "re\"lu"), BitAllocation.of(8, 8, 8));
        TrainingRun a = t.open(context(2, c, 5, null));
        TrainingRun b = t.open(context(2, c, 5, null));
        train(a, 4);
        train(b, 4);
        assertEquals(a.testAccuracy(), b.testAccuracy());
        assertTrue(a.testAccuracy() > 0.5 && a.testAccuracy() < 1);
        Path out = dir.resolve("model.json");
        a.exportModel(out);
        String json = Files.readString(out);
        assertTrue(json.startsWith("{\"kind\":\"simulated\",\"trial\":2,\"seed\":5,\"epochs\":4,\"bits\":[8, 8, 8],\"params\":{\"act\":\"re\\\"lu\",\"lr\":0.001}"), json);
    }

    @Test void injectedFailuresThrowForTheFirstAttemptsOnly() throws Exception {
        SimulatedTrainer t = new SimulatedTrainer(new SimulatedTrainerConfig(null, null, null, null, null, null,
                List.of(1), 2, 2, List.of(3), 2));
        Candidate c = candidate(1e-3, 8, 8, 8);
        for (int attempt = 1; attempt <= 2; attempt++) {
            TrainingRun run = t.open(context(1, c, 1, null));
            run.trainEpoch();
            SimulatedFailure f = assertThrows(SimulatedFailure.class, run::trainEpoch);
            assertEquals("injected failure: trial 1, epoch 2, attempt " + attempt + " of 2 failing", f.getMessage());
        }
        assertEquals(3, train(t.open(context(1, c, 1, null)), 3).size(), "the third attempt succeeds");
        assertEquals(3, train(t.open(context(0, c, 1, null)), 3).size(), "other trials never fail");
        TrainingRun nan = t.open(context(3, c, 1, null));
        assertFalse(nan.trainEpoch().diverged());
        EpochMetrics m = nan.trainEpoch();
        assertTrue(m.diverged());
        assertTrue(Double.isNaN(m.valAccuracy()));
    }

    @Test void badConfigThrowsNamingFieldValueAndRule() {
        assertEquals("trainer.epochSeconds is -1.0, but must be finite and >= 0", assertThrows(IllegalArgumentException.class,
                () -> new SimulatedTrainerConfig(null, null, null, null, -1.0, null, null, null, null, null, null)).getMessage());
        assertEquals("trainer.failEpoch is 0, but must be >= 1", assertThrows(IllegalArgumentException.class,
                () -> new SimulatedTrainerConfig(null, null, null, null, null, null, null, 0, null, null, null)).getMessage());
        assertEquals("hidden[0] is 0, but must be >= 1", assertThrows(IllegalArgumentException.class,
                () -> new SimulatedTrainerConfig(null, List.of(0), null, null, null, null, null, null, null, null, null)).getMessage());
        SimulatedTrainer t = new SimulatedTrainer(SimulatedTrainerConfig.defaults());
        assertEquals("trial 0: bits has 2 entries, but the simulated model has 3 quantizable layers", assertThrows(IllegalArgumentException.class,
                () -> t.open(context(0, candidate(1e-3, 8, 8), 1, null))).getMessage());
    }

    @Test void epochSecondsDelaysEachEpoch() throws Exception {
        SimulatedTrainer t = new SimulatedTrainer(new SimulatedTrainerConfig(null, null, null, null, 0.05, null, null, null, null, null, null));
        TrainingRun run = t.open(context(0, candidate(1e-3, 8, 8, 8), 1, null));
        long start = System.nanoTime();
        EpochMetrics m = run.trainEpoch();
        assertTrue(System.nanoTime() - start >= 45_000_000L);
        assertEquals(0.05, m.seconds());
    }
}
