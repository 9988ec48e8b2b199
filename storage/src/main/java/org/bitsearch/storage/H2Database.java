package org.bitsearch.storage;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.configuration.FluentConfiguration;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * Opens the embedded H2 database of a data directory safely, in this order, and changes nothing on disk
 * until every check has passed:
 * <ol>
 *   <li>the data directory is created if missing and must be a writable directory;</li>
 *   <li>an existing, non-empty {@code bitsearch.mv.db} must start with H2's file header (anything else is left
 *       untouched, byte for byte);</li>
 *   <li>an existing database is inspected <em>read-only</em>: it must be a bitsearch database (Flyway history
 *       present), not one written by a newer bitsearch (a schema version above {@link #LATEST_SCHEMA_VERSION}) and
 *       not left by a failed migration;</li>
 *   <li>a missing or empty file is created aside with the full schema and linked into place when complete;</li>
 *   <li>a keeper connection opens it read-write (H2 locks the file: a second process gets a clear error), the
 *       HikariCP pool is started and Flyway migrates the schema to the latest version.</li>
 * </ol>
 * Called once per {@link H2SearchStore#open}; not a long-lived object.
 */
final class H2Database {
    /** Highest schema version this build ships (the highest {@code V<n>__*.sql} under db/migration). */
    static final String LATEST_SCHEMA_VERSION = "5";
    static final String FILE_BASE = "bitsearch";
    static final String FILE_NAME = FILE_BASE + ".mv.db";
    static final String HISTORY_TABLE = "flyway_schema_history";
    private static final String MIGRATIONS = "classpath:db/migration";
    /** The first bytes of every H2 MVStore file: its header block starts with "H:2,". */
    private static final byte[] H2_HEADER = "H:2,".getBytes(StandardCharsets.US_ASCII);
    private static final int POOL_SIZE = 8;
    /**
     * H2's RETENTION_TIME: how long the space of a chunk that holds no live page any more is kept, counted from the
     * chunk's creation, before H2 reuses it. H2's default is 45 s; every commit ({@code WRITE_DELAY=0}) writes a
     * chunk of ~15 KB, so the file grew by 45 s worth of commits (72.6 MB within a minute of a fast search). Here
     * it is 0, because {@link H2FileGuard} decides what may be reused instead, by what is safe: after a kill
     * (the store header names the newest chunk after every commit, and a dead chunk is kept for 32 versions) and
     * after a power cut (only chunks that died before the previous fsync are reused). H2CrashTest runs its killed
     * writers with exactly this.
     */
    static final int RETENTION_MILLIS = 0;

    /**
     * What {@link #open} hands to the store: the connection that keeps the database open, the pool, and the guard
     * every write transaction commits through.
     */
    record Opened(Connection keeper, HikariDataSource pool, H2FileGuard guard) {}

    private final Path dataDir;
    private final SqlErrors errors;
    private final int retentionMillis;

    private H2Database(Path dataDir, int retentionMillis) {
        this.dataDir = dataDir;
        this.errors = new SqlErrors(dataDir);
        this.retentionMillis = retentionMillis;
    }

    /** The absolute, normalised data directory for {@code dataDir}, without touching the disk. */
    static Path normalise(Path dataDir) {
        if (dataDir == null) throw new StoreException("dataDir is null, but must name a directory");
        Path dir = dataDir.toAbsolutePath().normalize();
        if (dir.toString().contains(";"))
            throw new StoreException("data directory " + dir + " contains ';', which H2 reads as a URL separator; "
                    + "choose a directory whose path has no ';'");
        return dir;
    }

    static Opened open(Path dataDir) {
        return open(dataDir, RETENTION_MILLIS);
    }

    /** As {@link #open(Path)}, with another retention time (tests use 0 to make H2 reuse space at once). */
    static Opened open(Path dataDir, int retentionMillis) {
        if (retentionMillis < 0)
            throw new StoreException("retentionMillis is " + retentionMillis + ", but must be >= 0");
        return new H2Database(dataDir, retentionMillis).open();
    }

    private Opened open() {
        prepareDirectory();
        Path file = dataDir.resolve(FILE_NAME);
        if (Files.isDirectory(file))
            throw new StoreException("database file " + file + " is a directory; move it away or choose another data directory");
        boolean existing = sizeOf(file) > 0;
        if (existing) {
            checkHeader(file);
            inspectReadOnly();
            if (!closedCleanly(file)) settle();
        } else {
            createFresh(file); // comes with the latest schema
        }
        Connection keeper = connect(url(FILE_BASE, ""), "open the database in " + dataDir);
        HikariDataSource pool = null;
        try {
            pool = pool();
            if (existing) migrate(pool);
            H2FileGuard guard = H2FileGuard.of(keeper);
            guard.writeHeader(); // the migration's commits, too, are named by the header from now on
            return new Opened(keeper, pool, guard);
        } catch (RuntimeException e) {
            if (pool != null) pool.close();
            closeQuietly(keeper, e);
            throw e;
        }
    }

    // ---- 1. the directory ---------------------------------------------------------------------------------------

    private void prepareDirectory() {
        if (Files.exists(dataDir) && !Files.isDirectory(dataDir))
            throw new StoreException("data directory " + dataDir + " is a file, not a directory; choose a directory "
                    + "(it is created if missing)");
        try {
            Files.createDirectories(dataDir);
        } catch (FileSystemException e) {
            throw new StoreException("cannot create data directory " + dataDir + " (" + e.getClass().getSimpleName()
                    + ": " + e.getMessage() + "); check that every parent is a writable directory, or choose another one", e);
        } catch (IOException e) {
            throw new StoreException("cannot create data directory " + dataDir + ": " + e + "; choose another one", e);
        }
        Path probe = dataDir.resolve(".bitsearch-write-test");
        try {
            Files.deleteIfExists(probe);
            Files.createFile(probe);
            Files.delete(probe);
        } catch (IOException e) {
            throw new StoreException("data directory " + dataDir + " is not writable (" + e + "); make it writable "
                    + "or choose another one", e);
        }
    }

    private static long sizeOf(Path file) {
        try {
            return Files.exists(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            throw new StoreException("cannot read the size of " + file + ": " + e + "; check its permissions", e);
        }
    }

    // ---- 2. the file header ---------------------------------------------------------------------------------------

    private static void checkHeader(Path file) {
        byte[] head = new byte[64];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        } catch (IOException e) {
            throw new StoreException("cannot read database file " + file + ": " + e + "; check its permissions", e);
        }
        boolean h2 = n >= H2_HEADER.length;
        for (int i = 0; h2 && i < H2_HEADER.length; i++) h2 = head[i] == H2_HEADER[i];
        if (!h2)
            throw new StoreException("database file " + file + " is not an H2 database (it starts with \""
                    + printable(head, n) + "\"); bitsearch has left it untouched. Move it away or choose another data "
                    + "directory.");
    }

    /**
     * Whether H2 closed the file cleanly: its store header (the first block, a line of {@code key:value} pairs)
     * carries {@code clean:1}. A file that cannot be read that far counts as not clean.
     */
    static boolean closedCleanly(Path file) {
        byte[] block = new byte[4096];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(block, 0, block.length);
        } catch (IOException e) {
            return false;
        }
        String header = new String(block, 0, n, StandardCharsets.ISO_8859_1);
        int end = header.indexOf('\n');
        for (String field : (end < 0 ? header : header.substring(0, end)).split(","))
            if (field.equals("clean:1")) return true;
        return false;
    }

    /**
     * Opens a database that was not closed cleanly (a killed process) and closes it again, so that H2 recovers it
     * and writes a clean-shutdown mark. Without this, H2 2.5.252 reuses no dead space for the whole session after
     * a recovery (a dead chunk that recovery found missing stays first in its queue of chunks to free, which it
     * never frees), and the file grows by a chunk (~15 KB) per commit until the next clean close. The recovery
     * is the one any open does; the close is H2's ordinary one.
     */
    private void settle() {
        try (Connection c = connect(url(FILE_BASE, ""), "recover the database in " + dataDir)) {
            c.isValid(1);
        } catch (SQLException e) {
            throw errors.translate("recover the database in " + dataDir, e);
        }
    }

    private static String printable(byte[] bytes, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(n, 16); i++) {
            int b = bytes[i] & 0xff;
            sb.append(b >= 0x20 && b < 0x7f ? String.valueOf((char) b) : String.format("\\x%02x", b));
        }
        return sb.toString();
    }

    // ---- 3. read-only inspection -------------------------------------------------------------------------------------

    private void inspectReadOnly() {
        try (Connection c = connect(url(FILE_BASE, ";ACCESS_MODE_DATA=r"), "inspect the database in " + dataDir)) {
            List<String> tables = new ArrayList<>();
            try (ResultSet rs = c.createStatement().executeQuery(
                    "SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = 'PUBLIC' ORDER BY TABLE_NAME")) {
                while (rs.next()) tables.add(rs.getString(1));
            }
            if (tables.isEmpty()) return; // an empty H2 database: ours to set up
            if (!tables.contains(HISTORY_TABLE))
                throw new StoreException("database " + dataDir.resolve(FILE_NAME) + " is an H2 database, but not a "
                        + "bitsearch one (it has tables " + tables + " and no schema history); bitsearch has left it "
                        + "untouched. Move it away or choose another data directory.");
            MigrationVersion ours = MigrationVersion.fromVersion(LATEST_SCHEMA_VERSION);
            try (ResultSet rs = c.createStatement().executeQuery(
                    "SELECT \"version\", \"success\" FROM \"" + HISTORY_TABLE + "\" WHERE \"version\" IS NOT NULL")) {
                while (rs.next()) {
                    MigrationVersion v = MigrationVersion.fromVersion(rs.getString(1));
                    if (v.compareTo(ours) > 0)
                        throw new StoreException("database " + dataDir + " was written by a newer bitsearch (schema "
                                + "version " + v + "; this bitsearch knows versions up to " + ours + "). Nothing was "
                                + "changed. Use that newer bitsearch, or another data directory.");
                    if (!rs.getBoolean(2))
                        throw new StoreException("database " + dataDir + " has a failed schema migration (version " + v
                                + "); it was left half-upgraded. Restore it from a backup, or use another data directory.");
                }
            }
        } catch (SQLException e) {
            throw errors.translate("inspect the database in " + dataDir, e);
        }
    }

    // ---- 3b. a new database: built aside, then moved into place ----------------------------------------------------

    /**
     * Creates a new database with the latest schema under a temporary name and links it into place only when
     * complete, so that a process killed while creating it never leaves a half-made schema behind (H2 commits each
     * DDL statement on its own). If another process placed a database first, that one is kept and ours dropped.
     * A kill during creation can leave a {@code .bitsearch-new-*.mv.db} file, which is harmless and may be deleted.
     */
    private void createFresh(Path file) {
        String base = ".bitsearch-new-" + ProcessHandle.current().pid() + "-" + Long.toHexString(System.nanoTime());
        Path temp = dataDir.resolve(base + ".mv.db");
        try {
            try (Connection c = connect(url(base, ""), "create a new database in " + dataDir)) {
                migrate(Flyway.configure(H2Database.class.getClassLoader()).dataSource(url(base, ""), "sa", ""));
                c.createStatement().execute("SHUTDOWN");
            } catch (SQLException e) {
                throw errors.translate("create a new database in " + dataDir, e);
            }
            try {
                if (Files.exists(file) && Files.size(file) == 0) Files.delete(file); // empty: nothing to lose
                Files.createLink(file, temp); // atomic, and fails if another process placed its database first
            } catch (FileAlreadyExistsException raced) {
                // another process created the database at the same moment: use that one
            } catch (UnsupportedOperationException | IOException e) {
                try {
                    Files.move(temp, file); // no hard links on this file system: a plain move, never replacing
                } catch (IOException moveFailed) {
                    throw new StoreException("could not move the new database " + temp + " to " + file + ": " + moveFailed
                            + "; check the data directory's permissions", moveFailed);
                }
            }
        } finally {
            try {
                Files.deleteIfExists(temp);
                Files.deleteIfExists(dataDir.resolve(base + ".trace.db"));
            } catch (IOException e) {
                // a leftover temporary file is harmless
            }
        }
    }

    // ---- 4. open, pool, migrate -------------------------------------------------------------------------------------

    /**
     * The JDBC URL. WRITE_DELAY=0: every commit is written to the file before commit() returns, so a killed
     * process (SIGKILL) loses no committed write; the OS cache holds it. (A power cut can still lose the last
     * commits: H2 does not fsync on commit.) LOCK_TIMEOUT: a write waits up to 10 s for a row another write holds.
     * DB_CLOSE_ON_EXIT=FALSE: H2's own shutdown hook would close the database under the application's shutdown
     * (which still records final states); the application closes the store itself, last.
     * RETENTION_TIME (see {@link #RETENTION_MILLIS}): how long the space of chunks that hold no live page any more is
     * kept before H2 reuses it.
     */
    private String url(String fileBase, String extra) {
        return "jdbc:h2:file:" + dataDir.resolve(fileBase) + ";WRITE_DELAY=0;LOCK_TIMEOUT=10000;DB_CLOSE_ON_EXIT=FALSE;RETENTION_TIME=" + retentionMillis + extra;
    }

    private Connection connect(String url, String what) {
        Properties props = new Properties();
        props.setProperty("user", "sa");
        props.setProperty("password", "");
        try {
            Connection c = new org.h2.Driver().connect(url, props);
            if (c == null) throw new StoreException("H2 refused the URL " + url + "; this is a bug, please report it");
            return c;
        } catch (SQLException e) {
            throw errors.translate(what, e);
        }
    }

    private HikariDataSource pool() {
        HikariConfig config = new HikariConfig();
        config.setPoolName("bitsearch-h2");
        config.setDriverClassName("org.h2.Driver");
        config.setJdbcUrl(url(FILE_BASE, ""));
        config.setUsername("sa");
        config.setPassword("");
        config.setMaximumPoolSize(POOL_SIZE);
        config.setMinimumIdle(2);
        config.setConnectionTimeout(10_000);
        try {
            return new HikariDataSource(config);
        } catch (HikariPool.PoolInitializationException e) {
            if (e.getCause() instanceof SQLException sql) throw errors.translate("start the connection pool", sql);
            throw new StoreException("could not start the connection pool for " + dataDir + ": " + e.getMessage(), e);
        }
    }

    private void migrate(HikariDataSource pool) {
        migrate(Flyway.configure(H2Database.class.getClassLoader()).dataSource(pool));
    }

    private void migrate(FluentConfiguration configuration) {
        try {
            configuration.locations(MIGRATIONS)
                    .table(HISTORY_TABLE)
                    .failOnMissingLocations(true)
                    .load()
                    .migrate();
        } catch (FlywayException e) {
            throw new StoreException("could not bring the schema of database " + dataDir + " up to version "
                    + LATEST_SCHEMA_VERSION + ": " + e.getMessage() + ". Restore the database from a backup or use "
                    + "another data directory.", e);
        }
    }

    private static void closeQuietly(Connection c, Exception cause) {
        try {
            c.close();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }
}
