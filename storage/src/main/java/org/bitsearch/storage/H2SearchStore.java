package org.bitsearch.storage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import org.bitsearch.search.engine.ReportRef;
import org.bitsearch.search.space.BitAllocation;
import org.bitsearch.search.trial.Candidate;
import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.search.trial.TrialRecord;
import org.bitsearch.search.trial.TrialState;
import org.bitsearch.search.trial.Verdict;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@link SearchStore} on an embedded H2 database in file mode: {@code dataDir/bitsearch.mv.db}, no server to start.
 *
 * <h2>Opening and closing</h2>
 * {@link #open(Path)} creates the data directory if needed, checks an existing file without changing it (H2
 * header, bitsearch schema, not written by a newer bitsearch), then migrates the schema with Flyway
 * ({@code db/migration/V*.sql}). {@link #close()} releases the pool and the database file; it is idempotent.
 * Checkpoint files live beside the database, under {@code dataDir/checkpoints/}, written by the trainers.
 *
 * <h2>Threads and processes</h2>
 * Thread-safe. Every call takes its own connection from a HikariCP pool; H2's MVStore gives readers a
 * multi-version view, so the HTTP API reads from many threads while a search writes, without locking errors.
 * Writes that touch a search's counters lock that search's row first, then the trial's row (one order, no
 * deadlocks). Only <b>one process</b> may open a data directory: a second process gets a {@link StoreException}
 * saying the database is in use by another bitsearch process and what to do (H2's file lock; we deliberately do
 * not use AUTO_SERVER, which would open a TCP server). Inside one JVM, two stores on the same directory share one
 * H2 database.
 *
 * <h2>Durability</h2>
 * Every write method is one transaction and returns after its commit reached the file ({@code WRITE_DELAY=0}),
 * so a process killed with SIGKILL loses no returned write (after each commit the store header names the newest
 * chunk, see {@link H2FileGuard}); the file is synced every 32 commits or after a second, not on each commit, so an
 * OS crash or power cut may lose the commits since the last sync. {@link H2FileGuard} also keeps the file bounded
 * while the store is open (about 2 MB after 3,000 reports; it grew by ~45 KB per report before). H2's shutdown hook is off: on a graceful
 * shutdown, record the final states and then call {@link #close()} last (a JVM that exits without closing loses
 * nothing committed either; the next open just takes a little longer).
 *
 * <h2>Write-ahead rules enforced here</h2>
 * <ul>
 *   <li>trial numbers of a search are 0, 1, 2, ... without gaps; {@link #createTrial} refuses a gap;</li>
 *   <li>a trial's report epochs are 1..n without gaps; a different report for an already recorded epoch is a
 *       re-run from a checkpoint and replaces that epoch and every later one (and a checkpoint past it);</li>
 *   <li>a checkpoint may not be ahead of the trial's last recorded report;</li>
 *   <li>every update of a trial carries {@code WHERE state IN ('PENDING', 'RUNNING', 'INTERRUPTED')}: a finished trial is never
 *       changed again (except its test accuracy, which is measured after it finished).</li>
 * </ul>
 * Writes to a trial or search that does not exist are programming errors and throw; writes to a finished trial
 * return false, as {@link SearchStore} says.
 */
public final class H2SearchStore implements SearchStore {

    private static final String UNFINISHED = "('PENDING', 'RUNNING', 'INTERRUPTED')";
    private static final String TRIAL_COLUMNS = "search_id, number, params, bits, activation_bits, seed, size_bits, state, attempts, "
            + "error, finish_reason, device, test_accuracy, created_at, updated_at, learned_bits";
    private static final String SEARCH_COLUMNS = "id, name, spec_json, seed, state, message, created_at, updated_at";

    private final Path dataDir;
    private final Connection keeper;
    private final HikariDataSource pool;
    private final H2FileGuard guard;
    private final Jdbc jdbc;
    private final Clock clock;
    private final CandidateJson json = new CandidateJson();
    private final H2Rows rows;
    private final ObjectMapper specMapper = new ObjectMapper();
    private final Object closeLock = new Object();
    private boolean closed;

    private H2SearchStore(Path dataDir, H2Database.Opened opened, Clock clock) {
        this.dataDir = dataDir;
        this.keeper = opened.keeper();
        this.pool = opened.pool();
        this.guard = opened.guard();
        this.jdbc = new Jdbc(pool, new SqlErrors(dataDir), guard::commit);
        this.clock = clock;
        this.rows = new H2Rows(dataDir, json);
    }

    /**
     * Opens (creating if needed) the store in {@code dataDir}, i.e. {@code dataDir/bitsearch.mv.db}, and migrates
     * its schema. Throws {@link StoreException} if the directory cannot be used, the file is not a bitsearch
     * database, was written by a newer bitsearch, or is in use by another process; nothing is changed then.
     */
    /** Whether {@code dataDir} holds a bitsearch database file (nothing is opened or created). */
    public static boolean exists(Path dataDir) {
        return Files.isRegularFile(dataDir.resolve(H2Database.FILE_NAME));
    }

    public static H2SearchStore open(Path dataDir) {
        return open(dataDir, Clock.systemUTC());
    }

    /** As {@link #open(Path)}, with the clock that stamps created/updated times. */
    public static H2SearchStore open(Path dataDir, Clock clock) {
        return open(dataDir, clock, H2Database.RETENTION_MILLIS);
    }

    /** As {@link #open(Path, Clock)}, with H2's retention time (tests use 0: H2 reuses dead space at once). */
    static H2SearchStore open(Path dataDir, Clock clock, int retentionMillis) {
        if (clock == null) throw new StoreException("clock is null, but must be given");
        Path dir = H2Database.normalise(dataDir);
        return new H2SearchStore(dir, H2Database.open(dir, retentionMillis), clock);
    }

    /** The database file of a data directory ({@code dataDir/bitsearch.mv.db}). */
    public static Path databaseFile(Path dataDir) {
        return dataDir.resolve(H2Database.FILE_NAME);
    }

    /** The absolute data directory this store was opened on. */
    public Path dataDir() { return dataDir; }

    /** Where trainers should write checkpoint files: {@code dataDir/checkpoints} (not created here). */
    public Path checkpointDir() { return dataDir.resolve("checkpoints"); }

    // ---- searches -------------------------------------------------------------------------------------------

    @Override
    public SearchRow createSearch(String name, String specJson, long seed) {
        if (name == null || name.isBlank()) throw new StoreException("search name is blank, but must name the search");
        if (name.length() > 200) throw new StoreException("search name has " + name.length() + " characters, but must have at most 200");
        requireJsonObject(specJson);
        Instant now = clock.instant();
        return jdbc.write(() -> "create search '" + name + "'", tx -> {
            long id = tx.insertReturningKey("INSERT INTO search (name, spec_json, seed, state, message, created_at, updated_at) "
                    + "VALUES (?, ?, ?, ?, '', ?, ?)", "ID", name, specJson, seed, SearchState.RUNNING, now, now);
            return tx.queryOne("SELECT " + SEARCH_COLUMNS + " FROM search WHERE id = ?", rows::search, id).orElseThrow();
        });
    }

    @Override
    public Optional<SearchRow> search(long id) {
        return jdbc.read(() -> "read search " + id,
                tx -> tx.queryOne("SELECT " + SEARCH_COLUMNS + " FROM search WHERE id = ?", rows::search, id));
    }

    @Override
    public List<SearchRow> searches() {
        return jdbc.read(() -> "list searches",
                tx -> tx.query("SELECT " + SEARCH_COLUMNS + " FROM search ORDER BY id DESC", rows::search));
    }

    @Override
    public boolean setSearchState(long id, SearchState state, String message) {
        if (state == null) throw new StoreException("state is null, but must be one of RUNNING, STOPPED, COMPLETED, FAILED");
        String msg = message == null ? "" : message;
        Instant now = clock.instant();
        return jdbc.write(() -> "set search " + id + " to " + state, tx ->
                tx.update("UPDATE search SET state = ?, message = ?, updated_at = ? WHERE id = ?", state, msg, now, id) == 1);
    }

    @Override
    public List<Long> interruptedSearches() {
        return jdbc.read(() -> "list interrupted searches",
                tx -> tx.query("SELECT id FROM search WHERE state = ? ORDER BY id", rs -> rs.getLong(1), SearchState.RUNNING));
    }

    // ---- trials ---------------------------------------------------------------------------------------------

    @Override
    public TrialRow createTrial(long searchId, int number, Candidate candidate, long seed, long sizeBits) {
        if (number < 0) throw new StoreException("trial number is " + number + ", but must be >= 0");
        if (candidate == null) throw new StoreException("candidate of trial " + number + " is null, but must be given");
        if (sizeBits <= 0) throw new StoreException("sizeBits of trial " + number + " is " + sizeBits + ", but must be > 0");
        String params = json.params(candidate);
        String bits = json.bits(candidate.bits());
        String activationBits = candidate.activationBits().map(json::bits).orElse(null);
        Candidate asStored = json.normalise(candidate);
        Instant now = clock.instant();
        return jdbc.write(() -> "create trial " + number + " of search " + searchId, tx -> {
            lockSearch(tx, searchId);
            Optional<TrialRow> existing = selectTrial(tx, searchId, number);
            if (existing.isPresent()) {
                TrialRow t = existing.get();
                if (t.candidate().equals(asStored) && t.seed() == seed && t.sizeBits() == sizeBits) return t;
                throw new StoreException("trial " + number + " of search " + searchId + " already exists with "
                        + "candidate " + t.candidate() + ", seed " + t.seed() + ", size " + t.sizeBits() + " bits, but was "
                        + "written again with candidate " + candidate + ", seed " + seed + ", size " + sizeBits + " bits. "
                        + "A trial number is never reused: propose the new candidate under the next free number.");
            }
            int next = tx.queryOne("SELECT COALESCE(MAX(number) + 1, 0) FROM trial WHERE search_id = ?",
                    rs -> rs.getInt(1), searchId).orElseThrow();
            if (number != next)
                throw new StoreException("trial number " + number + " of search " + searchId + " would leave a gap: "
                        + "the next free number is " + next + " (trial numbers run 0, 1, 2, ... without gaps).");
            tx.update("INSERT INTO trial (search_id, number, params, bits, activation_bits, seed, size_bits, state, attempts, created_at, updated_at) "
                    + "VALUES (?, ?, ? FORMAT JSON, ? FORMAT JSON, ? FORMAT JSON, ?, ?, ?, 0, ?, ?)",
                    searchId, number, new Jdbc.Json(params), new Jdbc.Json(bits), new Jdbc.Json(activationBits), seed, sizeBits,
                    TrialState.PENDING, now, now);
            return selectTrial(tx, searchId, number).orElseThrow();
        });
    }

    @Override
    public boolean markRunning(long searchId, int number, String device) {
        String dev = device == null ? "" : device;
        Instant now = clock.instant();
        return jdbc.write(() -> "mark trial " + number + " of search " + searchId + " running", tx -> {
            int n = tx.update("UPDATE trial SET state = ?, device = ?, attempts = attempts + 1, updated_at = ? "
                    + "WHERE search_id = ? AND number = ? AND state IN " + UNFINISHED,
                    TrialState.RUNNING, dev, now, searchId, number);
            return n == 1 || requireTrialExists(tx, searchId, number);
        });
    }

    @Override
    public boolean markInterrupted(long searchId, int number) {
        Instant now = clock.instant();
        return jdbc.write(() -> "mark trial " + number + " of search " + searchId + " interrupted", tx -> {
            int n = tx.update("UPDATE trial SET state = ?, updated_at = ? WHERE search_id = ? AND number = ? AND state = ?",
                    TrialState.INTERRUPTED, now, searchId, number, TrialState.RUNNING);
            if (n == 1) return true;
            requireTrialExists(tx, searchId, number);
            return false;
        });
    }

    @Override
    public int interruptRunningTrials(long searchId) {
        Instant now = clock.instant();
        return jdbc.write(() -> "mark the running trials of search " + searchId + " interrupted", tx ->
                tx.update("UPDATE trial SET state = ?, updated_at = ? WHERE search_id = ? AND state = ?",
                        TrialState.INTERRUPTED, now, searchId, TrialState.RUNNING));
    }

    @Override
    public boolean recordReport(long searchId, int number, EpochMetrics metrics, Verdict verdict, long sizeBits) {
        if (sizeBits < 0) throw new StoreException("sizeBits of trial " + number + " is " + sizeBits + ", but must be >= 0 (0 = unchanged)");
        if (metrics == null || verdict == null) throw new StoreException("metrics and verdict of trial " + number + " must not be null");
        int epoch = metrics.epoch();
        Instant now = clock.instant();
        return jdbc.write(() -> "record the epoch " + epoch + " report of trial " + number + " of search " + searchId, tx -> {
            long lastSeq = lockSearch(tx, searchId);
            if (!lockUnfinishedTrial(tx, searchId, number)) return false;
            Optional<EpochMetrics> same = tx.queryOne("SELECT * FROM report WHERE search_id = ? AND number = ? AND epoch = ?",
                    H2Rows::metrics, searchId, number, epoch);
            if (same.isPresent()) {
                Optional<Verdict> sameVerdict = tx.queryOne("SELECT * FROM rung_decision WHERE search_id = ? AND number = ? AND epoch = ?",
                        H2Rows::verdict, searchId, number, epoch);
                if (same.get().equals(metrics) && sameVerdict.equals(Optional.of(verdict))) return true; // a replay
                // a re-run of this epoch (resumed from an earlier checkpoint): it replaces this epoch and all later ones
                tx.update("DELETE FROM report WHERE search_id = ? AND number = ? AND epoch >= ?", searchId, number, epoch);
                tx.update("DELETE FROM checkpoint WHERE search_id = ? AND number = ? AND epoch >= ?", searchId, number, epoch);
            }
            int lastEpoch = lastEpoch(tx, searchId, number);
            if (epoch != lastEpoch + 1)
                throw new StoreException("the report for epoch " + epoch + " of trial " + number + " of search " + searchId
                        + " would leave a gap: epochs 1.." + lastEpoch + " are recorded, so the next report must be for epoch "
                        + (lastEpoch + 1) + ".");
            long seq = lastSeq + 1;
            tx.update("UPDATE search SET report_seq = ? WHERE id = ?", seq, searchId);
            String learned = metrics.hasLearnedBits() ? json.bits(new BitAllocation(metrics.learnedBits())) : null;
            tx.update("INSERT INTO report (search_id, number, epoch, seq, val_accuracy, val_loss, train_loss, seconds, "
                    + "samples_per_second, current_accuracy, recorded_at, learned_bits) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FORMAT JSON)",
                    searchId, number, epoch, seq, metrics.valAccuracy(), metrics.valLoss(), metrics.trainLoss(),
                    metrics.seconds(), metrics.samplesPerSecond(), metrics.currentAccuracy(), now,
                    learned != null ? learned : new Jdbc.Null(Types.VARCHAR));
            if (learned != null && sizeBits > 0)
                tx.update("UPDATE trial SET learned_bits = ? FORMAT JSON, size_bits = ? WHERE search_id = ? AND number = ?",
                        learned, sizeBits, searchId, number);
            tx.update("INSERT INTO rung_decision (search_id, number, epoch, decision, rung, reason) VALUES (?, ?, ?, ?, ?, ?)",
                    searchId, number, epoch, verdict.decision(), verdict.rung(), verdict.reason());
            tx.update("UPDATE trial SET updated_at = ? WHERE search_id = ? AND number = ? AND state IN " + UNFINISHED,
                    now, searchId, number);
            return true;
        });
    }

    @Override
    public boolean recordCheckpoint(long searchId, int number, int epoch, Path path) {
        if (epoch < 0) throw new StoreException("checkpoint epoch of trial " + number + " is " + epoch + ", but must be >= 0");
        if (path == null) throw new StoreException("checkpoint path of trial " + number + " is null, but must be given");
        String stored = rows.storedPath(path);
        Instant now = clock.instant();
        return jdbc.write(() -> "record the epoch " + epoch + " checkpoint of trial " + number + " of search " + searchId, tx -> {
            if (!lockUnfinishedTrial(tx, searchId, number)) return false;
            int lastEpoch = lastEpoch(tx, searchId, number);
            if (epoch > lastEpoch)
                throw new StoreException("the checkpoint of trial " + number + " of search " + searchId + " is for epoch "
                        + epoch + ", ahead of its last recorded report (epoch " + lastEpoch + "); record each epoch's "
                        + "report before its checkpoint.");
            tx.update("MERGE INTO checkpoint (search_id, number, epoch, path, recorded_at) KEY (search_id, number) "
                    + "VALUES (?, ?, ?, ?, ?)", searchId, number, epoch, stored, now);
            return true;
        });
    }

    @Override
    public boolean finishTrial(long searchId, int number, TrialState state, String reason) {
        if (state == null || !state.isFinished())
            throw new StoreException("finishTrial state is " + state + ", but must be COMPLETED, PRUNED or FAILED");
        String why = reason == null ? "" : reason;
        Instant now = clock.instant();
        return jdbc.write(() -> "finish trial " + number + " of search " + searchId + " as " + state, tx -> {
            int n = tx.update("UPDATE trial SET state = ?, finish_reason = ?, "
                    + "error = CASE WHEN ? = 'FAILED' THEN ? ELSE error END, finished_at = ?, updated_at = ? "
                    + "WHERE search_id = ? AND number = ? AND state IN " + UNFINISHED,
                    state, why, state, why, now, now, searchId, number);
            if (n == 1) return true;
            requireTrialExists(tx, searchId, number);
            return false;
        });
    }

    @Override
    public boolean recordRetry(long searchId, int number, String error) {
        String err = error == null ? "" : error;
        Instant now = clock.instant();
        return jdbc.write(() -> "record a retry of trial " + number + " of search " + searchId, tx -> {
            int n = tx.update("UPDATE trial SET error = ?, updated_at = ? WHERE search_id = ? AND number = ? AND state IN "
                    + UNFINISHED, err, now, searchId, number);
            if (n == 1) return true;
            requireTrialExists(tx, searchId, number);
            return false;
        });
    }

    /** Allowed only on a finished trial (the one change a finished trial accepts); false on an unfinished one. */
    @Override
    public boolean setTestAccuracy(long searchId, int number, double testAccuracy) {
        if (!(testAccuracy >= 0 && testAccuracy <= 1))
            throw new StoreException("testAccuracy of trial " + number + " is " + testAccuracy + ", but must be in [0, 1]");
        Instant now = clock.instant();
        return jdbc.write(() -> "set the test accuracy of trial " + number + " of search " + searchId, tx -> {
            int n = tx.update("UPDATE trial SET test_accuracy = ?, updated_at = ? WHERE search_id = ? AND number = ? "
                    + "AND state NOT IN " + UNFINISHED, testAccuracy, now, searchId, number);
            if (n == 1) return true;
            requireTrialExists(tx, searchId, number);
            return false;
        });
    }

    @Override
    public Optional<TrialRow> trial(long searchId, int number) {
        return jdbc.read(() -> "read trial " + number + " of search " + searchId, tx -> selectTrial(tx, searchId, number));
    }

    @Override
    public List<TrialRow> trials(long searchId) {
        return jdbc.read(() -> "list the trials of search " + searchId, tx -> selectTrials(tx, searchId));
    }

    @Override
    public List<ReportRow> reports(long searchId, int number) {
        return jdbc.read(() -> "read the reports of trial " + number + " of search " + searchId,
                tx -> tx.query("SELECT * FROM report WHERE search_id = ? AND number = ? ORDER BY epoch",
                        H2Rows::report, searchId, number));
    }

    @Override
    public List<ReportRow> reports(long searchId) {
        return jdbc.read(() -> "read the reports of search " + searchId,
                tx -> tx.query("SELECT * FROM report WHERE search_id = ? ORDER BY seq", H2Rows::report, searchId));
    }

    @Override
    public List<RungDecisionRow> decisions(long searchId, int number) {
        return jdbc.read(() -> "read the pruner decisions of trial " + number + " of search " + searchId,
                tx -> tx.query("SELECT * FROM rung_decision WHERE search_id = ? AND number = ? ORDER BY epoch",
                        rs -> new RungDecisionRow(rs.getLong("search_id"), rs.getInt("number"), rs.getInt("epoch"), H2Rows.verdict(rs)),
                        searchId, number));
    }

    @Override
    public List<DecidedReport> reportsWithDecisions(long searchId) {
        return jdbc.read(() -> "read the reports and verdicts of search " + searchId,
                tx -> tx.query("SELECT r.*, d.decision, d.rung, d.reason FROM report r LEFT JOIN rung_decision d "
                                + "ON d.search_id = r.search_id AND d.number = r.number AND d.epoch = r.epoch "
                                + "WHERE r.search_id = ? ORDER BY r.seq",
                        rs -> new DecidedReport(H2Rows.report(rs),
                                rs.getString("decision") == null ? Optional.empty() : Optional.of(H2Rows.verdict(rs))),
                        searchId));
    }

    /** Counts by state plus the best finite accuracy (NaN sorts above +infinity in H2, so the range excludes it). */
    private static final String COUNTS_SQL = "SELECT t.search_id, COUNT(*), "
            + "SUM(CASE WHEN t.state = 'PENDING' THEN 1 ELSE 0 END), SUM(CASE WHEN t.state = 'RUNNING' THEN 1 ELSE 0 END), "
            + "SUM(CASE WHEN t.state = 'INTERRUPTED' THEN 1 ELSE 0 END), "
            + "SUM(CASE WHEN t.state = 'COMPLETED' THEN 1 ELSE 0 END), SUM(CASE WHEN t.state = 'PRUNED' THEN 1 ELSE 0 END), "
            + "SUM(CASE WHEN t.state = 'FAILED' THEN 1 ELSE 0 END), "
            + "(SELECT MAX(r.val_accuracy) FROM report r WHERE r.search_id = t.search_id "
            + "AND r.val_accuracy >= -1.0E300 AND r.val_accuracy <= 1.0E300) "
            + "FROM trial t ";

    private static TrialCounts counts(ResultSet rs) throws SQLException {
        double best = rs.getDouble(9);
        Optional<Double> bestAcc = rs.wasNull() ? Optional.empty() : Optional.of(best);
        return new TrialCounts(rs.getLong(1), rs.getInt(2), rs.getInt(3), rs.getInt(4), rs.getInt(5), rs.getInt(6),
                rs.getInt(7), rs.getInt(8), bestAcc);
    }

    @Override
    public TrialCounts trialCounts(long searchId) {
        return jdbc.read(() -> "count the trials of search " + searchId,
                tx -> tx.queryOne(COUNTS_SQL + "WHERE t.search_id = ? GROUP BY t.search_id", H2SearchStore::counts, searchId))
                .orElse(TrialCounts.none(searchId));
    }

    @Override
    public Map<Long, TrialCounts> trialCounts() {
        return jdbc.read(() -> "count the trials of every search", tx -> {
            Map<Long, TrialCounts> all = new LinkedHashMap<>();
            for (TrialCounts c : tx.query(COUNTS_SQL + "GROUP BY t.search_id ORDER BY t.search_id", H2SearchStore::counts))
                all.put(c.searchId(), c);
            return all;
        });
    }

    @Override
    public Optional<CheckpointRow> latestCheckpoint(long searchId, int number) {
        return jdbc.read(() -> "read the checkpoint of trial " + number + " of search " + searchId,
                tx -> tx.queryOne("SELECT * FROM checkpoint WHERE search_id = ? AND number = ?", rows::checkpoint,
                        searchId, number));
    }

    // ---- Pareto front ---------------------------------------------------------------------------------------

    /**
     * Replaces the front and appends the next hypervolume step. Idempotent: if both the front and the hypervolume
     * equal what is stored, nothing changes (no new step). Throws if a row names another search, a trial twice,
     * or a trial that does not exist.
     */
    @Override
    public void replaceFront(long searchId, List<ParetoRow> front, double hypervolume) {
        if (front == null) throw new StoreException("front of search " + searchId + " is null, but must be a list (maybe empty)");
        if (!Double.isFinite(hypervolume) || hypervolume < 0)
            throw new StoreException("hypervolume of search " + searchId + " is " + hypervolume + ", but must be finite and >= 0");
        Set<Integer> numbers = new HashSet<>();
        for (ParetoRow p : front) {
            if (p.searchId() != searchId)
                throw new StoreException("front row for trial " + p.number() + " has searchId " + p.searchId() + ", but must be " + searchId);
            if (!numbers.add(p.number()))
                throw new StoreException("front of search " + searchId + " lists trial " + p.number() + " twice");
        }
        List<ParetoRow> sorted = front.stream().sorted(Comparator.comparingInt(ParetoRow::number)).toList();
        Instant now = clock.instant();
        jdbc.write(() -> "replace the Pareto front of search " + searchId, tx -> {
            lockSearch(tx, searchId);
            List<ParetoRow> current = tx.query("SELECT * FROM pareto_point WHERE search_id = ? ORDER BY number",
                    H2Rows::pareto, searchId);
            Optional<double[]> last = tx.queryOne("SELECT step, hypervolume FROM hypervolume WHERE search_id = ? "
                    + "AND step = (SELECT MAX(step) FROM hypervolume WHERE search_id = ?)",
                    rs -> new double[] {rs.getInt(1), rs.getDouble(2)}, searchId, searchId);
            if (current.equals(sorted) && last.isPresent() && last.get()[1] == hypervolume) return null;
            for (ParetoRow p : sorted)
                if (tx.queryOne("SELECT 1 FROM trial WHERE search_id = ? AND number = ?", rs -> 1, searchId, p.number()).isEmpty())
                    throw new StoreException("the Pareto front of search " + searchId + " names trial " + p.number()
                            + ", which does not exist; only recorded trials can be front points.");
            tx.update("DELETE FROM pareto_point WHERE search_id = ?", searchId);
            for (ParetoRow p : sorted)
                tx.update("INSERT INTO pareto_point (search_id, number, val_accuracy, size_bits, test_accuracy) VALUES (?, ?, ?, ?, ?)",
                        searchId, p.number(), p.valAccuracy(), p.sizeBits(), Jdbc.nullableDouble(p.testAccuracy()));
            int step = last.map(l -> (int) l[0]).orElse(0) + 1;
            tx.update("INSERT INTO hypervolume (search_id, step, hypervolume, front_size, recorded_at) VALUES (?, ?, ?, ?, ?)",
                    searchId, step, hypervolume, sorted.size(), now);
            return null;
        });
    }

    /** The front by size (smallest first); a point's test accuracy falls back to its trial's, once measured. */
    @Override
    public List<ParetoRow> front(long searchId) {
        return jdbc.read(() -> "read the Pareto front of search " + searchId,
                tx -> tx.query("SELECT p.search_id, p.number, p.val_accuracy, p.size_bits, "
                        + "COALESCE(p.test_accuracy, t.test_accuracy) AS test_accuracy FROM pareto_point p "
                        + "JOIN trial t ON t.search_id = p.search_id AND t.number = p.number "
                        + "WHERE p.search_id = ? ORDER BY p.size_bits, p.number", H2Rows::pareto, searchId));
    }

    @Override
    public List<double[]> hypervolumeHistory(long searchId) {
        return jdbc.read(() -> "read the hypervolume history of search " + searchId,
                tx -> tx.query("SELECT step, hypervolume FROM hypervolume WHERE search_id = ? ORDER BY step",
                        rs -> new double[] {rs.getInt(1), rs.getDouble(2)}, searchId));
    }

    @Override
    public List<HypervolumeRow> hypervolumeTimeline(long searchId) {
        return jdbc.read(() -> "read the hypervolume timeline of search " + searchId,
                tx -> tx.query("SELECT h.step, h.hypervolume, h.front_size, h.recorded_at, "
                        + "(SELECT COUNT(*) FROM trial t WHERE t.search_id = h.search_id AND t.finished_at IS NOT NULL "
                        + "AND t.finished_at <= h.recorded_at) FROM hypervolume h WHERE h.search_id = ? ORDER BY h.step",
                        rs -> new HypervolumeRow(rs.getInt(1), rs.getDouble(2), rs.getInt(3), Jdbc.instant(rs, "recorded_at"),
                                rs.getInt(5)), searchId));
    }

    // ---- deleting -------------------------------------------------------------------------------------------

    /** Locks the search row, refuses a RUNNING one, then deletes it; the foreign keys cascade to every child row. */
    @Override
    public DeleteResult deleteSearch(long id) {
        return jdbc.write(() -> "delete search " + id, tx -> {
            Optional<SearchState> state = tx.queryOne("SELECT state FROM search WHERE id = ? FOR UPDATE",
                    rs -> SearchState.valueOf(rs.getString(1)), id);
            if (state.isEmpty()) return DeleteResult.UNKNOWN;
            if (state.get() == SearchState.RUNNING) return DeleteResult.RUNNING;
            tx.update("DELETE FROM search WHERE id = ?", id);
            return DeleteResult.DELETED;
        });
    }

    // ---- resume ---------------------------------------------------------------------------------------------

    @Override
    public ResumeState resumeState(long searchId) {
        return jdbc.snapshot(() -> "read the resume state of search " + searchId, tx -> {
            SearchRow search = tx.queryOne("SELECT " + SEARCH_COLUMNS + " FROM search WHERE id = ?", rows::search, searchId)
                    .orElseThrow(() -> new StoreException("search " + searchId + " does not exist, so it cannot be resumed; "
                            + "list the searches to find its id."));
            List<TrialRow> trials = selectTrials(tx, searchId);
            Map<Integer, List<EpochMetrics>> reports = new LinkedHashMap<>();
            for (TrialRow t : trials) reports.put(t.number(), new ArrayList<>());
            List<ReportRef> order = new ArrayList<>();
            for (ReportRow r : tx.query("SELECT * FROM report WHERE search_id = ? ORDER BY seq", H2Rows::report, searchId)) {
                List<EpochMetrics> of = reports.get(r.number());
                if (of == null) // impossible with the foreign key and one snapshot; say so clearly if it ever happens
                    throw new StoreException("search " + searchId + " has a report for trial " + r.number() + ", which it "
                            + "does not list; the read was not consistent. Retry; if it persists, report a bug.");
                of.add(r.metrics());
                order.add(new ReportRef(r.number(), r.metrics().epoch()));
            }
            List<TrialRecord> records = new ArrayList<>();
            List<TrialRow> unfinished = new ArrayList<>();
            for (TrialRow t : trials) {
                List<EpochMetrics> rs = reports.get(t.number());
                rs.sort(Comparator.comparingInt(EpochMetrics::epoch));
                try {
                    records.add(new TrialRecord(t.number(), t.candidate(), t.state(), rs, t.sizeBits()));
                } catch (IllegalArgumentException e) {
                    throw new StoreException("the stored reports of trial " + t.number() + " of search " + searchId
                            + " are inconsistent (" + e.getMessage() + "); restore the database from a backup.", e);
                }
                if (!t.state().isFinished()) unfinished.add(t);
            }
            Map<Integer, CheckpointRow> checkpoints = new LinkedHashMap<>();
            for (CheckpointRow c : tx.query("SELECT c.* FROM checkpoint c JOIN trial t ON t.search_id = c.search_id "
                    + "AND t.number = c.number WHERE c.search_id = ? AND t.state IN " + UNFINISHED, rows::checkpoint, searchId))
                checkpoints.put(c.number(), c);
            return new ResumeState(search, records, order, unfinished, checkpoints);
        });
    }

    // ---- lifecycle ------------------------------------------------------------------------------------------

    /** Closes the pool and then the database (H2 writes its last changes and releases the file). Idempotent. */
    @Override
    public void close() {
        synchronized (closeLock) {
            if (closed) return;
            closed = true;
        }
        try {
            guard.release();
            pool.close();
        } finally {
            try {
                keeper.close();
            } catch (SQLException e) {
                throw new StoreException("could not close the database in " + dataDir + ": " + e.getMessage()
                        + "; it will be checked the next time it is opened.", e);
            }
        }
    }

    @Override
    public String toString() { return "H2SearchStore[" + dataDir + "]"; }

    // ---- helpers --------------------------------------------------------------------------------------------

    private void requireJsonObject(String specJson) {
        if (specJson == null) throw new StoreException("specJson is null, but must be a JSON object");
        try {
            JsonNode node = specMapper.readTree(specJson);
            if (node == null || !node.isObject())
                throw new StoreException("specJson must be a JSON object, but is " + abbreviate(specJson));
        } catch (JsonProcessingException e) {
            throw new StoreException("specJson is not valid JSON (" + e.getOriginalMessage() + "): " + abbreviate(specJson));
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? "'" + s + "'" : "'" + s.substring(0, 77) + "...'";
    }

    /** Locks the search row (first in every multi-row write) and returns its report counter; throws if unknown. */
    private static long lockSearch(Jdbc.Tx tx, long searchId) throws SQLException {
        return tx.queryOne("SELECT report_seq FROM search WHERE id = ? FOR UPDATE", rs -> rs.getLong(1), searchId)
                .orElseThrow(() -> new StoreException("search " + searchId + " does not exist; create it with createSearch first."));
    }

    /** Locks the trial row; true if it is unfinished, false if finished; throws if it does not exist. */
    private static boolean lockUnfinishedTrial(Jdbc.Tx tx, long searchId, int number) throws SQLException {
        TrialState state = tx.queryOne("SELECT state FROM trial WHERE search_id = ? AND number = ? FOR UPDATE",
                        rs -> TrialState.valueOf(rs.getString(1)), searchId, number)
                .orElseThrow(() -> unknownTrial(searchId, number));
        return !state.isFinished();
    }

    /** True if the trial exists (the caller then reports "finished"); throws if it does not. */
    private static boolean requireTrialExists(Jdbc.Tx tx, long searchId, int number) throws SQLException {
        if (tx.queryOne("SELECT 1 FROM trial WHERE search_id = ? AND number = ?", rs -> 1, searchId, number).isEmpty())
            throw unknownTrial(searchId, number);
        return false;
    }

    private static StoreException unknownTrial(long searchId, int number) {
        return new StoreException("trial " + number + " of search " + searchId + " does not exist; write it with "
                + "createTrial (as PENDING) before any work on it.");
    }

    private static int lastEpoch(Jdbc.Tx tx, long searchId, int number) throws SQLException {
        return tx.queryOne("SELECT COALESCE(MAX(epoch), 0) FROM report WHERE search_id = ? AND number = ?",
                rs -> rs.getInt(1), searchId, number).orElseThrow();
    }

    private Optional<TrialRow> selectTrial(Jdbc.Tx tx, long searchId, int number) throws SQLException {
        return tx.queryOne("SELECT " + TRIAL_COLUMNS + " FROM trial WHERE search_id = ? AND number = ?", rows::trial,
                searchId, number);
    }

    private List<TrialRow> selectTrials(Jdbc.Tx tx, long searchId) throws SQLException {
        return tx.query("SELECT " + TRIAL_COLUMNS + " FROM trial WHERE search_id = ? ORDER BY number", rows::trial, searchId);
    }
}
