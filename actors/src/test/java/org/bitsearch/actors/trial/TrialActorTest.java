package org.bitsearch.actors.trial;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.bitsearch.actors.SearchSystem;
import org.bitsearch.actors.device.DevicePool;
import org.bitsearch.search.space.BitAllocation;
import org.bitsearch.search.space.QuantLayer;
import org.bitsearch.search.trainer.EpochCancelledException;
import org.bitsearch.search.trainer.Trainer;
import org.bitsearch.search.trainer.TrainingRun;
import org.bitsearch.search.trainer.TrialContext;
import org.bitsearch.search.trial.Candidate;
import org.bitsearch.search.trial.EpochMetrics;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One trial actor against a {@code TestProbe<TrialActor.Report>} standing in for its supervisor (as Pekko's
 * DeviceGroupTest does), a real device pool and a stub trainer whose epochs the test controls.
 */
class TrialActorTest {
    static final ActorTestKit kit = ActorTestKit.create();
    static final Executor blocking = kit.system().dispatchers().lookup(DispatcherSelector.fromConfig(SearchSystem.TRAINER_DISPATCHER));
    static final Candidate CANDIDATE = new Candidate(Map.of("learningRate", 0.01), BitAllocation.of(4, 8));

    @TempDir Path dir;

    @AfterAll
    static void stop() { kit.shutdownTestKit(); }

    /**
     * A trainer whose runs train an epoch only when the test says so ({@link #allow}), or until cancelled: a
     * cancelled epoch throws {@link EpochCancelledException}, as the contract says. Counts what happened.
     */
    static final class StubTrainer implements Trainer {
        final java.util.concurrent.Semaphore epochs = new java.util.concurrent.Semaphore(0);
        final CountDownLatch inEpoch = new CountDownLatch(1);
        final AtomicInteger cancelled = new AtomicInteger(), closed = new AtomicInteger(), cancelledEpochs = new AtomicInteger();
        volatile RuntimeException failAtEpoch2;
        volatile boolean diverge;

        void allow(int n) { epochs.release(n); }

        @Override public List<QuantLayer> layers() { return List.of(); }

        @Override public TrainingRun open(TrialContext context) {
            int from = context.checkpoint().map(p -> Integer.parseInt(p.getFileName().toString().replaceAll("\\D", "")) + 1).orElse(1);
            return new TrainingRun() {
                int next = from;
                volatile boolean stop;

                @Override public int nextEpoch() { return next; }

                @Override public EpochMetrics trainEpoch() throws Exception {
                    inEpoch.countDown();
                    while (!epochs.tryAcquire(10, TimeUnit.MILLISECONDS)) { // one "minibatch" per 10 ms
                        if (stop) {
                            cancelledEpochs.incrementAndGet();
                            throw new EpochCancelledException(next);
                        }
                    }
                    if (next == 2 && failAtEpoch2 != null) throw failAtEpoch2;
                    int e = next++;
                    return new EpochMetrics(e, diverge ? Double.NaN : 0.5 + 0.1 * e, 1.0 / e, 1.0 / e, 0.01, 1000);
                }

                @Override public void cancel() {
                    cancelled.incrementAndGet();
                    stop = true;
                }

                @Override public void saveCheckpoint(Path file) throws Exception { Files.writeString(file, "ckpt"); }

                @Override public double testAccuracy() { return 0.5; }

                @Override public void exportModel(Path file) {}

                @Override public void close() { closed.incrementAndGet(); }
            };
        }
    }

    private ActorRef<DevicePool.Command> pool() {
        return kit.spawn(DevicePool.create(List.of("cpu:0"), 1));
    }

    private static DevicePool.Status status(ActorRef<DevicePool.Command> pool) {
        TestProbe<DevicePool.Status> probe = kit.createTestProbe();
        pool.tell(new DevicePool.GetStatus(probe.ref()));
        return probe.receiveMessage();
    }

    private ActorRef<TrialActor.Command> spawn(StubTrainer trainer, ActorRef<DevicePool.Command> pool, TestProbe<TrialActor.Report> probe,
                                               Optional<Path> checkpoint) {
        TrialActor.Attempt attempt = new TrialActor.Attempt(7, 3, 42, CANDIDATE, 99, 3, checkpoint);
        return kit.spawn(TrialActor.create(attempt, trainer, new TrialActor.Resources(pool, blocking, dir), probe.ref()));
    }

    @Test
    void reportsEachEpochAndTrainsOnOnlyWhenToldThenFinishes() {
        StubTrainer trainer = new StubTrainer();
        ActorRef<DevicePool.Command> pool = pool();
        TestProbe<TrialActor.Report> probe = kit.createTestProbe();
        ActorRef<TrialActor.Command> trial = spawn(trainer, pool, probe, Optional.empty());
        assertEquals(new TrialActor.SlotTaken(3, 42, "cpu:0"), probe.receiveMessage());
        assertEquals(new TrialActor.Started(3, 42, 1), probe.receiveMessage());
        trainer.allow(2); // two epochs may run, but the second only starts when the actor is told to go on
        TrialActor.EpochTrained first = probe.expectMessageClass(TrialActor.EpochTrained.class);
        assertEquals(1, first.metrics().epoch());
        assertEquals(CheckpointFiles.file(CheckpointFiles.trialDir(dir, 7, 3), 1), first.checkpoint());
        assertTrue(Files.exists(first.checkpoint()));
        assertEquals(trial, first.replyTo());
        probe.expectNoMessage(Duration.ofMillis(200));
        first.replyTo().tell(new TrialActor.TrainNextEpoch());
        TrialActor.EpochTrained second = probe.expectMessageClass(TrialActor.EpochTrained.class);
        assertEquals(2, second.metrics().epoch());
        second.replyTo().tell(new TrialActor.Finish());
        probe.expectTerminated(trial);
        probe.awaitAssert(() -> {
            assertEquals(1, trainer.closed.get(), "the run is closed once");
            assertFalse(Files.exists(first.checkpoint()), "older checkpoints are deleted when the trial finishes");
            assertTrue(Files.exists(second.checkpoint()), "the last checkpoint is kept");
            assertTrue(status(pool).inUse().isEmpty(), "the slot came back");
            return null;
        });
    }

    @Test
    void aStopInTheMiddleOfAnEpochCancelsItReportsNothingAndFreesTheSlot() throws Exception {
        StubTrainer trainer = new StubTrainer();
        ActorRef<DevicePool.Command> pool = pool();
        TestProbe<TrialActor.Report> probe = kit.createTestProbe();
        ActorRef<TrialActor.Command> trial = spawn(trainer, pool, probe, Optional.empty());
        probe.expectMessageClass(TrialActor.SlotTaken.class);
        probe.expectMessageClass(TrialActor.Started.class);
        assertTrue(trainer.inEpoch.await(10, TimeUnit.SECONDS), "epoch 1 began");
        trial.tell(new TrialActor.Stop());
        probe.expectTerminated(trial);
        probe.awaitAssert(() -> {
            assertEquals(1, trainer.cancelledEpochs.get(), "the running epoch was cancelled, not waited for");
            assertEquals(1, trainer.closed.get(), "the run is closed after the cancelled step");
            assertTrue(status(pool).inUse().isEmpty(), "the slot came back once the step ended");
            return null;
        });
        trainer.allow(10); // had the epoch gone on, it would now finish and be reported
        probe.expectNoMessage(Duration.ofMillis(300));
        assertFalse(Files.exists(CheckpointFiles.file(CheckpointFiles.trialDir(dir, 7, 3), 1)), "no checkpoint of the cancelled epoch");
    }

    @Test
    void aStopBeforeTheSlotIsGrantedStopsAtOnce() {
        StubTrainer trainer = new StubTrainer();
        ActorRef<DevicePool.Command> pool = pool();
        TestProbe<Object> holder = kit.createTestProbe();
        TestProbe<DevicePool.Granted> granted = kit.createTestProbe();
        pool.tell(new DevicePool.Acquire(holder.ref(), granted.ref())); // the only slot is taken
        granted.receiveMessage();
        TestProbe<TrialActor.Report> probe = kit.createTestProbe();
        ActorRef<TrialActor.Command> trial = spawn(trainer, pool, probe, Optional.empty());
        trial.tell(new TrialActor.Stop());
        probe.expectTerminated(trial);
        holder.stop(); // the slot is free again: nobody waits for it
        probe.awaitAssert(() -> {
            DevicePool.Status s = status(pool);
            assertTrue(s.inUse().isEmpty() && s.waiting() == 0, "no slot held, no one waiting: " + s);
            return null;
        });
        assertEquals(0, trainer.closed.get(), "no run was opened");
    }

    @Test
    void aResumedAttemptStartsAfterItsCheckpoint() throws Exception {
        StubTrainer trainer = new StubTrainer();
        TestProbe<TrialActor.Report> probe = kit.createTestProbe();
        Path ckpt = CheckpointFiles.file(CheckpointFiles.trialDir(dir, 7, 3), 2);
        spawn(trainer, pool(), probe, Optional.of(ckpt));
        probe.expectMessageClass(TrialActor.SlotTaken.class);
        assertEquals(new TrialActor.Started(3, 42, 3), probe.receiveMessage());
        trainer.allow(1);
        assertEquals(3, probe.expectMessageClass(TrialActor.EpochTrained.class).metrics().epoch());
    }

    @Test
    void aTrainerExceptionIsARetryableFailureAndADivergedEpochAFinalOne() {
        StubTrainer throwing = new StubTrainer();
        throwing.failAtEpoch2 = new IllegalStateException("boom");
        TestProbe<TrialActor.Report> probe = kit.createTestProbe();
        ActorRef<TrialActor.Command> trial = spawn(throwing, pool(), probe, Optional.empty());
        probe.expectMessageClass(TrialActor.SlotTaken.class);
        probe.expectMessageClass(TrialActor.Started.class);
        throwing.allow(2);
        probe.expectMessageClass(TrialActor.EpochTrained.class).replyTo().tell(new TrialActor.TrainNextEpoch());
        assertEquals(new TrialActor.AttemptFailed(3, 42, "IllegalStateException: boom", true), probe.receiveMessage());
        probe.expectTerminated(trial);

        StubTrainer diverging = new StubTrainer();
        diverging.diverge = true;
        TestProbe<TrialActor.Report> probe2 = kit.createTestProbe();
        ActorRef<TrialActor.Command> trial2 = spawn(diverging, pool(), probe2, Optional.empty());
        probe2.expectMessageClass(TrialActor.SlotTaken.class);
        probe2.expectMessageClass(TrialActor.Started.class);
        diverging.allow(1);
        TrialActor.AttemptFailed f = probe2.expectMessageClass(TrialActor.AttemptFailed.class);
        assertFalse(f.retryable(), "a diverged epoch is not retried");
        assertTrue(f.error().startsWith("diverged at epoch 1"), f.error());
        probe2.expectTerminated(trial2);
    }
}
