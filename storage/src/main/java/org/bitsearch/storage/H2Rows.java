package org.bitsearch.storage;

import org.bitsearch.search.trial.Candidate;
import org.bitsearch.search.trial.Decision;
import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.search.trial.TrialState;
import org.bitsearch.search.trial.Verdict;

import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Maps the rows of the H2 schema (db/migration) to the store's records, and checkpoint paths to their stored
 * form. Stateless apart from the data directory; thread-safe.
 */
final class H2Rows {
    private final Path dataDir;
    private final CandidateJson json;

    H2Rows(Path dataDir, CandidateJson json) {
        this.dataDir = dataDir;
        this.json = json;
    }

    /** Checkpoint paths inside the data directory are stored relative to it, so the directory can be moved. */
    String storedPath(Path path) {
        Path abs = path.toAbsolutePath().normalize();
        return abs.startsWith(dataDir) ? dataDir.relativize(abs).toString() : abs.toString();
    }

    SearchRow search(ResultSet rs) throws SQLException {
        return new SearchRow(rs.getLong("id"), rs.getString("name"), rs.getString("spec_json"), rs.getLong("seed"),
                SearchState.valueOf(rs.getString("state")), rs.getString("message"),
                Jdbc.instant(rs, "created_at"), Jdbc.instant(rs, "updated_at"));
    }

    TrialRow trial(ResultSet rs) throws SQLException {
        long searchId = rs.getLong("search_id");
        int number = rs.getInt("number");
        Candidate candidate = json.candidate(rs.getString("params"), rs.getString("bits"), rs.getString("activation_bits"),
                "trial " + number + " of search " + searchId);
        return new TrialRow(searchId, number, candidate, rs.getLong("seed"), rs.getLong("size_bits"),
                TrialState.valueOf(rs.getString("state")), rs.getInt("attempts"), rs.getString("error"), rs.getString("finish_reason"),
                rs.getString("device"), Jdbc.optionalDouble(rs, "test_accuracy"),
                Jdbc.instant(rs, "created_at"), Jdbc.instant(rs, "updated_at"));
    }

    static EpochMetrics metrics(ResultSet rs) throws SQLException {
        return new EpochMetrics(rs.getInt("epoch"), rs.getDouble("val_accuracy"), rs.getDouble("val_loss"),
                rs.getDouble("train_loss"), rs.getDouble("seconds"), rs.getDouble("samples_per_second"));
    }

    static ReportRow report(ResultSet rs) throws SQLException {
        return new ReportRow(rs.getLong("search_id"), rs.getInt("number"), rs.getLong("seq"), metrics(rs));
    }

    static Verdict verdict(ResultSet rs) throws SQLException {
        return new Verdict(Decision.valueOf(rs.getString("decision")), rs.getInt("rung"), rs.getString("reason"));
    }

    CheckpointRow checkpoint(ResultSet rs) throws SQLException {
        return new CheckpointRow(rs.getLong("search_id"), rs.getInt("number"), rs.getInt("epoch"),
                dataDir.resolve(rs.getString("path")));
    }

    static ParetoRow pareto(ResultSet rs) throws SQLException {
        return new ParetoRow(rs.getLong("search_id"), rs.getInt("number"), rs.getDouble("val_accuracy"),
                rs.getLong("size_bits"), Jdbc.optionalDouble(rs, "test_accuracy"));
    }
}
