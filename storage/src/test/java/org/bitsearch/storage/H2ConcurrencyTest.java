package org.bitsearch.storage;

import org.bitsearch.search.trial.TrialRecord;
import org.bitsearch.search.trial.TrialState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The HTTP API reads from several threads while a search writes (from one thread, or from several trainers at
 * once): no locking errors, and every read sees a consistent state (one statement is consistent by itself; {@code resumeState} is one snapshot over all tables).
 */
class H2ConcurrencyTest {
    static final int READERS = 3;
    static final int WRITERS = 3;
    static final int TRIALS = 30;
    static final long SEED = 11;

    @TempDir Path dir;

    @Test
    void readersHammeringWhileAWriterWritesSeeNoErrorsAndConsistentSnapshots() throws Exception {
        run(1);
    }

    @Test
    void severalTrialsWrittenAtOnceBySeveralThreadsStayConsistent() throws Exception {
        run(WRITERS);
    }

    /** Runs {@code writers} writer threads (each trains its own trials, as trainer actors on several slots do) and the readers. */
    private void run(int writers) throws Exception {
        try (H2SearchStore store = H2SearchStore.open(dir)) {
            long s = store.createSearch("concurrent", "{}", SEED).id();
            AtomicInteger running = new AtomicInteger(writers);
            AtomicInteger nextNumber = new AtomicInteger();
            AtomicLong reads = new AtomicLong();
            List<String> problems = Collections.synchronizedList(new ArrayList<>());
            ExecutorService pool = Executors.newFixedThreadPool(READERS + writers);
            try {
                List<Future<?>> readers = new ArrayList<>();
                for (int i = 0; i < READERS; i++)
                    readers.add(pool.submit(() -> read(store, s, writers, running, reads, problems)));
                List<Future<?>> writing = new ArrayList<>();
                for (int i = 0; i < writers; i++)
                    writing.add(pool.submit(() -> {
                        try {
                            write(store, s, store.checkpointDir(), nextNumber);
                        } finally {
                            running.decrementAndGet();
                        }
                        return null;
                    }));
                for (Future<?> w : writing) w.get(60, TimeUnit.SECONDS);
                for (Future<?> r : readers) r.get(60, TimeUnit.SECONDS);
            } finally {
                pool.shutdownNow();
            }
            assertEquals(List.of(), problems);
            assertTrue(reads.get() >= READERS * 10L, "readers should have read many times, read " + reads.get());
            ResumeState end = store.resumeState(s);
            assertEquals(TRIALS, end.trials().size());
            assertEquals(List.of(), end.unfinished());
            for (TrialRecord t : end.trials())
                assertEquals(CrashWriter.plan(SEED, t.number()).epochs(), t.reports().size());
        }
    }

    /**
     * A writer: takes the next trial number (creating trials is sequential, as in the supervisor), then writes
     * the trial PENDING, RUNNING, reports with verdicts, checkpoints, its final state, and the front.
     */
    private static void write(SearchStore store, long s, Path checkpoints, AtomicInteger nextNumber) {
        while (true) {
            int n;
            synchronized (nextNumber) {
                n = nextNumber.getAndIncrement();
                if (n >= TRIALS) return;
                store.createTrial(s, n, CrashWriter.candidate(SEED, n), n, CrashWriter.sizeBits(CrashWriter.candidate(SEED, n)));
            }
            store.markRunning(s, n, "cpu:" + Thread.currentThread().getId());
            CrashWriter.Plan plan = CrashWriter.plan(SEED, n);
            for (int e = 1; e <= plan.epochs(); e++) {
                store.recordReport(s, n, CrashWriter.metrics(SEED, n, e), CrashWriter.verdict(SEED, n, e));
                store.recordCheckpoint(s, n, e, checkpoints.resolve("t" + n + ".zip"));
            }
            store.finishTrial(s, n, plan.outcome(), "done");
            if (plan.outcome() == TrialState.COMPLETED)
                store.replaceFront(s, List.of(new ParetoRow(s, n, 0.5, 1000, Optional.empty())), n);
        }
    }

    /** A reader: loops over the API's reads until the writer is done, checking what each read sees. */
    private static Void read(SearchStore store, long s, int writers, AtomicInteger running, AtomicLong reads, List<String> problems) {
        int seenTrials = 0;
        long seenSeq = 0;
        boolean last = false;
        while (!last) {
            last = running.get() == 0;
            try {
                ResumeState r = store.resumeState(s);
                int reportCount = 0;
                for (TrialRecord t : r.trials()) {
                    reportCount += t.reports().size();
                    CrashWriter.Plan plan = CrashWriter.plan(SEED, t.number());
                    if (t.state().isFinished() && t.reports().size() != plan.epochs())
                        problems.add("finished trial " + t.number() + " seen with " + t.reports().size() + " reports");
                }
                if (reportCount != r.reportOrder().size()) problems.add("report order and reports disagree");
                if (r.unfinished().size() > writers)
                    problems.add(writers + " trials at a time, but saw unfinished " + r.unfinished());
                if (r.trials().size() < seenTrials) problems.add("trials went from " + seenTrials + " to " + r.trials().size());
                seenTrials = r.trials().size();

                List<ReportRow> reports = store.reports(s);
                for (int i = 1; i < reports.size(); i++)
                    if (reports.get(i).seq() <= reports.get(i - 1).seq()) problems.add("seq not increasing: " + reports);
                if (!reports.isEmpty()) {
                    long top = reports.get(reports.size() - 1).seq();
                    if (top < seenSeq) problems.add("seq went back from " + seenSeq + " to " + top);
                    seenSeq = top;
                }
                List<TrialRow> trials = store.trials(s);
                for (int i = 0; i < trials.size(); i++)
                    if (trials.get(i).number() != i) problems.add("trial numbers have a gap: " + trials);
                store.front(s);
                store.hypervolumeHistory(s);
                store.searches();
                reads.incrementAndGet();
                Thread.sleep(1); // leave the writers some CPU on a small machine; reads still overlap writes
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            } catch (RuntimeException e) {
                problems.add(e.toString());
                return null;
            }
        }
        return null;
    }
}
