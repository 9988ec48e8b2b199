package org.bitsearch.orchestrator.http;

import org.bitsearch.search.trainer.Trainer;
import org.bitsearch.storage.SearchRow;

/**
 * Finds the {@link Trainer} a search trains with (built from its stored spec), for what only the model knows:
 * its quantizable layers (compression ratios, heatmap rows) and the quantized model files of an export.
 * Called off the route threads (blocking allowed); implementations may cache.
 */
@FunctionalInterface
public interface TrainerLookup {
    /** @throws Exception with a message naming the problem if the spec's trainer cannot be built */
    Trainer trainerFor(SearchRow search) throws Exception;
}
