package org.bitsearch.actors;

import org.bitsearch.actors.api.SearchEvent;
import org.bitsearch.actors.api.SearchService;
import org.bitsearch.actors.spec.SpecException;
import org.bitsearch.storage.H2SearchStore;
import org.bitsearch.storage.SearchState;
import org.bitsearch.storage.TrialRow;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The composition root as the command line and the HTTP server use it, on the real H2 store. */
class SearchSystemTest {
    @TempDir Path dir;

    static final String SPEC = """
            name: sys
            seed: 5
            trainer: {kind: simulated, hidden: [16, 8], epochSeconds: 0.1}
            space:
              bits: {allowed: [1, 2, 4, 8]}
            budget: {maxTrials: 6, maxConcurrent: 2, maxEpochs: 3}
            """;

    private SearchSystemSettings settings() {
        return SearchSystemSettings.defaults(dir, TestTrainers.factory()).withCpuSlots(2).withUseGpus(false).withRetryBackoff(Duration.ofMillis(20))
                .withShutdownTimeout(Duration.ofSeconds(20));
    }

    /** Waits (up to 120 s: a loaded CI machine) for {@code n} events of {@code type} of search {@code id}. */
    private static void await(SearchSystem system, List<SearchEvent> events, Class<? extends SearchEvent> type, long id, int n) {
        TestProbe.create(system.actorSystem()).awaitAssert(Duration.ofSeconds(120), Duration.ofMillis(10), () -> {
            assertTrue(events.stream().filter(type::isInstance).filter(e -> e.searchId() == id).count() >= n,
                    "no " + n + " " + type.getSimpleName() + " in " + events);
            return null;
        });
    }

    @Test
    void anInvalidSpecIsRejectedWithEveryProblemAndNothingIsWritten() throws Exception {
        try (H2SearchStore store = H2SearchStore.open(dir); SearchSystem system = SearchSystem.start(store, settings())) {
            String bad = SPEC.replace("maxTrials: 6", "maxTrials: 0").replace("maxEpochs: 3", "maxEpochs: -1").replace("[1, 2, 4, 8]", "[1, 5, 64]");
            ExecutionException e = assertThrows(ExecutionException.class, () -> system.service().submit(bad).toCompletableFuture().get(60, TimeUnit.SECONDS));
            SpecException spec = assertInstanceOf(SpecException.class, e.getCause());
            assertEquals(List.of("budget.maxTrials is 0, but must be >= 1", "budget.maxEpochs is -1, but must be >= 1",
                    "space.bits.allowed[2] is 64, but must be one of [1, 2, 3, 4, 5, 6, 7, 8, 32]"), spec.problems());
            assertThrows(SpecException.class, () -> system.service().validate(bad));
            assertTrue(store.searches().isEmpty(), "nothing was written");
            assertTrue(java.nio.file.Files.notExists(dir.resolve("checkpoints")));
        }
    }

    @Test
    void closingInterruptsRunningSearchesAndTheNextStartResumesThem() throws Exception {
        long id;
        List<SearchEvent> events = new CopyOnWriteArrayList<>();
        try (H2SearchStore store = H2SearchStore.open(dir)) {
            try (SearchSystem system = SearchSystem.start(store, settings())) {
                system.events().subscribe(events::add);
                id = system.service().submit(SPEC).toCompletableFuture().get(60, TimeUnit.SECONDS);
                await(system, events, SearchEvent.TrialFinished.class, id, 1);
            }
            assertEquals(SearchState.RUNNING, store.search(id).orElseThrow().state(), "interrupted, resumable at the next start");
            assertTrue(store.search(id).orElseThrow().message().startsWith("interrupted"));
            assertTrue(store.trials(id).stream().anyMatch(t -> !t.state().isFinished()));
            assertEquals(List.of(id), store.interruptedSearches());

            List<SearchEvent> after = new CopyOnWriteArrayList<>();
            try (SearchSystem system = SearchSystem.start(store, settings())) {
                system.events().subscribe(after::add);
                await(system, after, SearchEvent.SearchFinished.class, id, 1);
                // SearchFinished is published just before the supervisor stops: the registry may still count it running
                SearchService.ResumeResult r = TestProbe.create(system.actorSystem()).awaitAssert(Duration.ofSeconds(30), Duration.ofMillis(10), () -> {
                    SearchService.ResumeResult res = system.service().resume(id).toCompletableFuture().join();
                    assertNotEquals(SearchService.ResumeResult.ALREADY_RUNNING, res);
                    return res;
                });
                assertEquals(SearchService.ResumeResult.FINISHED, r);
                assertEquals(SearchService.StopResult.NOT_RUNNING, system.service().stop(id).toCompletableFuture().get());
                assertEquals(SearchService.StopResult.UNKNOWN, system.service().stop(99).toCompletableFuture().get());
            }
            assertEquals(SearchState.COMPLETED, store.search(id).orElseThrow().state());
            List<TrialRow> trials = store.trials(id);
            assertEquals(6, trials.size());
            trials.forEach(t -> assertTrue(t.state().isFinished()));
        }
    }

    @Test
    void theWallClockLimitStopsTheSearchAndSaysWhy() throws Exception {
        List<SearchEvent> events = new CopyOnWriteArrayList<>();
        try (H2SearchStore store = H2SearchStore.open(dir); SearchSystem system = SearchSystem.start(store, settings())) {
            system.events().subscribe(events::add);
            String spec = SPEC.replace("maxTrials: 6", "maxTrials: 50").replace("maxEpochs: 3", "maxEpochs: 3, maxWallSeconds: 1");
            long id = system.service().submit(spec).toCompletableFuture().get(60, TimeUnit.SECONDS);
            await(system, events, SearchEvent.SearchFinished.class, id, 1);
            assertEquals(SearchState.STOPPED, store.search(id).orElseThrow().state());
            assertTrue(store.search(id).orElseThrow().message().contains("wall-clock limit of 1 s"), store.search(id).orElseThrow().message());
            assertTrue(store.trials(id).size() < 50);
        }
    }

    @Test
    void theWallClockLimitCancelsARunningEpochInsteadOfWaitingForIt() throws Exception {
        List<SearchEvent> events = new CopyOnWriteArrayList<>();
        try (H2SearchStore store = H2SearchStore.open(dir); SearchSystem system = SearchSystem.start(store, settings())) {
            system.events().subscribe(events::add);
            String spec = SPEC.replace("epochSeconds: 0.1", "epochSeconds: 600").replace("maxEpochs: 3", "maxEpochs: 3, maxWallSeconds: 1");
            long started = System.nanoTime();
            long id = system.service().submit(spec).toCompletableFuture().get(60, TimeUnit.SECONDS);
            await(system, events, SearchEvent.SearchFinished.class, id, 1);
            double seconds = (System.nanoTime() - started) / 1e9;
            assertTrue(seconds < 30, "the 600 s epochs were cancelled, not waited for: " + seconds + " s");
            assertEquals(SearchState.STOPPED, store.search(id).orElseThrow().state());
            assertTrue(store.reports(id).isEmpty(), "the cancelled epochs are discarded");
            List<TrialRow> trials = store.trials(id);
            assertEquals(2, trials.size());
            for (TrialRow t : trials) {
                assertFalse(t.state().isFinished(), "trial " + t.number() + " stays resumable");
                assertEquals("", t.error(), "a cancelled epoch is no failed attempt");
            }
        }
    }

    @Test
    void closingCancelsRunningEpochsAndLeavesTheSearchRunningForTheNextStart() throws Exception {
        List<SearchEvent> events = new CopyOnWriteArrayList<>();
        try (H2SearchStore store = H2SearchStore.open(dir)) {
            long id;
            long closing;
            try (SearchSystem system = SearchSystem.start(store, settings())) {
                system.events().subscribe(events::add);
                id = system.service().submit(SPEC.replace("epochSeconds: 0.1", "epochSeconds: 600")).toCompletableFuture().get(60, TimeUnit.SECONDS);
                await(system, events, SearchEvent.TrialStarted.class, id, 2);
                closing = System.nanoTime();
            }
            double seconds = (System.nanoTime() - closing) / 1e9;
            assertTrue(seconds < 30, "close cancelled the 600 s epochs: " + seconds + " s");
            assertEquals(SearchState.RUNNING, store.search(id).orElseThrow().state());
            assertEquals(List.of(id), store.interruptedSearches());
            assertTrue(store.reports(id).isEmpty());
        }
    }

    @Test
    void moreSlotsThanTheTrainerDispatcherCanServeAreRefusedNamingTheSetting() {
        com.typesafe.config.Config config = com.typesafe.config.ConfigFactory.parseString(
                "bitsearch.trainer-dispatcher.thread-pool-executor.fixed-pool-size = 20");
        SearchSystem.checkTrainerThreads(8, config); // 2 x 8 + 4 = 20
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SearchSystem.checkTrainerThreads(9, config));
        assertTrue(e.getMessage().contains("bitsearch.trainer-dispatcher.thread-pool-executor.fixed-pool-size is 20"), e.getMessage());
        assertTrue(e.getMessage().contains("9 device slots"), e.getMessage());
        // the shipped default serves 62 slots
        com.typesafe.config.Config shipped = com.typesafe.config.ConfigFactory.load();
        SearchSystem.checkTrainerThreads(62, shipped);
        assertThrows(IllegalArgumentException.class, () -> SearchSystem.checkTrainerThreads(63, shipped));
    }
}
