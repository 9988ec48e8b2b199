package org.bitsearch.storage;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The small helpers every SQL statement of the store goes through: a unit of work runs on one pooled
 * connection, either as a read (auto-commit, one statement is one consistent read), a snapshot (several
 * statements that see one consistent state of the whole database) or a write transaction (committed at the end,
 * rolled back on any failure). Parameters are always bound, never concatenated into SQL.
 *
 * <p>Thread-safe: every unit of work takes its own connection from the pool.
 */
final class Jdbc {

    /** H2's own isolation level SNAPSHOT (org.h2.engine.Constants.TRANSACTION_SNAPSHOT): one snapshot for all tables. */
    static final int TRANSACTION_SNAPSHOT = 6;

    /** A JSON text to bind to a {@code ? FORMAT JSON} parameter. */
    record Json(String text) {}

    /** A typed SQL NULL. */
    record Null(int sqlType) {}

    @FunctionalInterface
    interface Work<T> { T run(Tx tx) throws SQLException; }

    @FunctionalInterface
    interface RowMapper<T> { T map(ResultSet rs) throws SQLException; }

    /** How a write transaction is committed (a plain {@code commit()}, or through {@link H2FileGuard#commit}). */
    @FunctionalInterface
    interface Committer { void commit(Connection c) throws SQLException; }

    private final DataSource dataSource;
    private final SqlErrors errors;
    private final Committer committer;

    /** Write transactions are committed by {@code committer}; reads and snapshots by a plain commit. */
    Jdbc(DataSource dataSource, SqlErrors errors, Committer committer) {
        this.dataSource = dataSource;
        this.errors = errors;
        this.committer = committer;
    }

    /** Runs single-statement reads in auto-commit mode. {@code what} names the operation for error messages. */
    <T> T read(Supplier<String> what, Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            return work.run(new Tx(c));
        } catch (SQLException e) {
            throw errors.translate(what.get(), e);
        }
    }

    /** Runs several reads in one read-only transaction that sees one consistent snapshot of the database. */
    <T> T snapshot(Supplier<String> what, Work<T> work) {
        return transaction(what, TRANSACTION_SNAPSHOT, Connection::commit, work);
    }

    /** Runs a write transaction: committed if {@code work} returns, rolled back if it throws. */
    <T> T write(Supplier<String> what, Work<T> work) {
        return transaction(what, -1, committer, work);
    }

    /** One transaction at {@code isolation} (-1: the pool's default), committed by {@code commit} if {@code work} returns. */
    private <T> T transaction(Supplier<String> what, int isolation, Committer commit, Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            if (isolation >= 0) c.setTransactionIsolation(isolation);
            c.setAutoCommit(false);
            try {
                T result = work.run(new Tx(c));
                commit.commit(c);
                return result;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c, e);
                throw e;
            }
        } catch (SQLException e) {
            throw errors.translate(what.get(), e);
        }
    }

    private static void rollbackQuietly(Connection c, Exception cause) {
        try {
            c.rollback();
        } catch (SQLException suppressed) {
            cause.addSuppressed(suppressed);
        }
    }

    /** Statements on one connection (inside one unit of work). */
    static final class Tx {
        private final Connection connection;

        private Tx(Connection connection) { this.connection = connection; }

        <T> List<T> query(String sql, RowMapper<T> mapper, Object... args) throws SQLException {
            try (PreparedStatement ps = prepare(sql, args); ResultSet rs = ps.executeQuery()) {
                List<T> rows = new ArrayList<>();
                while (rs.next()) rows.add(mapper.map(rs));
                return rows;
            }
        }

        <T> Optional<T> queryOne(String sql, RowMapper<T> mapper, Object... args) throws SQLException {
            List<T> rows = query(sql, mapper, args);
            if (rows.size() > 1) throw new SQLException("expected at most one row, got " + rows.size() + " from: " + sql);
            return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
        }

        int update(String sql, Object... args) throws SQLException {
            try (PreparedStatement ps = prepare(sql, args)) {
                return ps.executeUpdate();
            }
        }

        /** Executes an INSERT and returns the generated key of column {@code keyColumn}. */
        long insertReturningKey(String sql, String keyColumn, Object... args) throws SQLException {
            try (PreparedStatement ps = connection.prepareStatement(sql, new String[] {keyColumn})) {
                bind(ps, args);
                ps.executeUpdate();
                try (ResultSet keys = ps.getGeneratedKeys()) {
                    if (!keys.next()) throw new SQLException("no generated key from: " + sql);
                    return keys.getLong(1);
                }
            }
        }

        private PreparedStatement prepare(String sql, Object[] args) throws SQLException {
            PreparedStatement ps = connection.prepareStatement(sql);
            try {
                bind(ps, args);
                return ps;
            } catch (SQLException | RuntimeException e) {
                ps.close();
                throw e;
            }
        }

        private static void bind(PreparedStatement ps, Object[] args) throws SQLException {
            for (int i = 0; i < args.length; i++) {
                Object a = args[i];
                int p = i + 1;
                if (a == null) throw new IllegalArgumentException("parameter " + p + " is null; bind a Jdbc.Null(type) instead");
                else if (a instanceof Null n) ps.setNull(p, n.sqlType());
                else if (a instanceof Json j) ps.setString(p, j.text());
                else if (a instanceof String s) ps.setString(p, s);
                else if (a instanceof Long l) ps.setLong(p, l);
                else if (a instanceof Integer n) ps.setInt(p, n);
                else if (a instanceof Double d) ps.setDouble(p, d);
                else if (a instanceof Boolean b) ps.setBoolean(p, b);
                else if (a instanceof Instant t) ps.setObject(p, OffsetDateTime.ofInstant(t, ZoneOffset.UTC), Types.TIMESTAMP_WITH_TIMEZONE);
                else if (a instanceof Enum<?> e) ps.setString(p, e.name());
                else throw new IllegalArgumentException("parameter " + p + " has unsupported type " + a.getClass().getName());
            }
        }
    }

    /** Reads a TIMESTAMP WITH TIME ZONE column as an Instant. */
    static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    /** Reads a nullable DOUBLE column. */
    static Optional<Double> optionalDouble(ResultSet rs, String column) throws SQLException {
        double d = rs.getDouble(column);
        return rs.wasNull() ? Optional.empty() : Optional.of(d);
    }

    /** Binds an optional double as a value or a typed NULL. */
    static Object nullableDouble(Optional<Double> value) {
        return value.<Object>map(d -> d).orElse(new Null(Types.DOUBLE));
    }
}
