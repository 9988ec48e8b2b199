package org.bitsearch.storage;

import org.h2.engine.Constants;
import org.h2.engine.SessionLocal;
import org.h2.jdbc.JdbcConnection;
import org.h2.mvstore.FileStore;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.RandomAccessStore;

import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Makes every committed write findable after a crash, which lets H2 reuse the file's dead space at once, so that
 * the database file stays bounded while a search runs (issue 12: it grew ~45 KB per report).
 *
 * <h2>The problem, in H2's MVStore (2.5.252)</h2>
 * Every commit ({@code WRITE_DELAY=0}) appends a chunk: the pages it changed and the chunk layout. After a crash
 * (no clean-shutdown mark) H2 looks for the newest chunk in three places only: the chunk the store header (blocks 0
 * and 1) names, the chunk at the end of the file, and the chain of "next" positions each chunk predicts for its
 * successor; it takes the newest of these whose referenced chunks are all intact. While chunks are appended, the
 * newest one is at the end of the file and always found. Once dead space is reused (H2 frees a chunk with no live
 * page once it is older than {@code RETENTION_TIME}), a chunk written inside the file at a position its
 * predecessor did not predict is found by none of the three: H2 rewrites the header only after writing it, and
 * then it names the <em>previous</em> chunk. A SIGKILL at that moment loses the newest commits, although each was
 * acknowledged. Measured with a minimal H2 program (a commit per row, SIGKILL at random moments, every dead chunk
 * reusable at once): the last acknowledged commit was lost in 8 of 20 kills; with the header written after every
 * commit (below), in 0 of 30 kills, the file staying under 1 MB instead of growing by ~14 KB per commit. With
 * H2's default retention (45 s) the reuse, and so the loss, starts 45 s into a session: the crash test's short
 * sessions never reached it, a real search does.
 *
 * <h2>What this does</h2>
 * <ul>
 *   <li>{@link #commit}: commits a write transaction, then writes the store header naming the newest chunk (the
 *       chunk of this commit or a later one), all under one lock, so no other write commits in between. The header
 *       write is the one H2 itself does (the same private method, under the same lock); it costs one 8 KB write
 *       to the page cache, no fsync. After it, the newest chunk is always among the places recovery looks.</li>
 *   <li>{@link #VERSIONS_TO_KEEP}: a chunk that died at version v is not freed before version v + 32, so a chunk the
 *       newest findable version references is never overwritten, even if a large transaction made H2 write
 *       chunks of its own (without a header) between two commits.</li>
 *   <li>Every {@link #COMPACT_EVERY} commits, H2's online compaction {@link MVStore#compact(int, int)} marks the
 *       live pages of the sparsest chunks (below {@link #TARGET_FILL_RATE} percent live) for rewriting, and they are
 *       committed as one more chunk (and the header written again). That is what H2's background thread does when
 *       {@code WRITE_DELAY > 0}. It moves no chunk and frees nothing itself (unlike {@code compactFile}, which moves
 *       chunks and frees their old space at once): the rewritten chunks die and are reused by the rules here,
 *       like any other. Without it, chunks that keep a single live page (a full page
 *       of the report table) are never freed.</li>
 *   <li>For a power cut (a killed process loses nothing committed: the OS has it): a commit syncs the file
 *       (fsync) once {@link #SYNC_EVERY} commits or {@link #SYNC_MILLIS} passed since the last sync, and the guard holds the version of the
 *       last two syncs ({@link MVStore#registerVersionUsage()}, as a long read would), so H2 frees only chunks
 *       that died before the previous sync, whose successors are on the disk. So a power cut should lose the
 *       commits since the last sync, not the file (by this reasoning; the tests kill processes, they cut no
 *       power). This replaces H2's retention time (a chunk's age, which says nothing
 *       about whether its successor reached the disk), which is therefore 0.</li>
 * </ul>
 * Thread-safe. Reads do not go through here; only write transactions (H2 serialises their stores anyway).
 */
final class H2FileGuard {
    /** How many versions a dead chunk is kept before its space may be reused (H2's own default is 0). */
    static final int VERSIONS_TO_KEEP = 32;
    /** Commits between two online compactions. */
    static final int COMPACT_EVERY = 32;
    /** Compact while the live part of the file's chunks is below this percentage. */
    static final int TARGET_FILL_RATE = 60;
    /** How many bytes of live pages one compaction rewrites at most. */
    static final int COMPACT_WRITE_BYTES = 256 * 1024;
    /** A commit syncs the file (fsync) if this many commits or {@link #SYNC_MILLIS} passed since the last sync. */
    static final int SYNC_EVERY = 32;
    /** See {@link #SYNC_EVERY}. */
    static final long SYNC_MILLIS = 1000;

    private final MVStore store;
    private final FileStore<?> fileStore;
    private final Method writeStoreHeader;
    private final Lock saveChunkLock;
    private final Lock commitLock = new ReentrantLock();
    private long commits;
    private int sinceSync;
    private long lastSync = System.nanoTime();
    /** The versions registered at the last two syncs (older first): no chunk that died after them is freed. */
    private MVStore.TxCounter older, newer;
    private boolean released;

    private H2FileGuard(MVStore store, FileStore<?> fileStore, Method writeStoreHeader, Lock saveChunkLock) {
        this.store = store;
        this.fileStore = fileStore;
        this.writeStoreHeader = writeStoreHeader;
        this.saveChunkLock = saveChunkLock;
    }

    /**
     * The guard of the database that {@code keeper} (an embedded H2 connection in file mode) holds open. Throws a
     * {@link StoreException} if the H2 on the class path lacks the MVStore internals this relies on (a different
     * H2 version than the one bitsearch is built with).
     */
    static H2FileGuard of(Connection keeper) {
        if (!(keeper instanceof JdbcConnection jdbc) || !(jdbc.getSession() instanceof SessionLocal session))
            throw new StoreException("the keeper connection " + keeper + " is not an embedded H2 connection; this is a bug");
        MVStore store = session.getDatabase().getStore().getMvStore();
        FileStore<?> fileStore = store.getFileStore();
        if (!(fileStore instanceof RandomAccessStore))
            throw new StoreException("the H2 database is not stored in a single file (its file store is "
                    + (fileStore == null ? "none" : fileStore.getClass().getName()) + "); this is a bug");
        try {
            Method header = RandomAccessStore.class.getDeclaredMethod("writeStoreHeader");
            header.setAccessible(true);
            Field lock = FileStore.class.getDeclaredField("saveChunkLock");
            lock.setAccessible(true);
            store.setVersionsToKeep(VERSIONS_TO_KEEP);
            H2FileGuard guard = new H2FileGuard(store, fileStore, header, (Lock) lock.get(fileStore));
            guard.newer = store.registerVersionUsage();
            return guard;
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new StoreException("this H2 (" + Constants.FULL_VERSION + ") lacks the MVStore internals bitsearch "
                    + "needs to keep its database file crash-safe and bounded (RandomAccessStore.writeStoreHeader, "
                    + "FileStore.saveChunkLock): " + e + ". Use the H2 version bitsearch is built with.", e);
        }
    }

    /**
     * Commits {@code connection}'s transaction; when this returns, the commit is in the file and the store
     * header names it (or a later chunk). Every few commits, also compacts sparse chunks online (see above).
     */
    void commit(Connection connection) throws SQLException {
        commitLock.lock();
        try {
            connection.commit();
            try {
                writeHeader();
                if (++commits % COMPACT_EVERY == 0 && store.compact(TARGET_FILL_RATE, COMPACT_WRITE_BYTES)) {
                    store.commit(); // the rewritten pages, as one more chunk
                    writeHeader();
                }
                if (++sinceSync >= SYNC_EVERY || System.nanoTime() - lastSync > SYNC_MILLIS * 1_000_000L) sync();
            } catch (StoreException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new StoreException("a write was committed, but H2 then failed to compact or sync the database "
                        + "file (" + e + "); check the disk (space, permissions) before going on", e);
            }
        } finally {
            commitLock.unlock();
        }
    }

    /**
     * Syncs the file and moves the version hold on: a chunk that died before the version registered one sync ago
     * (whose successors are now on the disk) may be freed, no later one.
     */
    private void sync() {
        if (released || store.isClosed()) return;
        MVStore.TxCounter next = store.registerVersionUsage();
        fileStore.sync();
        if (older != null) store.deregisterVersionUsage(older);
        older = newer;
        newer = next;
        sinceSync = 0;
        lastSync = System.nanoTime();
    }

    /** Releases the version hold; called before the database is closed (H2 then frees and compacts freely). */
    void release() {
        commitLock.lock();
        try {
            if (released) return;
            released = true;
            if (!store.isClosed()) {
                if (older != null) store.deregisterVersionUsage(older);
                if (newer != null) store.deregisterVersionUsage(newer);
            }
            older = newer = null;
        } finally {
            commitLock.unlock();
        }
    }

    /** Writes the store header naming the newest chunk (H2's own method, under H2's own lock). */
    void writeHeader() {
        if (store.isClosed()) return; // closing writes its own header, with the clean-shutdown mark
        saveChunkLock.lock();
        try {
            writeStoreHeader.invoke(fileStore);
        } catch (IllegalAccessException e) {
            throw new StoreException("could not write the H2 store header: " + e + "; this is a bug", e);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            throw new StoreException("could not write the H2 store header of the database (" + cause + "); the last "
                    + "write is committed, but check the disk (space, permissions) before going on", cause);
        } finally {
            saveChunkLock.unlock();
        }
    }
}
