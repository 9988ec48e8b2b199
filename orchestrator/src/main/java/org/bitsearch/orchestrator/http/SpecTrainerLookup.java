package org.bitsearch.orchestrator.http;

import org.bitsearch.actors.spec.SpecCompiler;
import org.bitsearch.search.trainer.Trainer;
import org.bitsearch.storage.SearchRow;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds a search's trainer by compiling its stored spec again with the server's trainer kinds (the same way the
 * search itself built it). Each search's trainer is built once and kept. Blocking; thread-safe.
 */
public final class SpecTrainerLookup implements TrainerLookup {
    private final SpecCompiler compiler;
    private final Map<Long, Trainer> trainers = new ConcurrentHashMap<>();

    public SpecTrainerLookup(SpecCompiler compiler) {
        this.compiler = compiler;
    }

    @Override public Trainer trainerFor(SearchRow search) throws Exception {
        Trainer known = trainers.get(search.id());
        if (known != null) return known;
        Trainer built = compiler.compile(search.specJson()).trainer();
        Trainer raced = trainers.putIfAbsent(search.id(), built);
        return raced != null ? raced : built;
    }
}
