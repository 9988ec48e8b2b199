package org.bitsearch.actors.cluster;

import org.bitsearch.actors.SearchSystem;
import org.bitsearch.actors.SearchSystemSettings;
import org.bitsearch.actors.TestTrainers;
import org.bitsearch.actors.api.SearchEvent;
import org.bitsearch.storage.H2SearchStore;
import org.bitsearch.storage.ReportRow;
import org.bitsearch.storage.SearchState;
import org.bitsearch.storage.TrialRow;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A coordinator and workers as real Pekko cluster nodes over loopback (separate actor systems in this JVM, so every
 * message really crosses Artery and Jackson CBOR): trials run on the workers' slots, checkpoints come back to the
 * coordinator, a worker leaving mid-trial has its attempt retried on another worker from its checkpoint.
 */
class ClusterSearchTest {
    static final String SECRET = "cluster-test-secret";
    @TempDir Path dir;

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private SearchSystemSettings coordinator(int port) {
        return SearchSystemSettings.defaults(dir.resolve("coordinator"), TestTrainers.factory()).withCpuSlots(0).withUseGpus(false)
                .withRetryBackoff(Duration.ofMillis(50)).withShutdownTimeout(Duration.ofSeconds(20))
                .withCluster(ClusterSettings.coordinator("127.0.0.1:" + port, Optional.of(SECRET), Optional.empty()));
    }

    private WorkerNode worker(int port, String name, String secret, int slots) {
        List<String> devices = java.util.stream.IntStream.range(0, slots).mapToObj(i -> "cpu:" + i).toList();
        return WorkerNode.start(ClusterSettings.worker("127.0.0.1:" + port, "127.0.0.1", 0, Optional.of(secret), Optional.empty()),
                TestTrainers.factory(), devices, 1, dir.resolve(name), Duration.ofSeconds(1));
    }

    static void await(String what, Predicate<Void> condition, long seconds) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < end) {
            if (condition.test(null)) return;
            Thread.sleep(20);
        }
        throw new AssertionError("timed out waiting for " + what);
    }

    @Test
    void trialsRunOnTheWorkersSlotsAndAWorkerWithAWrongSecretIsNotUsed() throws Exception {
        int port = freePort();
        List<SearchEvent> events = new CopyOnWriteArrayList<>();
        try (H2SearchStore store = H2SearchStore.open(dir.resolve("coordinator"));
             SearchSystem system = SearchSystem.start(store, coordinator(port));
             WorkerNode good = worker(port, "good", SECRET, 2);
             WorkerNode bad = worker(port, "bad", "not-the-secret", 2)) {
            system.events().subscribe(events::add);
            await("the good worker", v -> system.workers().nodes().size() == 1, 60);
            assertEquals(good.node(), system.workers().nodes().get(0).node());
            long id = system.service().submit("""
                    name: cluster
                    seed: 3
                    trainer: {kind: simulated, hidden: [8], epochSeconds: 0.05}
                    space: {bits: {allowed: [2, 4, 8]}}
                    budget: {maxTrials: 5, maxConcurrent: 2, maxEpochs: 3}
                    """).toCompletableFuture().get(60, TimeUnit.SECONDS);
            await("the search's end", v -> events.stream().anyMatch(e -> e instanceof SearchEvent.SearchFinished f && f.searchId() == id), 120);
            assertEquals(SearchState.COMPLETED, store.search(id).orElseThrow().state());
            List<TrialRow> trials = store.trials(id);
            assertEquals(5, trials.size());
            for (TrialRow t : trials) {
                assertTrue(t.device().startsWith(good.node() + "/cpu:"), "trial " + t.number() + " ran on " + t.device());
                assertEquals(3, store.reports(id, t.number()).size());
            }
            assertFalse(bad.node().equals(good.node()));
            assertEquals(1, system.workers().nodes().size(), "the worker with the wrong secret offers nothing");
        }
    }

    @Test
    void aWorkerLeavingMidTrialHasItsAttemptRetriedElsewhereFromItsCheckpoint() throws Exception {
        int port = freePort();
        List<SearchEvent> events = new CopyOnWriteArrayList<>();
        try (H2SearchStore store = H2SearchStore.open(dir.resolve("coordinator"));
             SearchSystem system = SearchSystem.start(store, coordinator(port))) {
            system.events().subscribe(events::add);
            WorkerNode first = worker(port, "first", SECRET, 1);
            try (WorkerNode second = worker(port, "second", SECRET, 1)) {
                await("both workers", v -> system.workers().nodes().size() == 2, 60);
                long id = system.service().submit("""
                        name: lose-a-worker
                        seed: 4
                        trainer: {kind: simulated, hidden: [8], epochSeconds: 1.5}
                        space: {bits: {allowed: [2, 4, 8]}}
                        budget: {maxTrials: 2, maxConcurrent: 2, maxEpochs: 5, maxRetries: 3}
                        """).toCompletableFuture().get(60, TimeUnit.SECONDS);
                String lost = first.node();
                // once a trial on the first worker has reported two epochs (so a checkpoint of epoch 2 is here), it leaves;
                // the three epochs left (4.5 s) outlast a graceful leave (about 1-2 s) even on a fast machine
                await("two epochs on " + lost, v -> events.stream().anyMatch(e -> e instanceof SearchEvent.EpochReported r
                        && r.searchId() == id && r.metrics().epoch() >= 2 && onNode(store, id, r.number(), lost)), 60);
                first.close();
                await("the search's end", v -> events.stream().anyMatch(e -> e instanceof SearchEvent.SearchFinished f && f.searchId() == id), 180);
                assertEquals(SearchState.COMPLETED, store.search(id).orElseThrow().state());
                List<TrialRow> trials = store.trials(id);
                assertEquals(2, trials.size(), "exactly the budgeted trials");
                boolean resumed = false;
                for (TrialRow t : trials) {
                    List<ReportRow> reports = store.reports(id, t.number());
                    Set<Integer> epochs = new HashSet<>();
                    reports.forEach(r -> assertTrue(epochs.add(r.metrics().epoch()), "epoch " + r.metrics().epoch() + " of trial " + t.number() + " recorded twice"));
                    assertEquals(Set.of(1, 2, 3, 4, 5), epochs, "trial " + t.number());
                    if (t.attempts() > 1) {
                        resumed = true;
                        assertTrue(t.device().startsWith(second.node() + "/"), "retried on the other worker: " + t.device());
                        assertTrue(events.stream().anyMatch(e -> e instanceof SearchEvent.TrialStarted s && s.number() == t.number()
                                && s.attempt() > 1 && s.fromEpoch() >= 3), "the retry started after the shipped checkpoint");
                    }
                }
                assertTrue(resumed, "the lost worker's trial was retried");
            } finally {
                first.close();
            }
        }
    }

    @Test
    void workersRejoinARestartedCoordinatorByThemselvesAndTheSearchGoesOn() throws Exception {
        int port = freePort();
        String spec = """
                name: coordinator-restart
                seed: 6
                trainer: {kind: simulated, hidden: [8], epochSeconds: 0.3}
                space: {bits: {allowed: [2, 4, 8]}}
                budget: {maxTrials: 4, maxConcurrent: 2, maxEpochs: 4}
                """;
        try (WorkerNode w = worker(port, "w", SECRET, 2); H2SearchStore store = H2SearchStore.open(dir.resolve("coordinator"))) {
            long id;
            List<SearchEvent> events = new CopyOnWriteArrayList<>();
            try (SearchSystem system = SearchSystem.start(store, coordinator(port))) {
                system.events().subscribe(events::add);
                await("the worker", v -> system.workers().nodes().size() == 1, 60);
                id = system.service().submit(spec).toCompletableFuture().get(60, TimeUnit.SECONDS);
                await("a report", v -> events.stream().anyMatch(e -> e instanceof SearchEvent.EpochReported), 60);
            } // the coordinator goes away mid-search (the search is left RUNNING, resumable)
            assertEquals(SearchState.RUNNING, store.search(id).orElseThrow().state());
            List<SearchEvent> after = new CopyOnWriteArrayList<>();
            try (SearchSystem system = SearchSystem.start(store, coordinator(port))) { // resumes interrupted searches
                system.events().subscribe(after::add);
                await("the worker's return", v -> system.workers().nodes().size() == 1, 120);
                assertTrue(w.incarnations() >= 2, "the worker started a new incarnation to rejoin");
                await("the search's end", v -> after.stream().anyMatch(e -> e instanceof SearchEvent.SearchFinished f && f.searchId() == id), 120);
            }
            assertEquals(SearchState.COMPLETED, store.search(id).orElseThrow().state());
            assertEquals(4, store.trials(id).size());
            store.trials(id).forEach(t -> assertTrue(t.device().startsWith(w.node() + "/"), t.device()));
        }
    }

    private static boolean onNode(H2SearchStore store, long id, int number, String node) {
        return store.trials(id).stream().anyMatch(t -> t.number() == number && t.device().startsWith(node + "/"));
    }
}
