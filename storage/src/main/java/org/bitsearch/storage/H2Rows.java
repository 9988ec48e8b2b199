package org.bitsearch.storage;

import org.bitsearch.search.trial.Candidate;
import org.bitsearch.search.trial.Decision;
import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.search.trial.TrialState;
import org.bitsearch.search.trial.Verdict;

import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

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
                Jdbc.instant(rs, "created_at"), Jdbc.instant(rs, "updated_at"), learnedBits(rs.getString("learned_bits")));
    }

    static EpochMetrics metrics(ResultSet rs) throws SQLException {
        double val = rs.getDouble("val_accuracy");
        // reports recorded before schema version 5 have no current accuracy: their current model was the target
        double current = Jdbc.optionalDouble(rs, "current_accuracy").orElse(val);
        return new EpochMetrics(rs.getInt("epoch"), val, rs.getDouble("val_loss"),
                rs.getDouble("train_loss"), rs.getDouble("seconds"), rs.getDouble("samples_per_second"), current,
                learnedBits(rs.getString("learned_bits")));
    }

    /** The learned_bits column (V4): a JSON array of bit-widths, or null (no learned bits). */
    static List<Integer> learnedBits(String json) {
        if (json == null) return List.of();
        String body = json.trim();
        if (!body.startsWith("[") || !body.endsWith("]")) throw new StoreException("learned_bits is not a JSON array: " + json);
        body = body.substring(1, body.length() - 1).trim();
        if (body.isEmpty()) return List.of();
        List<Integer> out = new ArrayList<>();
        for (String part : body.split(",")) {
            try {
                out.add(Integer.parseInt(part.trim()));
            } catch (NumberFormatException e) {
                throw new StoreException("learned_bits holds '" + part.trim() + "', not a bit-width: " + json);
            }
        }
        return out;
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
