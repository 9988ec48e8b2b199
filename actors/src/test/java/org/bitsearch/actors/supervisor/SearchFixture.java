package org.bitsearch.actors.supervisor;

import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.bitsearch.actors.env.SearchEnvironment;
import org.bitsearch.actors.SearchSystem;
import org.bitsearch.actors.TestTrainers;
import org.bitsearch.actors.api.SearchEvent;
import org.bitsearch.actors.api.SearchService;
import org.bitsearch.actors.device.DevicePool;
import org.bitsearch.actors.events.EventStreamSearchEvents;
import org.bitsearch.actors.registry.SearchRegistry;
import org.bitsearch.actors.spec.CompiledSearch;
import org.bitsearch.actors.spec.SpecCompiler;
import org.bitsearch.storage.H2SearchStore;
import org.bitsearch.storage.SearchState;
import org.bitsearch.storage.SearchStore;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import org.apache.pekko.japi.function.Creator;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A search registry in an {@link ActorTestKit} over the real H2 store in a temp directory and the standard
 * trainer kinds (the simulated trainer, and {@link GatedTrainer}'s {@code gated}), with a device pool of {@code slots} CPU slots. Records every event.
 */
final class SearchFixture implements AutoCloseable {
    final ActorTestKit kit = ActorTestKit.create();
    final H2SearchStore h2;
    final SearchStore store;
    final SpecCompiler compiler = new SpecCompiler(TestTrainers.factory().with(GatedTrainer.KIND));
    final ActorRef<DevicePool.Command> pool;
    final ActorRef<SearchRegistry.Command> registry;
    final List<SearchEvent> events = new CopyOnWriteArrayList<>();
    final org.bitsearch.actors.env.SearchFailures failures = new org.bitsearch.actors.env.SearchFailures();
    final SearchEnvironment env;
    private final AutoCloseable subscription;

    SearchFixture(Path dir, int slots) { this(dir, slots, s -> s); }

    /** {@code wrap} may wrap the store (to inject failures). */
    SearchFixture(Path dir, int slots, UnaryOperator<SearchStore> wrap) {
        h2 = H2SearchStore.open(dir);
        store = wrap.apply(h2);
        EventStreamSearchEvents publisher = new EventStreamSearchEvents(kit.system());
        subscription = publisher.subscribe(events::add);
        pool = kit.spawn(DevicePool.create(org.bitsearch.actors.device.DeviceDiscovery.discover(slots, false), 1), "pool");
        Executor blocking = kit.system().dispatchers().lookup(DispatcherSelector.fromConfig(SearchSystem.TRAINER_DISPATCHER));
        env = new SearchEnvironment(store, compiler, publisher, pool, blocking, dir,
                Duration.ofMillis(20), Duration.ofMillis(100), "cpu:0", new org.bitsearch.actors.env.CompiledSearches(compiler));
        registry = kit.spawn(SearchRegistry.create(env, false, failures), "registry", DispatcherSelector.fromConfig(SearchRegistry.SUPERVISOR_DISPATCHER));
    }

    long submit(String spec) throws Exception {
        CompiledSearch c = compiler.compile(spec);
        long id = store.createSearch(c.name(), c.specJson(), c.seed()).id();
        TestProbe<Done> probe = kit.createTestProbe();
        registry.tell(new SearchRegistry.Start(id, Optional.of(c), probe.ref()));
        probe.receiveMessage();
        return id;
    }

    SearchService.StopResult stop(long id) {
        TestProbe<SearchService.StopResult> probe = kit.createTestProbe();
        registry.tell(new SearchRegistry.Stop(id, probe.ref()));
        return probe.receiveMessage();
    }

    /**
     * Resumes search {@code id}. The SearchFinished event comes just before its supervisor stops, so the registry
     * may still count it running: ALREADY_RUNNING is asked again for up to 30 s.
     */
    SearchService.ResumeResult resume(long id) {
        return await(Duration.ofSeconds(30), () -> {
            TestProbe<SearchService.ResumeResult> probe = kit.createTestProbe();
            registry.tell(new SearchRegistry.Resume(id, probe.ref()));
            SearchService.ResumeResult r = probe.receiveMessage();
            assertNotEquals(SearchService.ResumeResult.ALREADY_RUNNING, r, "search " + id + " is still running");
            return r;
        });
    }

    /** Evaluates {@code check} every 10 ms until it throws no AssertionError, at most {@code max}; returns its result. */
    <T> T await(Duration max, Creator<T> check) {
        return kit.<Object>createTestProbe().awaitAssert(max, Duration.ofMillis(10), check);
    }

    DevicePool.Status poolStatus() {
        TestProbe<DevicePool.Status> probe = kit.createTestProbe();
        pool.tell(new DevicePool.GetStatus(probe.ref()));
        return probe.receiveMessage();
    }

    /** Waits for the search's {@code n}-th SearchFinished event and returns it. */
    SearchEvent.SearchFinished awaitFinished(long id, int n, Duration timeout) {
        return await(timeout, () -> {
            List<SearchEvent.SearchFinished> f = of(SearchEvent.SearchFinished.class).stream().filter(e -> e.searchId() == id).toList();
            assertTrue(f.size() >= n, "search " + id + " did not finish " + n + " time(s); events: " + events);
            return f.get(n - 1);
        });
    }

    SearchEvent.SearchFinished awaitFinished(long id) {
        return awaitFinished(id, 1, Duration.ofSeconds(120));
    }

    void awaitCount(Class<? extends SearchEvent> type, int n, Duration timeout) {
        await(timeout, () -> {
            assertTrue(of(type).size() >= n, "fewer than " + n + " " + type.getSimpleName() + " events: " + events);
            return null;
        });
    }

    <E extends SearchEvent> List<E> of(Class<E> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }

    SearchState state(long id) { return store.search(id).orElseThrow().state(); }

    @Override
    public void close() throws Exception {
        subscription.close();
        kit.shutdownTestKit();
        h2.close();
    }
}
