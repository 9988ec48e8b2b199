package org.bitsearch.actors.env;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Why a search could not go on in this process: recorded by the registry when it gives a search's supervisor up
 * (it failed again and again, e.g. every write failed because the disk is full or the database file is read-only),
 * and read by the command line (which prints the cause and exits 1) and the HTTP API (which shows it). Kept in
 * memory as well as in the store because a broken store may be unable to record it. Thread-safe.
 */
public final class SearchFailures {
    private final Map<Long, String> causes = new ConcurrentHashMap<>();

    /** Records why search {@code searchId} stopped running here (replacing an earlier cause). */
    public void record(long searchId, String cause) {
        if (cause == null || cause.isBlank()) throw new IllegalArgumentException("cause of search " + searchId + " is blank, but must say why");
        causes.put(searchId, cause);
    }

    /** Forgets the failure of a search that runs again (resumed). */
    public void clear(long searchId) { causes.remove(searchId); }

    /** Why search {@code searchId} could not go on in this process; empty if it did not fail so. */
    public Optional<String> of(long searchId) { return Optional.ofNullable(causes.get(searchId)); }

    /** Every search that could not go on in this process, with its cause (a copy). */
    public Map<Long, String> all() { return Map.copyOf(causes); }
}
