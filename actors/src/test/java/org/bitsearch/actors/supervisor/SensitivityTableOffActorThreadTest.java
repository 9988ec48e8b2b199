package org.bitsearch.actors.supervisor;

import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.bitsearch.actors.api.SearchEvent;
import org.bitsearch.actors.registry.SearchRegistry;
import org.bitsearch.actors.spec.CompiledSearch;
import org.bitsearch.storage.SearchState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sensitivity sampler's table is measured off the supervisor's thread: while the (gated) trainer measures it,
 * the supervisor answers status queries and stops; once it is measured the search proposes and completes.
 */
class SensitivityTableOffActorThreadTest {
    @TempDir Path dir;

    private static final String SPEC = """
            name: sens
            seed: 5
            trainer: {kind: gated, hidden: [32, 16]}
            space:
              params:
                learningRate: {type: logfloat, low: 1.0e-4, high: 1.0e-1}
              bits: {allowed: [2, 4, 8]}
            sampler: {type: sensitivity, budgets: 3}
            pruner: {type: none}
            budget: {maxTrials: 3, maxConcurrent: 1, maxEpochs: 1}
            """;

    private static ActorRef<SearchSupervisor.Command> start(SearchFixture f, CompiledSearch c, long id) {
        return f.kit.spawn(SearchSupervisor.create(f.env, id, Optional.of(c)), "search-" + id,
                DispatcherSelector.fromConfig(SearchRegistry.SUPERVISOR_DISPATCHER));
    }

    private static SearchSupervisor.Status status(SearchFixture f, ActorRef<SearchSupervisor.Command> sup) {
        TestProbe<SearchSupervisor.Status> probe = f.kit.createTestProbe();
        sup.tell(new SearchSupervisor.GetStatus(probe.ref()));
        return probe.receiveMessage(Duration.ofSeconds(5));
    }

    @Test
    void theSupervisorAnswersWhileTheTableIsMeasuredThenProposesFromIt() throws Exception {
        GatedTrainer.reset();
        try (SearchFixture f = new SearchFixture(dir, 1)) {
            CompiledSearch c = f.compiler.compile(SPEC);
            long id = f.store.createSearch(c.name(), c.specJson(), c.seed()).id();
            ActorRef<SearchSupervisor.Command> sup = start(f, c, id);
            f.await(Duration.ofSeconds(30), () -> {
                assertTrue(GatedTrainer.TABLE_GATE.hasQueuedThreads(), "the table is being measured");
                return null;
            });
            for (int i = 0; i < 3; i++) { // answered at once, again and again, while the measurement blocks
                SearchSupervisor.Status s = status(f, sup);
                assertEquals(SearchSupervisor.Phase.SENSITIVITY, s.phase());
                assertEquals(0, s.liveTrials(), "nothing is proposed before the table");
            }
            assertTrue(f.store.trials(id).isEmpty(), "no trial before the table");
            GatedTrainer.TABLE_GATE.release();
            GatedTrainer.GATE.release(100); // three epochs, then the front's test accuracies
            SearchEvent.SearchFinished done = f.awaitFinished(id);
            assertEquals(SearchState.COMPLETED, done.state(), done.message());
            assertEquals(3, f.store.trials(id).size());
        }
    }

    @Test
    void aStopWhileTheTableIsMeasuredStopsTheSearchWithoutWaitingForIt() throws Exception {
        GatedTrainer.reset();
        try (SearchFixture f = new SearchFixture(dir, 1)) {
            CompiledSearch c = f.compiler.compile(SPEC);
            long id = f.store.createSearch(c.name(), c.specJson(), c.seed()).id();
            ActorRef<SearchSupervisor.Command> sup = start(f, c, id);
            f.await(Duration.ofSeconds(30), () -> {
                assertTrue(GatedTrainer.TABLE_GATE.hasQueuedThreads(), "the table is being measured");
                return null;
            });
            sup.tell(new SearchSupervisor.Stop("stopped by user; resume to go on", SearchState.STOPPED));
            SearchEvent.SearchFinished done = f.awaitFinished(id, 1, Duration.ofSeconds(10));
            assertEquals(SearchState.STOPPED, done.state());
            assertTrue(GatedTrainer.TABLE_GATE.hasQueuedThreads(), "the stop did not wait for the table");
            GatedTrainer.TABLE_GATE.release(); // let the blocked measurement end before the kit shuts down
        }
    }

    @Test
    void aFailedMeasurementStopsTheSearchResumablyNamingTheSamplerAndTheCause() throws Exception {
        GatedTrainer.reset();
        GatedTrainer.tableFailure = "out of memory while pre-training";
        try (SearchFixture f = new SearchFixture(dir, 1)) {
            CompiledSearch c = f.compiler.compile(SPEC);
            long id = f.store.createSearch(c.name(), c.specJson(), c.seed()).id();
            start(f, c, id);
            GatedTrainer.TABLE_GATE.release();
            SearchEvent.SearchFinished done = f.awaitFinished(id, 1, Duration.ofSeconds(30));
            assertEquals(SearchState.STOPPED, done.state(), "resumable, not failed: " + done.message());
            assertTrue(done.message().contains("sampler.type sensitivity") && done.message().contains("out of memory while pre-training"), done.message());
            assertTrue(f.store.trials(id).isEmpty(), "nothing was proposed");
        } finally {
            GatedTrainer.tableFailure = null;
        }
    }
}
