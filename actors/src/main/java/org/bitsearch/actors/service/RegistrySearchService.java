package org.bitsearch.actors.service;

import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.bitsearch.actors.api.SearchEvents;
import org.bitsearch.actors.api.SearchService;
import org.bitsearch.actors.registry.SearchRegistry;
import org.bitsearch.actors.spec.CompiledSearch;
import org.bitsearch.actors.spec.SpecCompiler;
import org.bitsearch.actors.spec.SpecException;
import org.bitsearch.storage.SearchStore;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * {@link SearchService} over the {@link SearchRegistry} actor. Compiling a spec may block (a trainer checks its
 * data), so {@link #submit} compiles on the blocking executor, writes the search row, then asks the registry to
 * start its supervisor. Thread-safe.
 */
public final class RegistrySearchService implements SearchService {
    private final ActorSystem<?> system;
    private final ActorRef<SearchRegistry.Command> registry;
    private final SearchStore store;
    private final SpecCompiler compiler;
    private final SearchEvents events;
    private final Executor blocking;
    private final Duration timeout;

    public RegistrySearchService(ActorSystem<?> system, ActorRef<SearchRegistry.Command> registry, SearchStore store,
                                 SpecCompiler compiler, SearchEvents events, Executor blocking, Duration timeout) {
        this.system = system;
        this.registry = registry;
        this.store = store;
        this.compiler = compiler;
        this.events = events;
        this.blocking = blocking;
        this.timeout = timeout;
    }

    /** {@inheritDoc} Completes exceptionally with the {@link SpecException} itself (not wrapped). */
    @Override
    public CompletionStage<Long> submit(String specText) {
        CompletableFuture<Long> result = new CompletableFuture<>();
        CompletableFuture.runAsync(() -> {
            try {
                CompiledSearch compiled = compiler.compile(specText);
                checkReady(compiled);
                long id = store.createSearch(compiled.name(), compiled.specJson(), compiled.seed()).id();
                AskPattern.<SearchRegistry.Command, Done>ask(registry, r -> new SearchRegistry.Start(id, Optional.of(compiled), r), timeout, system.scheduler())
                        .whenComplete((done, error) -> {
                            if (error != null) result.completeExceptionally(error);
                            else result.complete(id);
                        });
            } catch (SpecException | RuntimeException e) {
                result.completeExceptionally(e);
            }
        }, blocking);
        return result;
    }

    /**
     * The trainer's {@link org.bitsearch.search.trainer.Trainer#checkReady()} before the search row is written:
     * a problem becomes a {@link SpecException} under {@code trainer.} (the data directory is part of the spec).
     */
    public static void checkReady(CompiledSearch compiled) throws SpecException {
        try {
            compiled.trainer().checkReady();
        } catch (Exception e) {
            String m = String.valueOf(e.getMessage());
            throw new SpecException(java.util.List.of(m.matches("(?s)^[a-z][A-Za-z0-9]*[ :.\\[].*") ? "trainer." + m : "trainer: " + m));
        }
    }

    @Override
    public CompletionStage<StopResult> stop(long searchId) {
        return AskPattern.ask(registry, r -> new SearchRegistry.Stop(searchId, r), timeout, system.scheduler());
    }

    @Override
    public CompletionStage<ResumeResult> resume(long searchId) {
        return AskPattern.ask(registry, r -> new SearchRegistry.Resume(searchId, r), timeout, system.scheduler());
    }

    @Override
    public void validate(String specText) throws SpecException {
        compiler.compile(specText);
    }

    @Override
    public SearchEvents events() { return events; }

    /** The ids of the searches running in this system now. */
    public CompletionStage<Set<Long>> running() {
        return AskPattern.ask(registry, SearchRegistry.GetRunning::new, timeout, system.scheduler());
    }
}
