package org.bitsearch.storage;

import java.time.Instant;

/** One search as stored: its spec (JSON text, the validated spec exactly as submitted), seed and state. */
public record SearchRow(long id, String name, String specJson, long seed, SearchState state, String message,
                        Instant created, Instant updated) {
    public SearchRow {
        if (id < 1) throw new IllegalArgumentException("id is " + id + ", but must be >= 1");
        if (name == null || specJson == null || state == null) throw new IllegalArgumentException("name, specJson and state must not be null");
        if (message == null) message = "";
    }
}
