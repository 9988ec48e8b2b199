package org.bitsearch.actors.env;

import org.apache.pekko.actor.typed.ActorRef;
import org.bitsearch.actors.device.DevicePool;
import org.bitsearch.actors.events.EventStreamSearchEvents;
import org.bitsearch.actors.spec.SpecCompiler;
import org.bitsearch.storage.SearchStore;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executor;

/**
 * What every actor of a search system shares: the store, the spec compiler, the event stream, the device pool
 * and the blocking executor that runs trainer calls and file I/O. Immutable.
 *
 * @param store            the only door to the database (thread-safe)
 * @param compiler         compiles stored specs again on resume
 * @param events           publishes events after they are in the database
 * @param pool             the device pool
 * @param blocking         the {@code bitsearch.trainer-dispatcher}: every trainer call and checkpoint file runs here
 * @param dataDir          root of checkpoints ({@code <dataDir>/checkpoints/...})
 * @param retryBackoff     delay before the first retry of a failed trial; doubled for each further retry
 * @param maxRetryBackoff  the longest retry delay
 * @param evaluationDevice the device test accuracies are measured on at the end of a search
 * @param searches         the compiled searches (one trainer per search) of the live supervisors
 */
public record SearchEnvironment(SearchStore store, SpecCompiler compiler, EventStreamSearchEvents events,
                                ActorRef<DevicePool.Command> pool, Executor blocking, Path dataDir,
                                Duration retryBackoff, Duration maxRetryBackoff, String evaluationDevice,
                                CompiledSearches searches) {
    public SearchEnvironment {
        if (store == null || compiler == null || events == null || pool == null || blocking == null || dataDir == null || searches == null)
            throw new IllegalArgumentException("store, compiler, events, pool, blocking, dataDir and searches must not be null");
        if (retryBackoff.isNegative()) throw new IllegalArgumentException("retryBackoff is " + retryBackoff + ", but must be >= 0");
    }

    /** The delay before retry {@code n} (1-based): retryBackoff · 2^(n-1), at most maxRetryBackoff. */
    public Duration backoff(int n) {
        Duration d = retryBackoff.multipliedBy(1L << Math.min(20, Math.max(0, n - 1)));
        return d.compareTo(maxRetryBackoff) > 0 ? maxRetryBackoff : d;
    }
}
