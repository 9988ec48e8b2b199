package org.bitsearch.actors.supervisor;

import org.bitsearch.actors.api.SearchEvent;
import org.bitsearch.actors.api.SearchService;
import org.bitsearch.actors.device.DevicePool;
import org.bitsearch.search.trial.TrialState;
import org.bitsearch.storage.ParetoRow;
import org.bitsearch.storage.ReportRow;
import org.bitsearch.storage.RungDecisionRow;
import org.bitsearch.storage.SearchState;
import org.bitsearch.storage.SearchStore;
import org.bitsearch.storage.StoreException;
import org.bitsearch.storage.TrialRow;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Search supervisors over the real engine, the real H2 store and the simulated trainer. */
class SearchSupervisorTest {
    @TempDir Path dir;

    static String spec(String trainerExtra, String pruner, String budget) {
        return """
                name: sim
                seed: 11
                trainer: {kind: simulated, hidden: [32, 16]%s}
                space:
                  params:
                    learningRate: {type: logfloat, low: 1.0e-4, high: 1.0e-1}
                  bits: {allowed: [1, 2, 4, 8]}
                sampler: {type: random}
                pruner: %s
                budget: %s
                """.formatted(trainerExtra, pruner, budget);
    }

    /** Every trial 0..n-1 exactly once, each finished, each with reports for epochs 1..k exactly once. */
    static void assertCompleteAndUnique(SearchStore store, long id, int n) {
        List<TrialRow> trials = store.trials(id);
        assertEquals(IntStream.range(0, n).boxed().toList(), trials.stream().map(TrialRow::number).toList());
        for (TrialRow t : trials) {
            assertTrue(t.state().isFinished(), "trial " + t.number() + " is " + t.state());
            List<Integer> epochs = store.reports(id, t.number()).stream().map(r -> r.metrics().epoch()).toList();
            assertEquals(IntStream.rangeClosed(1, epochs.size()).boxed().toList(), epochs, "trial " + t.number() + " reports");
        }
        List<Long> seqs = store.reports(id).stream().map(ReportRow::seq).toList();
        assertEquals(seqs.size(), new HashSet<>(seqs).size(), "report seqs are unique");
    }

    @Test
    void slotsNeverExceedThePoolAndAllComeBackWhenTheSearchCompletes() throws Exception {
        try (SearchFixture f = new SearchFixture(dir, 2)) {
            long id = f.submit(spec(", epochSeconds: 0.02", "{type: none}", "{maxTrials: 8, maxConcurrent: 4, maxEpochs: 3}"));
            SearchEvent.SearchFinished done = f.awaitFinished(id);
            assertEquals(SearchState.COMPLETED, done.state(), done.message());
            assertCompleteAndUnique(f.store, id, 8);
            DevicePool.Status s = f.poolStatus();
            assertTrue(s.highWater() <= 2, "at most 2 slots at once, saw " + s.highWater());
            assertEquals(2, s.highWater(), "both slots were used");
            assertTrue(s.inUse().isEmpty(), "every slot came back: " + s.inUse());
            // devices never shared: replay started/finished events per device
            Map<String, Integer> busy = new HashMap<>();
            Map<Integer, String> deviceOf = new HashMap<>();
            for (SearchEvent e : f.events) {
                if (e instanceof SearchEvent.TrialStarted t) {
                    deviceOf.put(t.number(), t.device());
                    assertEquals(0, busy.merge(t.device(), 1, Integer::sum) - 1, "device " + t.device() + " handed out twice");
                } else if (e instanceof SearchEvent.TrialFinished t) {
                    busy.merge(deviceOf.get(t.number()), -1, Integer::sum);
                }
            }
            // the front is persisted with test accuracies measured from the last checkpoints
            List<ParetoRow> front = f.store.front(id);
            assertFalse(front.isEmpty());
            front.forEach(p -> assertTrue(p.testAccuracy().isPresent(), "test accuracy of front point " + p.number()));
            front.forEach(p -> assertTrue(Files.exists(f.store.latestCheckpoint(id, p.number()).orElseThrow().path()),
                    "the last checkpoint of completed trial " + p.number() + " is kept"));
            assertEquals(1, f.of(SearchEvent.SearchStarted.class).size());
            assertTrue(f.of(SearchEvent.FrontChanged.class).size() >= 1);
            // measuring test accuracies changed no front: one hypervolume step per front change, none more
            assertEquals(f.of(SearchEvent.FrontChanged.class).size(), f.store.hypervolumeHistory(id).size());
        }
    }

    @Test
    void aStopWhileTestAccuraciesAreMeasuredEndsMeasuringAndLeavesTheSearchCompleted() throws Exception {
        GatedTrainer.reset();
        try (SearchFixture f = new SearchFixture(dir, 2)) {
            long id = f.submit(spec("", "{type: none}", "{maxTrials: 6, maxConcurrent: 2, maxEpochs: 1}").replace("kind: simulated", "kind: gated"));
            GatedTrainer.GATE.release(6); // one epoch per trial; measuring then waits at the gate (testAccuracy)
            f.awaitCount(SearchEvent.TrialFinished.class, 6, Duration.ofSeconds(60));
            awaitGateQueue(f);
            int frontSize = f.store.front(id).size();
            assertTrue(frontSize >= 2, "this seed's front has several points: " + f.store.front(id));
            assertEquals(SearchService.StopResult.STOPPING, f.stop(id));
            // one point at a time: measuring ends after the point in progress once the supervisor has the Stop
            while (f.of(SearchEvent.SearchFinished.class).isEmpty()) {
                GatedTrainer.GATE.release(1);
                f.await(Duration.ofSeconds(60), () -> {
                    assertTrue(!f.of(SearchEvent.SearchFinished.class).isEmpty() || GatedTrainer.GATE.hasQueuedThreads(),
                            "measuring neither ended nor went on: " + f.events);
                    return null;
                });
            }
            SearchEvent.SearchFinished done = f.awaitFinished(id);
            assertEquals(SearchState.COMPLETED, done.state(), done.message());
            assertEquals(SearchState.COMPLETED, f.state(id));
            long measured = f.store.front(id).stream().filter(p -> p.testAccuracy().isPresent()).count();
            assertTrue(measured >= 1, "the point in progress was measured and kept");
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("was stopped with (\\d+) front point\\(s\\) unmeasured").matcher(done.message());
            int unmeasured = m.find() ? Integer.parseInt(m.group(1)) : 0;
            assertEquals(frontSize, measured + unmeasured, "the summary counts the unmeasured points: " + done.message());
            assertEquals(SearchService.ResumeResult.FINISHED, f.resume(id));
            assertTrue(f.poolStatus().inUse().isEmpty());
        }
    }

    private static void awaitGateQueue(SearchFixture f) {
        f.await(Duration.ofSeconds(60), () -> {
            assertTrue(GatedTrainer.GATE.hasQueuedThreads(), "nothing waits at the gate");
            return null;
        });
    }

    @Test
    void aStopCancelsRunningEpochsAndLeavesTheTrialsResumable() throws Exception {
        try (SearchFixture f = new SearchFixture(dir, 2)) {
            long id = f.submit(spec(", epochSeconds: 600", "{type: none}", "{maxTrials: 4, maxConcurrent: 2, maxEpochs: 3}"));
            f.awaitCount(SearchEvent.TrialStarted.class, 2, Duration.ofSeconds(60));
            long stopAt = System.nanoTime();
            assertEquals(SearchService.StopResult.STOPPING, f.stop(id));
            SearchEvent.SearchFinished stopped = f.awaitFinished(id, 1, Duration.ofSeconds(30));
            assertTrue((System.nanoTime() - stopAt) / 1e9 < 20, "the stop did not wait for the 600 s epochs");
            assertEquals(SearchState.STOPPED, stopped.state());
            assertTrue(f.store.reports(id).isEmpty(), "nothing is reported for a cancelled epoch");
            for (TrialRow t : f.store.trials(id)) {
                assertFalse(t.state().isFinished(), "trial " + t.number() + " stays resumable");
                assertEquals("", t.error(), "a cancelled epoch is no failed attempt");
            }
            assertTrue(f.of(SearchEvent.TrialRetrying.class).isEmpty(), "no retry after a stop");
            f.await(Duration.ofSeconds(30), () -> {
                assertTrue(f.poolStatus().inUse().isEmpty(), "the slots come back once the cancelled steps end");
                return null;
            });
        }
    }

    @Test
    void pruningStopsATrialBetweenEpochs() throws Exception {
        try (SearchFixture f = new SearchFixture(dir, 1)) {
            long id = f.submit(spec("", "{type: asha, minResource: 1, maxResource: 4, reductionFactor: 2}",
                    "{maxTrials: 10, maxConcurrent: 1, maxEpochs: 4}"));
            assertEquals(SearchState.COMPLETED, f.awaitFinished(id).state());
            assertCompleteAndUnique(f.store, id, 10);
            List<TrialRow> pruned = f.store.trials(id).stream().filter(t -> t.state() == TrialState.PRUNED).toList();
            assertFalse(pruned.isEmpty(), "ASHA with eta 2 pruned nothing");
            for (TrialRow t : pruned) {
                List<RungDecisionRow> d = f.store.decisions(id, t.number());
                RungDecisionRow last = d.get(d.size() - 1);
                assertTrue(last.verdict().stop(), "a pruned trial's last verdict is STOP");
                assertTrue(last.epoch() < 4);
                assertEquals(last.epoch(), f.store.reports(id, t.number()).size(), "no epoch was trained after STOP");
                Path trialDir = dir.resolve("checkpoints").resolve(Long.toString(id)).resolve(Integer.toString(t.number()));
                f.await(Duration.ofSeconds(30), () -> { // deletion runs asynchronously
                    assertTrue(Files.notExists(trialDir), "the checkpoints of pruned trial " + t.number() + " are deleted");
                    return null;
                });
            }
            f.store.trials(id).stream().filter(t -> t.state() == TrialState.COMPLETED)
                    .forEach(t -> assertEquals(4, f.store.reports(id, t.number()).size()));
        }
    }

    @Test
    void aTrainerThatThrowsIsRetriedThenFailedWhileTheSearchCompletes() throws Exception {
        try (SearchFixture f = new SearchFixture(dir, 2)) {
            long id = f.submit(spec(", failTrials: [1], failAttempts: 100, nanTrials: [3], nanEpoch: 2", "{type: none}",
                    "{maxTrials: 5, maxConcurrent: 2, maxEpochs: 2, maxRetries: 2}"));
            SearchEvent.SearchFinished done = f.awaitFinished(id);
            assertEquals(SearchState.COMPLETED, done.state());
            assertCompleteAndUnique(f.store, id, 5);
            TrialRow failing = f.store.trial(id, 1).orElseThrow();
            assertEquals(TrialState.FAILED, failing.state());
            assertEquals(3, failing.attempts(), "first attempt + 2 retries");
            assertTrue(failing.error().contains("injected failure"), failing.error());
            TrialRow diverging = f.store.trial(id, 3).orElseThrow();
            assertEquals(TrialState.FAILED, diverging.state());
            assertTrue(diverging.error().contains("diverged at epoch 2: valLoss NaN"), diverging.error());
            assertEquals(1, diverging.attempts(), "a diverged epoch is not retried");
            assertTrue(f.of(SearchEvent.TrialRetrying.class).stream().noneMatch(r -> r.number() == 3), "no retry of the diverged trial");
            assertEquals(1, f.store.reports(id, 3).size(), "the diverged epoch is not recorded");
            assertEquals(List.of(2, 3), f.of(SearchEvent.TrialRetrying.class).stream().filter(r -> r.number() == 1).map(SearchEvent.TrialRetrying::attempt).toList());
            for (int n : List.of(0, 2, 4)) assertEquals(TrialState.COMPLETED, f.store.trial(id, n).orElseThrow().state());
            assertTrue(f.poolStatus().inUse().isEmpty());
        }
    }

    @Test
    void aStoppedSearchResumesAndCompletesWithExactlyTheBudgetedTrials() throws Exception {
        GatedTrainer.reset();
        try (SearchFixture f = new SearchFixture(dir, 2)) {
            long id = f.submit(spec("", "{type: none}", "{maxTrials: 6, maxConcurrent: 2, maxEpochs: 4}").replace("kind: simulated", "kind: gated"));
            // exactly 3 epochs run before the stop, however they fall on the two slots: no trial has finished its 4
            // epochs, so at least one interrupted trial has reported (and checkpointed) an epoch; the epochs waiting at
            // the gate when the stop comes are cancelled
            GatedTrainer.GATE.release(3);
            f.awaitCount(SearchEvent.EpochReported.class, 3, Duration.ofSeconds(60));
            assertEquals(SearchService.StopResult.STOPPING, f.stop(id));
            // the epochs waiting at the gate are cancelled: no permit is needed for the stop to end; a second stop is harmless
            SearchService.StopResult again = f.stop(id);
            assertTrue(again == SearchService.StopResult.STOPPING || again == SearchService.StopResult.NOT_RUNNING, "second stop: " + again);
            SearchEvent.SearchFinished stopped = f.awaitFinished(id);
            assertEquals(SearchState.STOPPED, stopped.state());
            assertEquals(SearchState.STOPPED, f.state(id));
            List<TrialRow> before = f.store.trials(id);
            assertTrue(before.stream().anyMatch(t -> !t.state().isFinished()), "some trials were interrupted: " + before);
            assertTrue(f.poolStatus().inUse().isEmpty(), "a stopped search holds no slot");
            List<ReportRow> reportsBefore = f.store.reports(id);
            Set<Integer> checkpointed = new HashSet<>();
            before.stream().filter(t -> !t.state().isFinished()).forEach(t -> f.store.latestCheckpoint(id, t.number()).ifPresent(c -> checkpointed.add(t.number())));
            assertFalse(checkpointed.isEmpty(), "the epochs reported before the stop were checkpointed");

            assertEquals(SearchService.ResumeResult.RESUMED, f.resume(id));
            GatedTrainer.GATE.release(1000);
            SearchEvent.SearchFinished done = f.awaitFinished(id, 2, Duration.ofSeconds(120));
            assertEquals(SearchState.COMPLETED, done.state(), done.message());
            assertCompleteAndUnique(f.store, id, 6);
            // nothing recorded before the stop was recorded again or changed: resumed trials went on from their checkpoint
            List<ReportRow> after = f.store.reports(id);
            assertEquals(reportsBefore, after.subList(0, reportsBefore.size()));
            for (int n : checkpointed)
                assertEquals(2, f.store.trial(id, n).orElseThrow().attempts(), "trial " + n + " was resumed once");
            assertEquals(SearchService.ResumeResult.FINISHED, f.resume(id));
        }
    }

    @Test
    void aSupervisorCrashRestartsFromTheDatabaseWithoutLosingOrDuplicatingTrials() throws Exception {
        AtomicInteger reports = new AtomicInteger();
        AtomicInteger injected = new AtomicInteger();
        try (SearchFixture f = new SearchFixture(dir, 2, real -> failingOnce(real, "recordReport", 5, reports, injected))) {
            long id = f.submit(spec(", epochSeconds: 0.01", "{type: median, warmupEpochs: 1, minTrials: 2}",
                    "{maxTrials: 7, maxConcurrent: 2, maxEpochs: 3}"));
            SearchEvent.SearchFinished done = f.awaitFinished(id);
            assertEquals(SearchState.COMPLETED, done.state(), done.message());
            assertEquals(1, injected.get(), "the failure was injected");
            assertCompleteAndUnique(f.store, id, 7);
            List<SearchEvent.SearchStarted> starts = f.of(SearchEvent.SearchStarted.class);
            assertEquals(2, starts.size(), "started, then restarted after the crash");
            assertTrue(starts.get(1).resumed());
            assertTrue(f.poolStatus().inUse().isEmpty());
        }
    }

    /** The store, except that the {@code nth} call of {@code method} throws once, before writing anything. */
    static SearchStore failingOnce(SearchStore real, String method, int nth, AtomicInteger calls, AtomicInteger injected) {
        return (SearchStore) Proxy.newProxyInstance(SearchStore.class.getClassLoader(), new Class<?>[]{SearchStore.class}, (proxy, m, args) -> {
            if (m.getName().equals(method) && calls.incrementAndGet() == nth) {
                injected.incrementAndGet();
                throw new StoreException("injected failure of " + method + " #" + nth);
            }
            try {
                return m.invoke(real, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
    }
}
