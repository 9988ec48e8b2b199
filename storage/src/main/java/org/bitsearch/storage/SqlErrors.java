package org.bitsearch.storage;

import org.h2.api.ErrorCode;

import java.nio.file.Path;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;

/**
 * Turns H2's and the pool's {@link SQLException}s into {@link StoreException}s whose message says what the store
 * was doing, what went wrong and what to do about it. Stateless apart from the data directory it names.
 */
final class SqlErrors {
    private final Path dataDir;

    SqlErrors(Path dataDir) { this.dataDir = dataDir; }

    StoreException translate(String what, SQLException e) {
        return new StoreException("Could not " + what + ": " + explain(e), e);
    }

    /** The part of the message that says what happened and what to do. */
    String explain(SQLException e) {
        Path file = H2SearchStore.databaseFile(dataDir);
        return switch (e.getErrorCode()) {
            case ErrorCode.DATABASE_ALREADY_OPEN_1 -> "database " + dataDir + " is in use by another bitsearch process. "
                    + "Stop that process (or point the dashboard at its HTTP API) and try again, or use another data directory.";
            case ErrorCode.FILE_CORRUPTED_1 -> "the database file " + file + " is corrupted (" + firstLine(e) + "). "
                    + "Restore it from a backup or move it away to start afresh; bitsearch has not changed it.";
            case ErrorCode.FILE_VERSION_ERROR_1 -> "the database file " + file + " was written by an H2 version this "
                    + "bitsearch cannot read (" + firstLine(e) + "). Use the bitsearch version that wrote it, or move it away.";
            case ErrorCode.LOCK_TIMEOUT_1, ErrorCode.DEADLOCK_1 -> "the database was busy with another write and the lock "
                    + "timed out (" + firstLine(e) + "). Retry the operation; if it keeps happening, report a bug.";
            case ErrorCode.DATABASE_IS_CLOSED, ErrorCode.OBJECT_CLOSED -> "the store is closed. Open it again with "
                    + "H2SearchStore.open(dataDir).";
            case ErrorCode.DATABASE_IS_READ_ONLY -> "the database " + file + " is read-only. Make the file and its "
                    + "directory writable, or use another data directory.";
            case ErrorCode.IO_EXCEPTION_1, ErrorCode.IO_EXCEPTION_2 -> "the database file " + file + " could not be "
                    + "read or written (" + firstLine(e) + "). Check the disk (space, permissions) and try again.";
            default -> {
                if (e instanceof SQLTransientConnectionException)
                    yield "no database connection became free in time (" + firstLine(e) + "). The store may be "
                            + "closed or overloaded; retry, and close stores you no longer use.";
                if (e.getMessage() != null && e.getMessage().contains("has been closed"))
                    yield "the store is closed. Open it again with H2SearchStore.open(dataDir).";
                yield firstLine(e) + " (SQL state " + e.getSQLState() + ", H2 code " + e.getErrorCode()
                        + "). This is unexpected; please report it with this message.";
            }
        };
    }

    private static String firstLine(SQLException e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int nl = m.indexOf('\n');
        return (nl < 0 ? m : m.substring(0, nl)).strip();
    }
}
