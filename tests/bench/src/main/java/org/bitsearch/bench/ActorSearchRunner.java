package org.bitsearch.bench;

import org.bitsearch.actors.SearchSystem;
import org.bitsearch.actors.SearchSystemSettings;
import org.bitsearch.actors.api.SearchEvent;
import org.bitsearch.actors.spec.TrainerFactory;
import org.bitsearch.storage.H2SearchStore;
import org.bitsearch.storage.SearchStore;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Runs one search spec through the whole actor and H2 path (a {@link SearchSystem} over an {@link H2SearchStore}
 * in a fresh temp directory) and blocks until it ends. The caller inspects the store in {@code inspect} before
 * everything is closed and the directory deleted.
 */
final class ActorSearchRunner {
    /** What the caller reads from the finished search. */
    interface Inspector<T> {
        T inspect(SearchStore store, long searchId, double wallSeconds) throws Exception;
    }

    private ActorSearchRunner() {}

    /**
     * Submits {@code specYaml}, waits at most {@code timeout} for its SearchFinished event and returns what
     * {@code inspector} reads. {@code listener} sees every event on a Pekko thread (must not block).
     *
     * @throws IllegalStateException if the search does not end in time
     */
    static <T> T run(String specYaml, TrainerFactory trainers, int cpuSlots, Duration timeout, Consumer<SearchEvent> listener,
                     Inspector<T> inspector) throws Exception {
        Path dir = Files.createTempDirectory("bitsearch-bench");
        try (SearchStore store = H2SearchStore.open(dir)) {
            SearchSystemSettings settings = SearchSystemSettings.defaults(dir, trainers).withCpuSlots(cpuSlots).withUseGpus(false)
                    .withResumeInterrupted(false);
            try (SearchSystem system = SearchSystem.start(store, settings)) {
                CountDownLatch done = new CountDownLatch(1);
                try (AutoCloseable sub = system.events().subscribe(e -> {
                    listener.accept(e);
                    if (e instanceof SearchEvent.SearchFinished) done.countDown();
                })) {
                    long start = System.nanoTime();
                    long id = system.service().submit(specYaml).toCompletableFuture().get(60, TimeUnit.SECONDS);
                    if (!done.await(timeout.toMillis(), TimeUnit.MILLISECONDS))
                        throw new IllegalStateException("search " + id + " did not end within " + timeout);
                    double wall = (System.nanoTime() - start) / 1e9;
                    return inspector.inspect(store, id, wall);
                }
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
