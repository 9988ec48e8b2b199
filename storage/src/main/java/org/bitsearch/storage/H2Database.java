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
     * H2's MVStore writes every commit (WRITE_DELAY=0) as a new chunk and keeps the space of dead chunks for
     * RETENTION_TIME before reusing it; with a commit per epoch report a fast search grows the file by ~24-45 KB per
     * report for that long (72.6 MB while 3,000 reports were written within a minute; 10.9 MB after close). A 1 s
     * retention kept the file at a few MB, but the crash test (H2CrashTest, SIGKILL at random moments) then lost an
     * acknowledged write in one of two runs (likely: the reused space still held the last fully written version recovery
     * falls back to). Crash safety comes first, so this is H2's default (45 s); the file's growth while running is
     * bounded by 45 s worth of writes, not by a size.
     */
    static final int RETENTION_MILLIS = 45000;

    /** What {@link #open} hands to the store: the connection that keeps the database open, and the pool. */
    record Opened(Connection keeper, HikariDataSource pool) {}

    private final Path dataDir;
    private final SqlErrors errors;

    private H2Database(Path dataDir) {
        this.dataDir = dataDir;
        this.errors = new SqlErrors(dataDir);
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
        return new H2Database(dataDir).open();
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
        } else {
            createFresh(file); // comes with the latest schema
        }
        Connection keeper = connect(url(FILE_BASE, ""), "open the database in " + dataDir);
        HikariDataSource pool = null;
        try {
            pool = pool();
            if (existing) migrate(pool);
            return new Opened(keeper, pool);
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
        return "jdbc:h2:file:" + dataDir.resolve(fileBase) + ";WRITE_DELAY=0;LOCK_TIMEOUT=10000;DB_CLOSE_ON_EXIT=FALSE;RETENTION_TIME=" + RETENTION_MILLIS + extra;
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
