package org.bitsearch.trainers.process;

import com.fasterxml.jackson.databind.JsonNode;
import org.bitsearch.search.space.BitAllocation;
import org.bitsearch.search.trainer.EpochCancelledException;
import org.bitsearch.search.trainer.TrainingRun;
import org.bitsearch.search.trainer.TrialContext;
import org.bitsearch.search.trial.Candidate;
import org.bitsearch.search.trial.EpochMetrics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The protocol end to end against the repository's stdlib-only fake trainer (a real Python process per attempt):
 * every message, resume from a checkpoint, and every failure mode, each followed by a check that no process of the
 * attempt (the program and the grandchild it started) is left.
 */
class ProcessTrainerTest {
    static final Candidate CANDIDATE = new Candidate(Map.of("learningRate", 0.003, "optimizer", "adam"), BitAllocation.of(4, 2));
    static final long SEED = 77;

    @TempDir Path dir;

    private FakeTrainer fake() { return new FakeTrainer(dir); }

    private TrialContext context(int attempt, Optional<Path> checkpoint, String device) {
        return new TrialContext(3, CANDIDATE, SEED, 3, checkpoint, device, 9, attempt, Optional.of(dir.resolve("trial")));
    }

    private Path ckpt(int epoch) { return dir.resolve("trial").resolve(String.format("epoch-%04d.ckpt", epoch)); }

    private List<EpochMetrics> train(TrainingRun run, int epochs) throws Exception {
        List<EpochMetrics> out = new ArrayList<>();
        for (int i = 0; i < epochs; i++) {
            EpochMetrics m = run.trainEpoch();
            Files.createDirectories(dir.resolve("trial"));
            run.saveCheckpoint(ckpt(m.epoch()));
            out.add(m);
        }
        return out;
    }

    @Test
    void trainsReportsAndStopsWithEveryStartFieldSet() throws Exception {
        FakeTrainer fake = fake();
        ProcessTrainer trainer = new ProcessTrainer(fake.config("--spawn-child", "--chatter"));
        assertEquals(List.of("dense0", "dense1"), trainer.layers().stream().map(l -> l.name()).toList());
        List<EpochMetrics> ms;
        try (TrainingRun run = trainer.open(context(1, Optional.empty(), "cpu:1"))) {
            assertEquals(1, run.nextEpoch());
            ms = train(run, 3);
            assertEquals(4, run.nextEpoch());
        }
        assertEquals(List.of(1, 2, 3), ms.stream().map(EpochMetrics::epoch).toList());
        assertTrue(ms.get(2).valAccuracy() > ms.get(0).valAccuracy(), "the fake's curve rises: " + ms);
        assertEquals(1 - ms.get(1).valAccuracy(), ms.get(1).valLoss(), 1e-12);
        JsonNode start = fake.events("start").get(0);
        assertEquals("train", start.path("task").asText());
        assertEquals(9, start.path("search").asLong());
        assertEquals(3, start.path("trial").asInt());
        assertEquals(1, start.path("attempt").asInt());
        assertEquals(SEED, start.path("seed").asLong());
        assertEquals(0.003, start.path("params").path("learningRate").asDouble());
        assertEquals("adam", start.path("params").path("optimizer").asText());
        assertEquals("[4,2]", start.path("bits").toString());
        assertEquals(1, start.path("fromEpoch").asInt());
        assertEquals(3, start.path("maxEpochs").asInt());
        assertTrue(start.path("checkpoint").isNull());
        assertEquals(dir.resolve("trial/process/attempt-1").toString(), start.path("checkpointDir").asText());
        assertEquals("cpu", start.path("device").asText());
        assertEquals("", start.path("cudaVisibleDevices").asText());
        // answered stop after the last epoch (the run was closed), continue before
        assertEquals(3, fake.events("epoch").size());
        assertEquals(3, fake.events("stop").get(0).path("epoch").asInt());
        fake.assertNoProcessLeft(Duration.ofSeconds(5));
        // stderr and the free stdout lines went to the attempt's log; the attempt's working directory is gone
        String log = Files.readString(dir.resolve("trial/logs/attempt-1.log"));
        assertTrue(log.contains("fake: trial 3 attempt 1 task train"), log);
        assertTrue(log.contains("[stdout] fake trainer says hello (not a protocol line)"), log);
        assertFalse(Files.exists(dir.resolve("trial/process/attempt-1")));
    }

    @Test
    void aResumedAttemptGetsTheProgramsLastCheckpointAndReportsWhatAnUninterruptedOneWould() throws Exception {
        FakeTrainer fake = fake();
        ProcessTrainer trainer = new ProcessTrainer(fake.config());
        List<EpochMetrics> straight;
        try (TrainingRun run = trainer.open(new TrialContext(3, CANDIDATE, SEED, 3, Optional.empty(), "cpu:0", 9, 1,
                Optional.of(dir.resolve("other"))))) {
            straight = new ArrayList<>();
            for (int i = 0; i < 3; i++) straight.add(run.trainEpoch());
        }
        try (TrainingRun run = trainer.open(context(1, Optional.empty(), "cpu:0"))) {
            train(run, 2);
        }
        EpochMetrics third;
        try (TrainingRun run = trainer.open(context(2, Optional.of(ckpt(2)), "gpu:1"))) {
            assertEquals(3, run.nextEpoch());
            third = run.trainEpoch();
        }
        assertEquals(straight.get(2).valAccuracy(), third.valAccuracy());
        JsonNode resumed = fake.events("start").get(2);
        assertEquals(3, resumed.path("fromEpoch").asInt());
        assertEquals(2, resumed.path("attempt").asInt());
        assertEquals(dir.resolve("trial/process/attempt-2/epoch-2.json").toString(), resumed.path("checkpoint").asText());
        assertEquals("cuda:0", resumed.path("device").asText());
        assertEquals("1", resumed.path("cudaVisibleDevices").asText());
        fake.assertNoProcessLeft(Duration.ofSeconds(5));
    }

    @Test
    void aCheckpointOfAnotherTrialIsRefused() throws Exception {
        ProcessTrainer trainer = new ProcessTrainer(fake().config());
        try (TrainingRun run = trainer.open(context(1, Optional.empty(), "cpu:0"))) {
            train(run, 1);
        }
        TrialContext other = new TrialContext(4, CANDIDATE, SEED, 3, Optional.of(ckpt(1)), "cpu:0", 9, 1, Optional.empty());
        Exception e = assertThrows(IOException.class, () -> trainer.open(other).close());
        assertTrue(e.getMessage().contains("is the checkpoint of trial 3"), e.getMessage());
        Files.writeString(dir.resolve("junk.ckpt"), "not a checkpoint\n");
        TrialContext junk = new TrialContext(3, CANDIDATE, SEED, 3, Optional.of(dir.resolve("junk.ckpt")), "cpu:0");
        e = assertThrows(IOException.class, () -> trainer.open(junk).close());
        assertTrue(e.getMessage().contains("is not a process-trainer checkpoint"), e.getMessage());
    }

    @Test
    void testAndExportRunTheProgramOnTheLatestCheckpoint() throws Exception {
        FakeTrainer fake = fake();
        ProcessTrainer trainer = new ProcessTrainer(fake.config("--spawn-child"));
        try (TrainingRun run = trainer.open(context(1, Optional.empty(), "cpu:0"))) {
            train(run, 2);
        }
        // as the supervisor measures and the export builds: a fresh run on the trial's last checkpoint
        TrialContext end = new TrialContext(3, CANDIDATE, SEED, 3, Optional.of(ckpt(2)), "cpu:0");
        double test;
        try (TrainingRun run = trainer.open(end)) {
            test = run.testAccuracy();
        }
        Path model = dir.resolve("trial-3.model");
        try (TrainingRun run = trainer.open(end)) {
            run.exportModel(model);
        }
        JsonNode testStart = fake.events("start").get(1);
        assertEquals("test", testStart.path("task").asText());
        assertEquals(2, fake.events("test").get(0).path("epoch").asInt(), "the test ran on epoch 2's checkpoint");
        double val2 = fake.events("epoch").get(1).path("valAccuracy").asDouble();
        assertEquals(val2 - 0.01, test, 1e-9);
        JsonNode exportStart = fake.events("start").get(2);
        assertEquals("export", exportStart.path("task").asText());
        assertEquals(model.toAbsolutePath().toString(), exportStart.path("exportPath").asText());
        assertTrue(Files.readString(model).contains("\"epoch\": 2"), Files.readString(model));
        fake.assertNoProcessLeft(Duration.ofSeconds(5));
    }

    @Test
    void aNonZeroExitFailsTheAttemptWithTheStderrTail() throws Exception {
        FakeTrainer fake = fake();
        ProcessTrainer trainer = new ProcessTrainer(fake.config("--fail", "exit", "--fail-trials", "3", "--fail-epoch", "2", "--spawn-child"));
        try (TrainingRun run = trainer.open(context(1, Optional.empty(), "cpu:0"))) {
            train(run, 1);
            ProtocolException e = assertThrows(ProtocolException.class, run::trainEpoch);
            assertTrue(e.getMessage().contains("exited with status 3 before sending epoch 2"), e.getMessage());
            assertTrue(e.getMessage().contains("fake: failing with exit code 3 at epoch 2"), e.getMessage());
        }
        fake.assertNoProcessLeft(Duration.ofSeconds(5));
    }

    @Test
    void aMalformedLineFailsTheAttemptAndKillsTheProgram() throws Exception {
        FakeTrainer fake = fake();
        ProcessTrainer trainer = new ProcessTrainer(fake.config("--fail", "malformed", "--fail-trials", "3", "--spawn-child"));
        try (TrainingRun run = trainer.open(context(1, Optional.empty(), "cpu:0"))) {
            ProtocolException e = assertThrows(ProtocolException.class, run::trainEpoch);
            assertTrue(e.getMessage().contains("malformed line '{\"type\": \"epoch\", \"epoch\": '"), e.getMessage());
        }
        fake.assertNoProcessLeft(Duration.ofSeconds(5));
    }

    @Test
    void aMissingCheckpointFileFailsTheAttempt() throws Exception {
        FakeTrainer fake = fake();
        ProcessTrainer trainer = new ProcessTrainer(fake.config("--fail", "missing-checkpoint", "--fail-trials", "3"));
        try (TrainingRun run = trainer.open(context(1, Optional.empty(), "cpu:0"))) {
            ProtocolException e = assertThrows(ProtocolException.class, run::trainEpoch);
            assertTrue(e.getMessage().contains("reported checkpoint 'epoch-1.json' for epoch 1, but "), e.getMessage());
            assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
        }
        fake.assertNoProcessLeft(Duration.ofSeconds(5));
    }

    @Test
    void aSilenceLongerThanTheEpochTimeoutFailsTheAttemptAndKillsTheTree() throws Exception {
        FakeTrainer fake = fake();
        ProcessTrainer trainer = new ProcessTrainer(fake.config("--fail", "silence", "--fail-trials", "3", "--fail-epoch", "2",
                "--spawn-child").withTimeouts(2, 5));
        try (TrainingRun run = trainer.open(context(1, Optional.empty(), "cpu:0"))) {
            train(run, 1);
            long t0 = System.nanoTime();
            ProtocolException e = assertThrows(ProtocolException.class, run::trainEpoch);
            double waited = (System.nanoTime() - t0) / 1e9;
            assertTrue(e.getMessage().contains("sent nothing for 2 s (epochTimeoutSeconds) while waiting for epoch 2"), e.getMessage());
            assertTrue(waited >= 1.9 && waited < 10, "waited " + waited + " s");
        }
        fake.assertNoProcessLeft(Duration.ofSeconds(5));
    }

    @Test
    void aProgramThatIgnoresStopIsKilledAfterTheGracePeriod() throws Exception {
        FakeTrainer fake = fake();
        ProcessTrainer trainer = new ProcessTrainer(fake.config("--fail", "ignore-stop", "--fail-trials", "3", "--spawn-child")
                .withTimeouts(20, 1));
        TrainingRun run = trainer.open(context(1, Optional.empty(), "cpu:0"));
        train(run, 1);
        long t0 = System.nanoTime();
        run.close();
        double took = (System.nanoTime() - t0) / 1e9;
        assertEquals(1, fake.events("stop").size(), "stop was sent");
        assertTrue(took >= 0.9 && took < 8, "close took " + took + " s");
        fake.assertNoProcessLeft(Duration.ofSeconds(5));
    }

    @Test
    void cancelKillsTheRunningEpochAtOnce() throws Exception {
        FakeTrainer fake = fake();
        ProcessTrainer trainer = new ProcessTrainer(fake.config("--epoch-seconds", "60", "--spawn-child"));
        try (TrainingRun run = trainer.open(context(1, Optional.empty(), "cpu:0"))) {
            var cancel = Executors.newSingleThreadScheduledExecutor();
            try {
                cancel.submit(() -> {
                    // once the program and its grandchild run (mid-epoch), cancel
                    while (fake.events("child").isEmpty()) Thread.sleep(20);
                    run.cancel();
                    return null;
                });
                long t0 = System.nanoTime();
                assertThrows(EpochCancelledException.class, run::trainEpoch);
                double took = (System.nanoTime() - t0) / 1e9;
                assertTrue(took < 10, "cancelled after " + took + " s, not at the end of the 60 s epoch");
            } finally {
                cancel.shutdownNow();
            }
        }
        fake.assertNoProcessLeft(Duration.ofSeconds(5));
    }

    @Test
    void aDivergedEpochIsReportedNotThrown() throws Exception {
        FakeTrainer fake = fake();
        ProcessTrainer trainer = new ProcessTrainer(fake.config("--fail", "nan", "--fail-trials", "3", "--fail-epoch", "2"));
        try (TrainingRun run = trainer.open(context(1, Optional.empty(), "cpu:0"))) {
            assertFalse(run.trainEpoch().diverged());
            EpochMetrics m = run.trainEpoch();
            assertTrue(m.diverged(), m.toString());
            assertTrue(Double.isNaN(m.valLoss()));
        }
        fake.assertNoProcessLeft(Duration.ofSeconds(5));
    }

    @Test
    void aProgramThatCannotStartFailsTheAttempt() throws Exception {
        ProcessTrainerConfig config = new ProcessTrainerConfig(List.of("/nonexistent/trainer-program"), ".", Map.of(),
                FakeTrainer.LAYERS, 20, 1);
        try (TrainingRun run = new ProcessTrainer(config).open(context(1, Optional.empty(), "cpu:0"))) {
            ProtocolException e = assertThrows(ProtocolException.class, run::trainEpoch);
            assertTrue(e.getMessage().contains("exited with status 127 before sending epoch 1"), e.getMessage());
            assertTrue(e.getMessage().contains("/nonexistent/trainer-program"), e.getMessage());
        }
    }

    @Test
    void theCandidateMustMatchTheDeclaredLayers() {
        ProcessTrainer trainer = new ProcessTrainer(fake().config());
        TrialContext wrong = new TrialContext(0, new Candidate(Map.of(), BitAllocation.of(4, 4, 4)), 1, 3, Optional.empty(), "cpu:0");
        Exception e = assertThrows(IllegalArgumentException.class, () -> trainer.open(wrong));
        assertEquals("trial 0: bits has 3 entries, but the spec declares 2 layers", e.getMessage());
    }
}
