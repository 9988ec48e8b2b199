package org.bitsearch.storage;

import org.h2.engine.SessionLocal;
import org.h2.jdbc.JdbcConnection;
import org.h2.mvstore.db.Store;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

/**
 * Keeps the database file bounded while a search runs, by compacting it online when it has grown enough.
 *
 * <h2>Why the file grows</h2>
 * H2's MVStore never overwrites a page: each commit ({@code WRITE_DELAY=0}, one per write of the store) appends a
 * new <em>chunk</em> with every page it changed plus the chunk layout map, about 15 KB, and the space of chunks
 * that no longer hold a live page is reused only once the chunk is older than {@code RETENTION_TIME} (45 s). A fast
 * search (hundreds of writes a second with the simulated trainer) therefore grows the file by the last 45 s of
 * writes: 79.5 MB after the 2,500 epoch reports of H2GrowthTest (83 s), of which less than 1 MB is live.
 * Shortening the retention is not safe: with 1 s the SIGKILL crash test lost an acknowledged write (after a crash,
 * H2 finds the newest version by following recent chunks from the file header, which space reused too early can
 * break). And H2 runs no background compaction with {@code WRITE_DELAY=0}.
 *
 * <h2>What this does</h2>
 * After every write transaction (its commit is already in the file), if the file is larger than
 * {@link #limit()}, the writes are held off ({@link #write}: writes share a lock, a compaction takes it alone),
 * and H2's own file compaction runs ({@code Store.compactFile}: rewrite sparse chunks, write the file header, sync,
 * move chunks to the front, truncate; the procedure H2 runs when a database closes), with the retention set back
 * to {@link H2Database#RETENTION_MILLIS} afterwards. The next limit is the size after compaction {@code C} plus
 * {@code max(growthBytes, growthFactor * C)} (by default 16 MB and 1): so while the store is open the file stays
 * below {@code max(C + 16 MB, 2C)} plus one write, and the work of compacting is amortised over at least 16 MB of
 * writes (measured in H2GrowthTest on the shared 2-core machine: the slowest write that compacted a 16.7 MB file to
 * 0.8 MB took 0.70 s, at load average 10.6; see README, Storage and resume).
 *
 * <p>A compaction that fails while H2 keeps the database open is logged and skipped (the file is compacted at the
 * next limit or when closed); one after which H2 closed the database (it could not write the file: a full disk)
 * throws a {@link StoreException} naming the cause from the write that triggered it, although that write's commit
 * is in the file (every write is idempotent, so a resumed search simply writes it again).
 *
 * <p>Thread-safe. Compaction runs on the thread whose write crossed the limit, after that write's commit.
 */
final class H2Compaction {
    private static final Logger log = LoggerFactory.getLogger(H2Compaction.class);

    /**
     * When to compact: once the file has grown by {@code growthBytes}, or by {@code growthFactor} times its size after
     * the last compaction if that is more, since the last compaction; each compaction may take {@code maxMillis} (H2
     * stops between steps once that is spent).
     */
    record Policy(long growthBytes, double growthFactor, int maxMillis) {
        /** 16 MB or a doubling between compactions, at most 2 s each: the default of every store. */
        static final Policy DEFAULT = new Policy(16L << 20, 1.0, 2000);

        Policy {
            if (growthBytes < 4096)
                throw new StoreException("compaction growthBytes is " + growthBytes + ", but must be >= 4096 (one block)");
            if (!(growthFactor >= 0 && growthFactor <= 100))
                throw new StoreException("compaction growthFactor is " + growthFactor + ", but must be in [0, 100]");
            if (maxMillis < 1) throw new StoreException("compaction maxMillis is " + maxMillis + ", but must be >= 1");
        }
    }

    private final Store store;
    private final Path file;
    private final Policy policy;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final AtomicBoolean compacting = new AtomicBoolean();
    private final AtomicInteger compactions = new AtomicInteger();
    private volatile long limit;

    private H2Compaction(Store store, Path file, Policy policy) {
        this.store = store;
        this.file = file;
        this.policy = policy;
        this.limit = nextLimit(sizeOf(file));
    }

    /** Compaction of the database that {@code keeper} (an embedded H2 connection) holds open, stored in {@code file}. */
    static H2Compaction of(Connection keeper, Path file, Policy policy) {
        if (!(keeper instanceof JdbcConnection jdbc) || !(jdbc.getSession() instanceof SessionLocal session))
            throw new StoreException("the keeper connection " + keeper + " is not an embedded H2 connection; this is a bug");
        return new H2Compaction(session.getDatabase().getStore(), file, policy);
    }

    /** Runs one write transaction (sharing the lock with other writes), then compacts if the file crossed the limit. */
    <T> T write(Supplier<T> transaction) {
        T result;
        lock.readLock().lock();
        try {
            result = transaction.get();
        } finally {
            lock.readLock().unlock();
        }
        if (sizeOf(file) > limit) compact();
        return result;
    }

    /** Waits for a running compaction to end; called before the store closes. */
    void awaitIdle() {
        lock.writeLock().lock();
        lock.writeLock().unlock();
    }

    /** How many compactions ran since the store was opened. */
    int compactions() { return compactions.get(); }

    /** The file size above which the next write compacts. */
    long limit() { return limit; }

    private void compact() {
        if (!compacting.compareAndSet(false, true)) return; // another thread is on it
        lock.writeLock().lock(); // waits for the writes in flight, holds off new ones
        try {
            long before = sizeOf(file);
            if (before <= limit) return;
            long start = System.nanoTime();
            try {
                store.compactFile(policy.maxMillis());
            } catch (RuntimeException e) {
                if (store.getMvStore().isClosed()) // H2 closed the file it could not write: no write can follow
                    throw new StoreException("Could not compact the database file " + file + " after a committed write ("
                            + e.getMessage() + "); H2 closed the database. Check the disk (space, permissions); every "
                            + "write that returned is in the file, and the search can be resumed.", e);
                log.warn("could not compact the database file {} ({}); it stays at {} bytes and is compacted when closed",
                        file, e.toString(), before);
            } finally {
                if (!store.getMvStore().isClosed())
                    store.getMvStore().setRetentionTime(H2Database.RETENTION_MILLIS); // compactFile leaves it at 0
            }
            long after = sizeOf(file);
            limit = nextLimit(after);
            compactions.incrementAndGet();
            log.debug("compacted {}: {} -> {} bytes in {} ms; next at {} bytes", file, before, after,
                    (System.nanoTime() - start) / 1_000_000, limit);
        } finally {
            lock.writeLock().unlock();
            compacting.set(false);
        }
    }

    private long nextLimit(long size) {
        return size + Math.max(policy.growthBytes(), (long) (policy.growthFactor() * size));
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0; // cannot tell: no compaction now; the writes themselves report a broken file
        }
    }
}
