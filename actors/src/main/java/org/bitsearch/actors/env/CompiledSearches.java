package org.bitsearch.actors.env;

import org.bitsearch.actors.spec.CompiledSearch;
import org.bitsearch.actors.spec.SpecCompiler;
import org.bitsearch.actors.spec.SpecException;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The compiled search (and so the one {@code Trainer}) of every search whose supervisor lives in this process,
 * so that a supervisor restarted after a crash, or resumed, reuses the trainer and what it computed once (the
 * data, the sensitivity table of {@code order: sensitivity}) instead of compiling the stored spec again.
 * The registry drops an entry when the search's supervisor stops for good. Thread-safe.
 */
public final class CompiledSearches {
    private final SpecCompiler compiler;
    private final Map<Long, CompiledSearch> searches = new ConcurrentHashMap<>();

    public CompiledSearches(SpecCompiler compiler) {
        if (compiler == null) throw new IllegalArgumentException("compiler must not be null");
        this.compiler = compiler;
    }

    /** Remembers {@code compiled} as search {@code searchId}'s (a search just submitted); keeps an earlier one. */
    public CompiledSearch put(long searchId, CompiledSearch compiled) {
        CompiledSearch known = searches.putIfAbsent(searchId, compiled);
        return known != null ? known : compiled;
    }

    /**
     * The compiled search of {@code searchId}: the remembered one, else {@code specJson} compiled now (blocking:
     * it may read data) and remembered.
     *
     * @throws SpecException if the stored spec does not compile here
     */
    public CompiledSearch get(long searchId, String specJson) throws SpecException {
        CompiledSearch known = searches.get(searchId);
        return known != null ? known : put(searchId, compiler.compile(specJson));
    }

    /** The remembered compiled search of {@code searchId}, if its supervisor lives. */
    public Optional<CompiledSearch> find(long searchId) { return Optional.ofNullable(searches.get(searchId)); }

    /** Forgets search {@code searchId} (its supervisor stopped for good). */
    public void forget(long searchId) { searches.remove(searchId); }
}
