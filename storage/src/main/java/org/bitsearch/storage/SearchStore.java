package org.bitsearch.storage;

import org.bitsearch.search.trial.Candidate;
import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.search.trial.TrialState;
import org.bitsearch.search.trial.Verdict;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The only door to the database. Thread-safe: the supervisor actors write while the HTTP API reads from
 * several threads. Every write is idempotent (MERGE by natural keys) so that replaying after a crash is safe,
 * and a finished trial is never changed again (writes to it are ignored and return false).
 * All methods throw {@link StoreException} with a clear message on failure, including bad arguments and writes
 * to a search or trial that does not exist (a programming error: write the trial with {@link #createTrial} first).
 * Every write method returns only after its transaction is committed to the database file.
 * The implementation is {@link H2SearchStore}: {@code H2SearchStore.open(dataDir)}.
 */
public interface SearchStore extends AutoCloseable {

    // ---- searches -------------------------------------------------------------------------------------------

    /** Writes a new search in state RUNNING and returns it with its new id (ids start at 1). */
    SearchRow createSearch(String name, String specJson, long seed);

    Optional<SearchRow> search(long id);

    /** All searches, newest first. */
    List<SearchRow> searches();

    /** Sets a search's state and message (e.g. the reason it FAILED). Returns false if the id is unknown. */
    boolean setSearchState(long id, SearchState state, String message);

    // ---- trials ---------------------------------------------------------------------------------------------

    /**
     * Writes a proposed trial as PENDING before any work starts on it. Idempotent: writing the same
     * (searchId, number) again with the same candidate changes nothing; a different candidate is an error.
     * Numbers run 0, 1, 2, ... per search: a number that would leave a gap is an error.
     */
    TrialRow createTrial(long searchId, int number, Candidate candidate, long seed, long sizeBits);

    /** PENDING, RUNNING or INTERRUPTED → RUNNING on {@code device}, attempts + 1. Returns false if the trial is finished. */
    boolean markRunning(long searchId, int number, String device);

    /**
     * RUNNING → INTERRUPTED: the trial's attempt was cancelled by a stop, the wall-clock limit or a shutdown (its
     * running epoch discarded); it stays unfinished and resumes from its last checkpoint like a RUNNING one. Returns
     * false (and changes nothing) if the trial is not RUNNING (PENDING, already INTERRUPTED, or finished).
     */
    boolean markInterrupted(long searchId, int number);

    /**
     * Every RUNNING trial of a search → INTERRUPTED (when a search is left STOPPED, no trial of it runs); returns how
     * many changed.
     */
    int interruptRunningTrials(long searchId);

    /**
     * Records one epoch report and the pruner's verdict on it in one transaction, before the verdict is acted
     * on. Idempotent by (searchId, number, epoch). Returns false (and writes nothing) if the trial is finished.
     * Epochs run 1..n without gaps: a report that would leave a gap is an error. A <em>different</em> report
     * for an epoch already recorded is a re-run (the trial resumed from an earlier checkpoint): it replaces that
     * epoch and every later one (reports, verdicts, and a checkpoint past it) and gets a new {@code seq}.
     */
    default boolean recordReport(long searchId, int number, EpochMetrics metrics, Verdict verdict) {
        return recordReport(searchId, number, metrics, verdict, 0);
    }

    /**
     * As {@link #recordReport(long, int, EpochMetrics, Verdict)}; when the report carries learned bits
     * ({@link EpochMetrics#learnedBits()}) they also become the trial's learned allocation, in the same transaction,
     * and {@code sizeBits} (&gt; 0, that allocation's size) its {@code size_bits}. {@code sizeBits} 0 leaves the size.
     */
    boolean recordReport(long searchId, int number, EpochMetrics metrics, Verdict verdict, long sizeBits);

    /**
     * Records the latest checkpoint of a trial (replacing the previous row). False if the trial is finished.
     * Record the epoch's report first: a checkpoint ahead of the last recorded report is an error.
     */
    boolean recordCheckpoint(long searchId, int number, int epoch, Path path);

    /** Sets a final state (COMPLETED, PRUNED or FAILED) with a reason; false if already finished. */
    boolean finishTrial(long searchId, int number, TrialState state, String reason);

    /** Records the last error of a trial that will be retried (stays unfinished, state unchanged); false if finished. */
    boolean recordRetry(long searchId, int number, String error);

    /**
     * Stores the test accuracy of a finished trial (measured for Pareto points at the end): the one change a
     * finished trial accepts. False if the trial is not finished yet.
     */
    boolean setTestAccuracy(long searchId, int number, double testAccuracy);

    Optional<TrialRow> trial(long searchId, int number);

    /** All trials of a search in number order. */
    List<TrialRow> trials(long searchId);

    /** Reports of one trial in epoch order. */
    List<ReportRow> reports(long searchId, int number);

    /** Every report of a search in recorded order. */
    List<ReportRow> reports(long searchId);

    /** Pruner verdicts of one trial in epoch order. */
    List<RungDecisionRow> decisions(long searchId, int number);

    Optional<CheckpointRow> latestCheckpoint(long searchId, int number);

    /**
     * Every report of a search in recorded ({@code seq}) order with the pruner's verdict on it, read in one
     * query (a report joined with its verdict): the learning curves and rung marks of all trials at once.
     */
    List<DecidedReport> reportsWithDecisions(long searchId);

    /**
     * Trial counts by state and best validation accuracy of one search, computed in the database. A search
     * without trials (or an unknown id) gives {@link TrialCounts#none}.
     */
    TrialCounts trialCounts(long searchId);

    /**
     * {@link #trialCounts(long)} for every search at once (one query), keyed by search id; searches without
     * trials are absent from the map.
     */
    Map<Long, TrialCounts> trialCounts();

    // ---- Pareto front ---------------------------------------------------------------------------------------

    /**
     * Replaces the persisted front of a search in one transaction, and appends (step, hypervolume) to its history.
     * Idempotent: the same front with the same hypervolume again appends nothing.
     */
    void replaceFront(long searchId, List<ParetoRow> front, double hypervolume);

    /** The persisted front, smallest model first; test accuracies appear once {@link #setTestAccuracy} stored them. */
    List<ParetoRow> front(long searchId);

    /** Hypervolume after each front change, oldest first: [step, hypervolume] pairs for the page's plot. */
    List<double[]> hypervolumeHistory(long searchId);

    /**
     * {@link #hypervolumeHistory} with the time of each step and how many trials had finished by then, oldest
     * first (for a time axis).
     */
    List<HypervolumeRow> hypervolumeTimeline(long searchId);

    // ---- deleting -------------------------------------------------------------------------------------------

    /**
     * Deletes a search that is not RUNNING and every row recorded for it (trials, reports, decisions, checkpoint
     * rows, front, hypervolume history), in one transaction. Checkpoint <em>files</em> are the caller's: read
     * their rows first. A RUNNING search (running now, or interrupted and due to resume) is left untouched.
     */
    DeleteResult deleteSearch(long id);

    // ---- resume ---------------------------------------------------------------------------------------------

    /** Everything resume needs, read in one transaction. Throws if the id is unknown. */
    ResumeState resumeState(long searchId);

    /** Ids of unfinished searches (RUNNING, i.e. interrupted) to resume at server start-up. */
    List<Long> interruptedSearches();

    @Override void close();
}
