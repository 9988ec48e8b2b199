package org.bitsearch.storage;

import org.bitsearch.search.engine.ReportRef;
import org.bitsearch.search.space.BitAllocation;
import org.bitsearch.search.trial.Candidate;
import org.bitsearch.search.trial.Decision;
import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.search.trial.TrialRecord;
import org.bitsearch.search.trial.TrialState;
import org.bitsearch.search.trial.Verdict;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The behaviour every {@link SearchStore} must have (the Javadoc of SearchStore, made executable). A subclass
 * supplies a fresh, empty store per test; {@link #dataDir()} is where checkpoint paths should point.
 */
abstract class SearchStoreContract {

    protected SearchStore store;

    /** A fresh, empty store. Called before each test; the store is closed after it. */
    protected abstract SearchStore openStore();

    /** The directory relative checkpoint paths resolve against. */
    protected abstract Path dataDir();

    @BeforeEach
    void open() { store = openStore(); }

    @AfterEach
    void closeStore() { store.close(); }

    // ---- fixtures -----------------------------------------------------------------------------------------------

    static Candidate candidate(int i) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("lr", 1.0e-3 * (i + 1));
        p.put("batch", 32L * (i + 1));
        p.put("optimizer", i % 2 == 0 ? "adam" : "sgd");
        p.put("batchNorm", i % 3 == 0);
        return new Candidate(p, BitAllocation.of(8, 4, i % 2 == 0 ? 2 : 1));
    }

    static EpochMetrics metrics(int epoch, double acc) {
        return new EpochMetrics(epoch, acc, 1.0 - acc, 1.1 - acc, 0.5 * epoch, 1000.0 + epoch);
    }

    static Verdict verdict(int epoch) {
        return epoch % 2 == 0 ? new Verdict(Decision.CONTINUE, epoch / 2 - 1, "rank 1 of 2 at rung " + (epoch / 2 - 1))
                : Verdict.proceed();
    }

    long search() { return store.createSearch("s", "{\"sampler\":\"random\"}", 42).id(); }

    TrialRow trial(long searchId, int number) { return store.createTrial(searchId, number, candidate(number), 1000 + number, 4096L + number); }

    // ---- searches -------------------------------------------------------------------------------------------------

    @Test
    void createSearchStoresSpecExactlyAndStartsRunning() {
        String spec = "{ \"name\" : \"mlp\",\n  \"budget\": {\"trials\": 10} }";
        SearchRow s = store.createSearch("mlp", spec, -7);
        assertTrue(s.id() >= 1);
        assertEquals("mlp", s.name());
        assertEquals(spec, s.specJson());
        assertEquals(-7, s.seed());
        assertEquals(SearchState.RUNNING, s.state());
        assertEquals("", s.message());
        assertEquals(Optional.of(s), store.search(s.id()));
        assertEquals(Optional.empty(), store.search(s.id() + 100));
    }

    @Test
    void createSearchRejectsBadInputAndWritesNothing() {
        assertThrows(StoreException.class, () -> store.createSearch(" ", "{}", 1));
        assertThrows(StoreException.class, () -> store.createSearch("a".repeat(201), "{}", 1));
        StoreException notJson = assertThrows(StoreException.class, () -> store.createSearch("s", "{\"a\":", 1));
        assertTrue(notJson.getMessage().contains("specJson"), notJson.getMessage());
        assertThrows(StoreException.class, () -> store.createSearch("s", "[1, 2]", 1));
        assertThrows(StoreException.class, () -> store.createSearch("s", null, 1));
        assertEquals(List.of(), store.searches());
    }

    @Test
    void searchesAreListedNewestFirstAndInterruptedOnesAreTheRunningOnes() {
        long a = search(), b = search(), c = search(), d = search();
        assertEquals(List.of(d, c, b, a), store.searches().stream().map(SearchRow::id).toList());
        assertTrue(store.setSearchState(b, SearchState.COMPLETED, "budget reached"));
        assertTrue(store.setSearchState(c, SearchState.STOPPED, "stopped by user"));
        assertTrue(store.setSearchState(d, SearchState.FAILED, "data directory vanished"));
        assertEquals(List.of(a), store.interruptedSearches());
        SearchRow failed = store.search(d).orElseThrow();
        assertEquals(SearchState.FAILED, failed.state());
        assertEquals("data directory vanished", failed.message());
        assertFalse(failed.updated().isBefore(failed.created()));
        assertFalse(store.setSearchState(999, SearchState.STOPPED, "x"));
    }

    // ---- trials ---------------------------------------------------------------------------------------------------

    @Test
    void createTrialWritesPendingAndRoundTripsTheCandidateExactly() {
        long s = search();
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("long", 1L);
        p.put("double", 1.0);
        p.put("integralDouble", 100.0);
        p.put("tiny", 1.0e-7);
        p.put("huge", 1.0e300);
        p.put("negative", -0.25);
        p.put("bigLong", Long.MAX_VALUE);
        p.put("minLong", Long.MIN_VALUE);
        p.put("text", "1");
        p.put("quoted", "a \"b\" \\ c ü");
        p.put("flag", true);
        p.put("off", false);
        Candidate c = new Candidate(p, BitAllocation.of(32, 8, 7, 6, 5, 4, 3, 2, 1));
        TrialRow t = store.createTrial(s, 0, c, Long.MIN_VALUE, 123456789012L);
        assertEquals(TrialState.PENDING, t.state());
        assertEquals(0, t.attempts());
        assertEquals("", t.error());
        assertEquals("", t.device());
        assertEquals(Optional.empty(), t.testAccuracy());
        Candidate back = store.trial(s, 0).orElseThrow().candidate();
        assertEquals(c, back);
        for (Map.Entry<String, Object> e : c.params().entrySet())
            assertEquals(e.getValue().getClass(), back.params().get(e.getKey()).getClass(), e.getKey());
        assertEquals(Long.MIN_VALUE, store.trial(s, 0).orElseThrow().seed());
        assertEquals(123456789012L, store.trial(s, 0).orElseThrow().sizeBits());
    }

    @Test
    void activationBitsRoundTripAndAreSeparateFromTheWeightBits() {
        long s = search();
        Candidate withActs = new Candidate(Map.of("lr", 0.01), BitAllocation.of(4, 2, 8), BitAllocation.of(8, 1, 32));
        Candidate without = new Candidate(Map.of("lr", 0.01), BitAllocation.of(4, 2, 8));
        store.createTrial(s, 0, withActs, 1, 64);
        store.createTrial(s, 1, without, 2, 64);
        assertEquals(withActs, store.trial(s, 0).orElseThrow().candidate());
        assertEquals(Optional.of(BitAllocation.of(8, 1, 32)), store.trial(s, 0).orElseThrow().candidate().activationBits());
        assertEquals(without, store.trial(s, 1).orElseThrow().candidate());
        assertEquals(store.trial(s, 0).orElseThrow(), store.createTrial(s, 0, withActs, 1, 64), "idempotent");
        assertThrows(StoreException.class, () -> store.createTrial(s, 1, withActs, 2, 64),
                "the same number with other activation bits is a different candidate");
        assertEquals(withActs, store.resumeState(s).trials().get(0).candidate(), "resume reads them back");
    }

    @Test
    void negativeZeroIsStoredAsZeroAndWritingItAgainIsStillIdempotent() {
        long s = search();
        Candidate c = new Candidate(Map.of("shift", -0.0, "other", 0.5), BitAllocation.of(4));
        TrialRow t = store.createTrial(s, 0, c, 1, 64);
        assertEquals(0.0, t.candidate().params().get("shift"));
        assertEquals(t, store.createTrial(s, 0, c, 1, 64));
    }

    @Test
    void createTrialIsIdempotentButRefusesADifferentCandidateUnderTheSameNumber() {
        long s = search();
        TrialRow first = trial(s, 0);
        assertEquals(first, trial(s, 0));
        assertEquals(first, store.trial(s, 0).orElseThrow());
        StoreException e = assertThrows(StoreException.class, () -> store.createTrial(s, 0, candidate(1), 1000, 4096));
        assertTrue(e.getMessage().contains("never reused"), e.getMessage());
        assertThrows(StoreException.class, () -> store.createTrial(s, 0, candidate(0), 999, 4096));
        assertEquals(first, store.trial(s, 0).orElseThrow());
        assertEquals(1, store.trials(s).size());
    }

    @Test
    void createTrialRefusesGapsUnknownSearchesAndBadValues() {
        long s = search();
        trial(s, 0);
        StoreException gap = assertThrows(StoreException.class, () -> trial(s, 2));
        assertTrue(gap.getMessage().contains("next free number is 1"), gap.getMessage());
        assertThrows(StoreException.class, () -> trial(s + 50, 0));
        assertThrows(StoreException.class, () -> store.createTrial(s, -1, candidate(0), 1, 1));
        assertThrows(StoreException.class, () -> store.createTrial(s, 1, candidate(0), 1, 0));
        assertThrows(StoreException.class, () -> store.createTrial(s, 1,
                new Candidate(Map.of("lr", Double.NaN), BitAllocation.of(8)), 1, 1));
        assertEquals(1, store.trials(s).size());
        trial(s, 1);
        assertEquals(List.of(0, 1), store.trials(s).stream().map(TrialRow::number).toList());
    }

    @Test
    void trialNumbersAreIndependentPerSearch() {
        long a = search(), b = search();
        trial(a, 0);
        trial(a, 1);
        trial(b, 0);
        assertEquals(2, store.trials(a).size());
        assertEquals(1, store.trials(b).size());
        assertEquals(Optional.empty(), store.trial(b, 1));
    }

    @Test
    void markRunningCountsAttemptsAndNamesTheDevice() {
        long s = search();
        trial(s, 0);
        assertTrue(store.markRunning(s, 0, "cpu:0"));
        TrialRow t = store.trial(s, 0).orElseThrow();
        assertEquals(TrialState.RUNNING, t.state());
        assertEquals(1, t.attempts());
        assertEquals("cpu:0", t.device());
        assertTrue(store.markRunning(s, 0, "gpu:1"));
        assertEquals(2, store.trial(s, 0).orElseThrow().attempts());
        assertEquals("gpu:1", store.trial(s, 0).orElseThrow().device());
        assertThrows(StoreException.class, () -> store.markRunning(s, 5, "cpu:0"));
    }

    @Test
    void recordReportStoresTheReportAndItsVerdictTogether() {
        long s = search();
        trial(s, 0);
        store.markRunning(s, 0, "cpu:0");
        EpochMetrics m1 = metrics(1, 0.5);
        Verdict v2 = new Verdict(Decision.STOP, 0, "rank 3 of 4 at rung 0 (epoch 2), needs top 1");
        assertTrue(store.recordReport(s, 0, m1, Verdict.proceed()));
        assertTrue(store.recordReport(s, 0, metrics(2, 0.6), v2));
        assertEquals(List.of(m1, metrics(2, 0.6)), store.reports(s, 0).stream().map(ReportRow::metrics).toList());
        assertEquals(List.of(new RungDecisionRow(s, 0, 1, Verdict.proceed()), new RungDecisionRow(s, 0, 2, v2)),
                store.decisions(s, 0));
    }

    @Test
    void reportsWithDecisionsJoinsEveryReportWithItsVerdictInRecordedOrder() {
        long s = search();
        long other = search();
        trial(s, 0);
        trial(s, 1);
        trial(other, 0);
        Verdict stop = new Verdict(Decision.STOP, 0, "rank 2 of 2 at rung 0");
        store.recordReport(s, 0, metrics(1, 0.5), Verdict.proceed());
        store.recordReport(s, 1, metrics(1, 0.4), stop);
        store.recordReport(s, 0, metrics(2, 0.6), verdict(2));
        store.recordReport(other, 0, metrics(1, 0.9), Verdict.proceed());
        List<DecidedReport> rows = store.reportsWithDecisions(s);
        assertEquals(store.reports(s), rows.stream().map(DecidedReport::report).toList());
        assertEquals(List.of(Optional.of(Verdict.proceed()), Optional.of(stop), Optional.of(verdict(2))),
                rows.stream().map(DecidedReport::verdict).toList());
        assertEquals(List.of(), store.reportsWithDecisions(other + 1));
    }

    @Test
    void anInterruptedTrialIsUnfinishedAndGoesOnLikeARunningOne() {
        long s = search();
        trial(s, 0);
        trial(s, 1);
        trial(s, 2);
        assertFalse(store.markInterrupted(s, 0), "a PENDING trial never started: nothing to interrupt");
        assertEquals(TrialState.PENDING, store.trial(s, 0).orElseThrow().state());
        store.markRunning(s, 0, "cpu:0");
        store.recordReport(s, 0, metrics(1, 0.5), Verdict.proceed());
        store.recordCheckpoint(s, 0, 1, Path.of("checkpoints/0/epoch-1.bin"));
        assertTrue(store.markInterrupted(s, 0));
        assertFalse(store.markInterrupted(s, 0), "already interrupted");
        TrialRow t = store.trial(s, 0).orElseThrow();
        assertEquals(TrialState.INTERRUPTED, t.state());
        assertFalse(t.state().isFinished());
        assertEquals(List.of(0), store.resumeState(s).unfinished().stream().filter(u -> u.state() == TrialState.INTERRUPTED)
                .map(TrialRow::number).toList(), "resume continues it");
        assertEquals(1, store.resumeState(s).checkpoints().get(0).epoch());
        // resumed: RUNNING again, a second attempt, reports go on from epoch 2
        assertTrue(store.markRunning(s, 0, "cpu:1"));
        assertEquals(TrialState.RUNNING, store.trial(s, 0).orElseThrow().state());
        assertEquals(2, store.trial(s, 0).orElseThrow().attempts());
        assertTrue(store.recordReport(s, 0, metrics(2, 0.6), Verdict.proceed()));
        // interrupted again, then finished: an interrupted trial accepts a final state
        store.markInterrupted(s, 0);
        assertTrue(store.finishTrial(s, 0, TrialState.PRUNED, "rung 0"));
        assertFalse(store.markInterrupted(s, 0), "a finished trial never changes");
        assertEquals(TrialState.PRUNED, store.trial(s, 0).orElseThrow().state());
        // the bulk form: every RUNNING trial of the search, only those
        store.markRunning(s, 1, "cpu:0");
        long other = search();
        trial(other, 0);
        store.markRunning(other, 0, "cpu:0");
        assertEquals(1, store.interruptRunningTrials(s));
        assertEquals(0, store.interruptRunningTrials(s));
        assertEquals(TrialState.INTERRUPTED, store.trial(s, 1).orElseThrow().state());
        assertEquals(TrialState.PENDING, store.trial(s, 2).orElseThrow().state());
        assertEquals(TrialState.RUNNING, store.trial(other, 0).orElseThrow().state(), "other searches untouched");
        assertThrows(StoreException.class, () -> store.markInterrupted(s, 9));
    }

    @Test
    void trialCountsCountStatesAndTakeTheBestFiniteAccuracyPerSearch() {
        long s = search();
        long other = search();
        long empty = search();
        for (int i = 0; i < 6; i++) trial(s, i);
        trial(other, 0);
        store.markRunning(s, 1, "cpu:0");
        store.markRunning(s, 5, "cpu:0");
        store.markInterrupted(s, 5);
        store.recordReport(s, 1, metrics(1, 0.7), Verdict.proceed());
        store.recordReport(s, 2, new EpochMetrics(1, Double.NaN, Double.NaN, Double.NaN, 1, 1), Verdict.proceed());
        store.recordReport(s, 3, metrics(1, 0.2), Verdict.proceed());
        store.finishTrial(s, 2, TrialState.FAILED, "diverged");
        store.finishTrial(s, 3, TrialState.PRUNED, "rung 0");
        store.finishTrial(s, 4, TrialState.COMPLETED, "completed 0 epochs");
        TrialCounts c = store.trialCounts(s);
        assertEquals(new TrialCounts(s, 6, 1, 1, 1, 1, 1, 1, Optional.of(0.7)), c);
        assertEquals(3, c.finished());
        assertEquals(new TrialCounts(other, 1, 1, 0, 0, 0, 0, 0, Optional.empty()), store.trialCounts(other));
        assertEquals(TrialCounts.none(empty), store.trialCounts(empty));
        Map<Long, TrialCounts> all = store.trialCounts();
        assertEquals(Map.of(s, c, other, store.trialCounts(other)), all);
    }

    @Test
    void recordReportRoundTripsNonFiniteLosses() {
        long s = search();
        trial(s, 0);
        EpochMetrics diverged = new EpochMetrics(1, Double.NaN, Double.POSITIVE_INFINITY, Double.NaN, 0, 0);
        assertTrue(store.recordReport(s, 0, diverged, Verdict.proceed()));
        EpochMetrics back = store.reports(s, 0).get(0).metrics();
        assertEquals(diverged, back);
        assertTrue(back.diverged());
    }

    @Test
    void recordReportIsIdempotentAndAReplayKeepsItsSeq() {
        long s = search();
        trial(s, 0);
        assertTrue(store.recordReport(s, 0, metrics(1, 0.5), verdict(1)));
        assertTrue(store.recordReport(s, 0, metrics(2, 0.6), verdict(2)));
        List<ReportRow> before = store.reports(s);
        assertTrue(store.recordReport(s, 0, metrics(1, 0.5), verdict(1)));
        assertTrue(store.recordReport(s, 0, metrics(2, 0.6), verdict(2)));
        assertEquals(before, store.reports(s));
        assertEquals(2, store.decisions(s, 0).size());
    }

    @Test
    void aDifferentReportForARecordedEpochIsAReRunAndReplacesThatEpochAndLaterOnes() {
        long s = search();
        trial(s, 0);
        for (int e = 1; e <= 3; e++) store.recordReport(s, 0, metrics(e, 0.5 + e / 100.0), verdict(e));
        store.recordCheckpoint(s, 0, 1, dataDir().resolve("checkpoints/t0-e1.zip"));
        store.recordCheckpoint(s, 0, 3, dataDir().resolve("checkpoints/t0-e3.zip"));
        // resumed from the epoch-1 checkpoint (say the epoch-3 file was lost): epoch 2 again, differently
        assertTrue(store.recordReport(s, 0, metrics(2, 0.7), verdict(2)));
        List<ReportRow> rows = store.reports(s, 0);
        assertEquals(List.of(1, 2), rows.stream().map(r -> r.metrics().epoch()).toList());
        assertEquals(0.7, rows.get(1).metrics().valAccuracy());
        assertTrue(rows.get(1).seq() > 3, "a re-run report is recorded anew: " + rows);
        assertEquals(2, store.decisions(s, 0).size());
        assertEquals(Optional.empty(), store.latestCheckpoint(s, 0), "the epoch-3 checkpoint belonged to the old run");
    }

    @Test
    void recordReportRefusesGapsAndUnknownTrials() {
        long s = search();
        trial(s, 0);
        StoreException gap = assertThrows(StoreException.class, () -> store.recordReport(s, 0, metrics(2, 0.5), verdict(2)));
        assertTrue(gap.getMessage().contains("gap"), gap.getMessage());
        assertThrows(StoreException.class, () -> store.recordReport(s, 3, metrics(1, 0.5), verdict(1)));
        assertThrows(StoreException.class, () -> store.recordReport(s + 9, 0, metrics(1, 0.5), verdict(1)));
        assertEquals(List.of(), store.reports(s));
    }

    @Test
    void reportsOfASearchComeInRecordedOrderWithIncreasingSeq() {
        long s = search(), other = search();
        trial(s, 0);
        trial(s, 1);
        trial(other, 0);
        store.recordReport(s, 1, metrics(1, 0.1), verdict(1));
        store.recordReport(other, 0, metrics(1, 0.9), verdict(1));
        store.recordReport(s, 0, metrics(1, 0.2), verdict(1));
        store.recordReport(s, 1, metrics(2, 0.3), verdict(2));
        store.recordReport(s, 0, metrics(2, 0.4), verdict(2));
        List<ReportRow> rows = store.reports(s);
        assertEquals(List.of(new ReportRef(1, 1), new ReportRef(0, 1), new ReportRef(1, 2), new ReportRef(0, 2)),
                rows.stream().map(r -> new ReportRef(r.number(), r.metrics().epoch())).toList());
        for (int i = 1; i < rows.size(); i++) assertTrue(rows.get(i).seq() > rows.get(i - 1).seq(), rows.toString());
        assertEquals(1, store.reports(other).size());
        assertEquals(List.of(0.2, 0.4), store.reports(s, 0).stream().map(r -> r.metrics().valAccuracy()).toList());
    }

    @Test
    void checkpointsReplaceThePreviousOneAndResolveToUsablePaths() {
        long s = search();
        trial(s, 0);
        store.recordReport(s, 0, metrics(1, 0.5), verdict(1));
        store.recordReport(s, 0, metrics(2, 0.6), verdict(2));
        Path inside = dataDir().resolve("checkpoints").resolve("s1").resolve("t0-e1.zip");
        assertTrue(store.recordCheckpoint(s, 0, 1, inside));
        assertEquals(Optional.of(new CheckpointRow(s, 0, 1, inside.toAbsolutePath().normalize())), store.latestCheckpoint(s, 0));
        Path outside = Path.of("/elsewhere/t0-e2.zip");
        assertTrue(store.recordCheckpoint(s, 0, 2, outside));
        assertEquals(Optional.of(new CheckpointRow(s, 0, 2, outside)), store.latestCheckpoint(s, 0));
        assertEquals(Optional.empty(), store.latestCheckpoint(s, 1));
    }

    @Test
    void aCheckpointMayNotBeAheadOfTheReports() {
        long s = search();
        trial(s, 0);
        store.recordReport(s, 0, metrics(1, 0.5), verdict(1));
        StoreException e = assertThrows(StoreException.class, () -> store.recordCheckpoint(s, 0, 2, dataDir().resolve("c.zip")));
        assertTrue(e.getMessage().contains("before its checkpoint"), e.getMessage());
        assertThrows(StoreException.class, () -> store.recordCheckpoint(s, 0, -1, dataDir().resolve("c.zip")));
        assertThrows(StoreException.class, () -> store.recordCheckpoint(s, 4, 0, dataDir().resolve("c.zip")));
        assertEquals(Optional.empty(), store.latestCheckpoint(s, 0));
    }

    @Test
    void finishTrialSetsAFinalStateOnce() {
        long s = search();
        trial(s, 0);
        trial(s, 1);
        store.markRunning(s, 0, "cpu:0");
        assertTrue(store.finishTrial(s, 0, TrialState.PRUNED, "rank 3 of 4 at rung 0"));
        assertEquals(TrialState.PRUNED, store.trial(s, 0).orElseThrow().state());
        assertEquals("", store.trial(s, 0).orElseThrow().error());
        assertEquals("rank 3 of 4 at rung 0", store.trial(s, 0).orElseThrow().reason());
        assertEquals("rank 3 of 4 at rung 0", store.trial(s, 0).orElseThrow().statusReason());
        assertFalse(store.finishTrial(s, 0, TrialState.COMPLETED, "again"));
        assertEquals(TrialState.PRUNED, store.trial(s, 0).orElseThrow().state());
        assertEquals("rank 3 of 4 at rung 0", store.trial(s, 0).orElseThrow().reason());
        assertTrue(store.finishTrial(s, 1, TrialState.FAILED, "loss diverged at epoch 3"));
        assertEquals("loss diverged at epoch 3", store.trial(s, 1).orElseThrow().error());
        assertEquals("loss diverged at epoch 3", store.trial(s, 1).orElseThrow().reason());
        assertThrows(StoreException.class, () -> store.finishTrial(s, 1, TrialState.RUNNING, "no"));
        assertThrows(StoreException.class, () -> store.finishTrial(s, 7, TrialState.COMPLETED, "no such trial"));
    }

    @Test
    void aFinishedTrialIsNeverChangedAgain() {
        long s = search();
        trial(s, 0);
        store.markRunning(s, 0, "cpu:0");
        store.recordReport(s, 0, metrics(1, 0.5), verdict(1));
        store.recordCheckpoint(s, 0, 1, dataDir().resolve("checkpoints/t0.zip"));
        assertTrue(store.finishTrial(s, 0, TrialState.COMPLETED, "last epoch"));
        TrialRow done = store.trial(s, 0).orElseThrow();
        List<ReportRow> reports = store.reports(s);
        Optional<CheckpointRow> checkpoint = store.latestCheckpoint(s, 0);

        assertFalse(store.markRunning(s, 0, "gpu:0"));
        assertFalse(store.recordReport(s, 0, metrics(2, 0.9), verdict(2)));
        assertFalse(store.recordReport(s, 0, metrics(1, 0.1), verdict(1)), "not even a re-run of a recorded epoch");
        assertFalse(store.recordCheckpoint(s, 0, 1, dataDir().resolve("checkpoints/other.zip")));
        assertFalse(store.recordRetry(s, 0, "late error"));
        assertFalse(store.finishTrial(s, 0, TrialState.FAILED, "late failure"));

        assertEquals(done, store.trial(s, 0).orElseThrow());
        assertEquals(reports, store.reports(s));
        assertEquals(checkpoint, store.latestCheckpoint(s, 0));
        assertEquals(1, store.decisions(s, 0).size());
    }

    @Test
    void recordRetryKeepsTheTrialUnfinished() {
        long s = search();
        trial(s, 0);
        store.markRunning(s, 0, "cpu:0");
        assertTrue(store.recordRetry(s, 0, "OutOfMemoryError on cpu:0"));
        TrialRow t = store.trial(s, 0).orElseThrow();
        assertEquals("OutOfMemoryError on cpu:0", t.error());
        assertEquals("", t.reason());
        assertEquals("OutOfMemoryError on cpu:0", t.statusReason());
        assertFalse(t.state().isFinished());
        assertTrue(store.markRunning(s, 0, "cpu:1"));
        assertEquals(2, store.trial(s, 0).orElseThrow().attempts());
        assertThrows(StoreException.class, () -> store.recordRetry(s, 3, "x"));
    }

    @Test
    void testAccuracyIsSetOnlyOnFinishedTrials() {
        long s = search();
        trial(s, 0);
        assertFalse(store.setTestAccuracy(s, 0, 0.8));
        assertEquals(Optional.empty(), store.trial(s, 0).orElseThrow().testAccuracy());
        store.finishTrial(s, 0, TrialState.COMPLETED, "last epoch");
        assertTrue(store.setTestAccuracy(s, 0, 0.81));
        assertEquals(Optional.of(0.81), store.trial(s, 0).orElseThrow().testAccuracy());
        assertThrows(StoreException.class, () -> store.setTestAccuracy(s, 0, 1.5));
        assertThrows(StoreException.class, () -> store.setTestAccuracy(s, 4, 0.5));
    }

    // ---- Pareto front -------------------------------------------------------------------------------------------

    @Test
    void replaceFrontReplacesTheFrontAndAppendsTheHypervolume() {
        long s = search();
        for (int i = 0; i < 3; i++) trial(s, i);
        assertEquals(List.of(), store.front(s));
        assertEquals(List.of(), store.hypervolumeHistory(s));
        store.replaceFront(s, List.of(new ParetoRow(s, 0, 0.8, 5000, Optional.empty())), 0.4);
        List<ParetoRow> two = List.of(new ParetoRow(s, 2, 0.9, 9000, Optional.empty()),
                new ParetoRow(s, 1, 0.7, 3000, Optional.of(0.69)));
        store.replaceFront(s, two, 0.55);
        assertEquals(List.of(two.get(1), two.get(0)), store.front(s), "smallest model first");
        List<double[]> history = store.hypervolumeHistory(s);
        assertEquals(2, history.size());
        assertArrayEquals(new double[] {1, 0.4}, history.get(0));
        assertArrayEquals(new double[] {2, 0.55}, history.get(1));
    }

    @Test
    void hypervolumeTimelineCountsTheTrialsFinishedByEachStep() {
        long s = search();
        for (int i = 0; i < 3; i++) trial(s, i);
        store.markRunning(s, 0, "cpu");
        store.finishTrial(s, 0, TrialState.COMPLETED, "done");
        store.replaceFront(s, List.of(new ParetoRow(s, 0, 0.8, 5000, Optional.empty())), 0.4);
        store.markRunning(s, 1, "cpu");
        store.finishTrial(s, 1, TrialState.PRUNED, "rung 0");
        store.markRunning(s, 2, "cpu");
        store.finishTrial(s, 2, TrialState.COMPLETED, "done");
        store.replaceFront(s, List.of(new ParetoRow(s, 2, 0.9, 4000, Optional.empty())), 0.6);
        List<HypervolumeRow> timeline = store.hypervolumeTimeline(s);
        assertEquals(List.of(1, 2), timeline.stream().map(HypervolumeRow::step).toList());
        assertEquals(List.of(1, 3), timeline.stream().map(HypervolumeRow::trialsFinished).toList());
        assertEquals(0.6, timeline.get(1).hypervolume());
        assertFalse(timeline.get(1).recorded().isBefore(timeline.get(0).recorded()));
        assertEquals(List.of(), store.hypervolumeTimeline(s + 100));
    }

    @Test
    void deleteSearchRemovesAFinishedSearchWithEverythingButRefusesARunningOne() {
        long running = search();
        trial(running, 0);
        assertEquals(DeleteResult.RUNNING, store.deleteSearch(running));
        assertTrue(store.search(running).isPresent(), "a running search is left alone");

        long done = search();
        trial(done, 0);
        store.markRunning(done, 0, "cpu");
        store.recordReport(done, 0, metrics(1, 0.7), verdict(1));
        store.recordCheckpoint(done, 0, 1, dataDir().resolve("checkpoints/x.ckpt"));
        store.finishTrial(done, 0, TrialState.COMPLETED, "done");
        store.replaceFront(done, List.of(new ParetoRow(done, 0, 0.7, 4096, Optional.empty())), 0.3);
        store.setSearchState(done, SearchState.COMPLETED, "");
        assertEquals(DeleteResult.DELETED, store.deleteSearch(done));
        assertEquals(Optional.empty(), store.search(done));
        assertEquals(List.of(), store.trials(done));
        assertEquals(List.of(), store.reports(done));
        assertEquals(List.of(), store.front(done));
        assertEquals(List.of(), store.hypervolumeHistory(done));
        assertEquals(DeleteResult.UNKNOWN, store.deleteSearch(done));
        assertEquals(List.of(running), store.searches().stream().map(SearchRow::id).toList(), "the other search stays");
        assertEquals(1, store.trials(running).size());
    }

    @Test
    void replaceFrontIsIdempotent() {
        long s = search();
        trial(s, 0);
        List<ParetoRow> front = List.of(new ParetoRow(s, 0, 0.8, 5000, Optional.empty()));
        store.replaceFront(s, front, 0.4);
        store.replaceFront(s, front, 0.4);
        assertEquals(1, store.hypervolumeHistory(s).size());
        assertEquals(front, store.front(s));
        store.replaceFront(s, List.of(), 0.0);
        assertEquals(List.of(), store.front(s));
        assertEquals(2, store.hypervolumeHistory(s).size());
    }

    @Test
    void replaceFrontRefusesBadRowsAndKeepsTheOldFront() {
        long s = search();
        trial(s, 0);
        List<ParetoRow> front = List.of(new ParetoRow(s, 0, 0.8, 5000, Optional.empty()));
        store.replaceFront(s, front, 0.4);
        assertThrows(StoreException.class, () -> store.replaceFront(s, List.of(new ParetoRow(s, 5, 0.8, 5000, Optional.empty())), 0.5));
        assertThrows(StoreException.class, () -> store.replaceFront(s, List.of(new ParetoRow(s + 1, 0, 0.8, 5000, Optional.empty())), 0.5));
        assertThrows(StoreException.class, () -> store.replaceFront(s, List.of(front.get(0), front.get(0)), 0.5));
        assertThrows(StoreException.class, () -> store.replaceFront(s, front, Double.NaN));
        assertEquals(front, store.front(s));
        assertEquals(1, store.hypervolumeHistory(s).size());
    }

    @Test
    void frontPointsShowTheTestAccuracyOnceMeasured() {
        long s = search();
        trial(s, 0);
        store.finishTrial(s, 0, TrialState.COMPLETED, "last epoch");
        store.replaceFront(s, List.of(new ParetoRow(s, 0, 0.8, 5000, Optional.empty())), 0.4);
        store.setTestAccuracy(s, 0, 0.79);
        assertEquals(Optional.of(0.79), store.front(s).get(0).testAccuracy());
    }

    // ---- resume -------------------------------------------------------------------------------------------------

    @Test
    void resumeStateHandsBackUnfinishedTrialsWithCheckpointsAndTheReportOrder() {
        long s = search();
        for (int i = 0; i < 5; i++) trial(s, i);
        // 0: completed after 2 epochs; 1: pruned after 1; 2: running, 2 epochs, checkpoint at 2;
        // 3: running, 1 epoch, no checkpoint; 4: pending
        store.markRunning(s, 0, "cpu:0");
        store.markRunning(s, 1, "cpu:1");
        store.recordReport(s, 0, metrics(1, 0.5), verdict(1));
        store.recordReport(s, 1, metrics(1, 0.2), new Verdict(Decision.STOP, 0, "worst at rung 0"));
        store.finishTrial(s, 1, TrialState.PRUNED, "worst at rung 0");
        store.recordReport(s, 0, metrics(2, 0.6), verdict(2));
        store.recordCheckpoint(s, 0, 2, dataDir().resolve("checkpoints/t0.zip"));
        store.finishTrial(s, 0, TrialState.COMPLETED, "last epoch");
        store.markRunning(s, 2, "cpu:0");
        store.markRunning(s, 3, "cpu:1");
        store.recordReport(s, 2, metrics(1, 0.4), verdict(1));
        store.recordReport(s, 3, metrics(1, 0.45), verdict(1));
        store.recordReport(s, 2, metrics(2, 0.55), verdict(2));
        store.recordCheckpoint(s, 2, 2, dataDir().resolve("checkpoints/t2.zip"));

        ResumeState r = store.resumeState(s);
        assertEquals(store.search(s).orElseThrow(), r.search());
        assertEquals(List.of(0, 1, 2, 3, 4), r.trials().stream().map(TrialRecord::number).toList());
        assertEquals(List.of(TrialState.COMPLETED, TrialState.PRUNED, TrialState.RUNNING, TrialState.RUNNING, TrialState.PENDING),
                r.trials().stream().map(TrialRecord::state).toList());
        assertEquals(new TrialRecord(0, candidate(0), TrialState.COMPLETED, List.of(metrics(1, 0.5), metrics(2, 0.6)), 4096),
                r.trials().get(0));
        assertEquals(List.of(), r.trials().get(4).reports());
        assertEquals(4100, r.trials().get(4).sizeBits());
        assertEquals(List.of(new ReportRef(0, 1), new ReportRef(1, 1), new ReportRef(0, 2), new ReportRef(2, 1),
                new ReportRef(3, 1), new ReportRef(2, 2)), r.reportOrder());
        assertEquals(List.of(2, 3, 4), r.unfinished().stream().map(TrialRow::number).toList());
        assertEquals(store.trials(s).subList(2, 5), r.unfinished());
        assertEquals(Map.of(2, new CheckpointRow(s, 2, 2, dataDir().resolve("checkpoints/t2.zip").toAbsolutePath().normalize())),
                r.checkpoints());
        assertEquals(5, r.nextNumber());
    }

    @Test
    void resumeStateOfAnEmptySearchAndOfAnUnknownOne() {
        long s = search();
        ResumeState r = store.resumeState(s);
        assertEquals(List.of(), r.trials());
        assertEquals(0, r.nextNumber());
        StoreException e = assertThrows(StoreException.class, () -> store.resumeState(s + 10));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void updatedTimesMoveForwardWithWrites() {
        long s = search();
        TrialRow created = trial(s, 0);
        store.markRunning(s, 0, "cpu:0");
        TrialRow running = store.trial(s, 0).orElseThrow();
        assertFalse(running.updated().isBefore(created.updated()));
        assertEquals(created.created(), running.created());
        assertNotEquals(created, running);
    }
}
