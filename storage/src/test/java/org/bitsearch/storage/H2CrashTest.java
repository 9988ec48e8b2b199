package org.bitsearch.storage;

import org.bitsearch.search.engine.ReportRef;
import org.bitsearch.search.trial.TrialRecord;
import org.bitsearch.search.trial.TrialState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The crash test: a {@link CrashWriter} child JVM writes a search through the real store and is killed with
 * SIGKILL at at least {@link #KILLS} seeded random moments (more, up to {@link #MAX_KILLS}, until at least a third
 * of them interrupted a trial and the writer finished KILLS trials). All rounds share one database: each new child resumes what
 * the killed one left (so resume is exercised for real, again and again). After every kill the parent opens the
 * database and checks that it is consistent, that every write the child acknowledged is there, that trials
 * finished in earlier rounds are unchanged, and that {@code resumeState} hands back exactly the unfinished trials.
 */
class H2CrashTest {
    static final int KILLS = 10;
    /** Rounds go on past KILLS (up to this many) until enough kills interrupted a trial: a loaded machine aims worse. */
    static final int MAX_KILLS = 30;
    static final long WRITER_SEED = 7;

    @TempDir Path dir;

    /** A finished trial as seen once: it must look exactly the same in every later round. */
    record Finished(TrialRow row, List<ReportRow> reports, List<RungDecisionRow> decisions) {}

    @Test
    void aSearchKilledAtRandomMomentsStaysConsistentAndLosesNoAcknowledgedWrite() throws Exception {
        Rounds r = killRepeatedly(new SplittableRandom(20_261_122L), KILLS, 1, 0);
        System.out.printf("crash test: %d kills, %d acknowledged writes, %d finished trials, %d kills interrupted a trial%n",
                r.kills, r.acknowledged, r.finished.size(), r.withUnfinished);
        assertTrue(r.finished.size() >= KILLS, "the writer should finish many trials, finished " + r.finished.size());
        assertTrue(r.withUnfinished >= KILLS / 3, "many kills should interrupt a trial, but only "
                + r.withUnfinished + " of " + r.kills + " did");
        assertTrue(r.acknowledged > 0);
    }

    /**
     * Long sessions: each writer is killed only after {@link #LONG_SESSION_ACKS} to twice as many acknowledged
     * writes, so that H2 reuses the space of dead chunks in every session (the file stays far below what as many
     * appended chunks would take, which the test checks), and the kills land while it does: the case in which,
     * without {@link H2FileGuard}'s store header after every commit, a kill lost the last acknowledged writes.
     */
    @Test
    void longSessionsThatReuseFileSpaceLoseNoAcknowledgedWriteWhenKilled() throws Exception {
        Rounds r = killRepeatedly(new SplittableRandom(20_261_202L), LONG_KILLS, LONG_SESSION_ACKS, LONG_SESSION_ACKS);
        System.out.printf("crash test, long sessions: %d kills, %d acknowledged writes, %d finished trials, "
                + "largest file %.2f MB%n", r.kills, r.acknowledged, r.finished.size(), r.largestFile / 1048576.0);
        assertTrue(r.acknowledged >= LONG_KILLS * LONG_SESSION_ACKS, "each session should write many times, but all "
                + "wrote " + r.acknowledged + " times");
        // appended without reuse, every commit would add a chunk of at least 4 KB (one block)
        long appendOnly = 4096L * r.acknowledged;
        assertTrue(r.largestFile < appendOnly / 4, "the file reached " + r.largestFile + " bytes after "
                + r.acknowledged + " writes: H2 did not reuse space, so the kills did not test that case");
    }

    static final int LONG_KILLS = 8;
    static final int LONG_SESSION_ACKS = 400;

    /** What a series of kills saw. */
    static final class Rounds {
        final Map<Integer, Finished> finished = new HashMap<>();
        int withUnfinished, acknowledged, kills;
        long largestFile;
    }

    /**
     * Starts a writer, waits for {@code minAcks} plus up to {@code spreadAcks} acknowledged writes and a random
     * moment of up to 600 ms, kills it and verifies the database; {@code minRounds} times, and more (up to
     * {@link #MAX_KILLS}) until a third of the kills interrupted a trial and {@code minRounds} trials finished.
     */
    private Rounds killRepeatedly(SplittableRandom moments, int minRounds, int minAcks, int spreadAcks) throws Exception {
        Path db = dir.resolve("data");
        Path stderr = dir.resolve("child-stderr.log");
        Files.createFile(stderr);
        Rounds r = new Rounds();
        for (int round = 0; round < MAX_KILLS
                && (round < minRounds || r.withUnfinished < minRounds / 3 || r.finished.size() < minRounds); round++) {
            r.kills++;
            ChildProcess child = ChildProcess.start(db, WRITER_SEED, "write", stderr);
            child.awaitReady(120);
            // aim at the writing, however slowly this machine starts the child
            child.awaitLines(minAcks + (spreadAcks > 0 ? moments.nextInt(spreadAcks) : 0), 300);
            Thread.sleep(moments.nextInt(600));
            assertTrue(child.isAlive(), "the writer died on its own; its stderr:\n" + Files.readString(stderr));
            assertEquals(ChildProcess.SIGKILL_EXIT, child.kill(), "destroyForcibly() must be SIGKILL");
            List<String> acks = child.lines();
            r.acknowledged += acks.size();
            r.largestFile = Math.max(r.largestFile, Files.size(H2SearchStore.databaseFile(db)));
            try (H2SearchStore store = H2SearchStore.open(db)) {
                r.withUnfinished += verify(store, acks, r.finished, round) ? 1 : 0;
            }
        }
        return r;
    }

    /** Checks the database after a kill; returns true if the kill left unfinished trials behind. */
    private boolean verify(H2SearchStore store, List<String> acks, Map<Integer, Finished> finished, int round) {
        String where = "after kill " + (round + 1) + " (last acks " + acks.subList(Math.max(0, acks.size() - 5), acks.size()) + ")";
        List<SearchRow> searches = store.searches();
        assertTrue(searches.size() <= 1, where + ": one search at most, found " + searches);
        if (searches.isEmpty()) {
            assertEquals(List.of(), acks, where + ": acknowledged writes but no search");
            return false;
        }
        long s = searches.get(0).id();
        assertEquals(List.of(s), store.interruptedSearches(), where);
        ResumeState resume = store.resumeState(s); // itself checks that report epochs are contiguous
        List<TrialRow> trials = store.trials(s);

        // trial numbers 0..n-1, no gaps, no duplicates; each row as the writer made it
        assertEquals(IntStream.range(0, trials.size()).boxed().toList(), trials.stream().map(TrialRow::number).toList(), where);
        for (TrialRow t : trials) {
            int n = t.number();
            assertEquals(CrashWriter.candidate(WRITER_SEED, n), t.candidate(), where + ": candidate of " + n);
            assertEquals(WRITER_SEED + n, t.seed(), where);
            assertEquals(CrashWriter.sizeBits(t.candidate()), t.sizeBits(), where);
            CrashWriter.Plan plan = CrashWriter.plan(WRITER_SEED, n);
            List<ReportRow> reports = store.reports(s, n);
            List<RungDecisionRow> decisions = store.decisions(s, n);
            assertEquals(reports.size(), decisions.size(), where + ": a report without its verdict in trial " + n);
            for (int i = 0; i < reports.size(); i++) {
                int epoch = i + 1;
                assertEquals(CrashWriter.metrics(WRITER_SEED, n, epoch), reports.get(i).metrics(), where + ": trial " + n);
                assertEquals(CrashWriter.verdict(WRITER_SEED, n, epoch), decisions.get(i).verdict(), where + ": trial " + n);
            }
            if (t.state().isFinished()) {
                assertEquals(plan.outcome(), t.state(), where + ": trial " + n);
                assertEquals(plan.epochs(), reports.size(), where + ": a finished trial " + n + " has all its reports");
            } else {
                assertTrue(reports.size() <= plan.epochs(), where);
            }
            Optional<CheckpointRow> checkpoint = store.latestCheckpoint(s, n);
            checkpoint.ifPresent(c -> {
                assertTrue(c.epoch() <= reports.size(), where + ": checkpoint ahead of the reports in trial " + n);
                assertEquals(store.dataDir().resolve("checkpoints").resolve("t" + n + "-e" + c.epoch() + ".zip"), c.path(), where);
            });
        }

        // reports: seq strictly increasing, every report belongs to an existing trial
        List<ReportRow> all = store.reports(s);
        for (int i = 1; i < all.size(); i++)
            assertTrue(all.get(i).seq() > all.get(i - 1).seq(), where + ": seq not increasing at " + i);
        assertTrue(all.stream().allMatch(r -> r.number() < trials.size()), where + ": a report for a missing trial");
        assertEquals(all.size(), trials.stream().mapToInt(t -> store.reports(s, t.number()).size()).sum(), where);

        // resume state: exactly the unfinished trials, the same histories and the same report order
        List<TrialRow> unfinished = trials.stream().filter(t -> !t.state().isFinished()).toList();
        assertEquals(unfinished, resume.unfinished(), where + ": resume must hand back exactly the unfinished trials");
        assertEquals(trials.size(), resume.nextNumber(), where);
        assertEquals(trials.stream().map(TrialRow::state).toList(), resume.trials().stream().map(TrialRecord::state).toList(), where);
        for (TrialRecord r : resume.trials())
            assertEquals(store.reports(s, r.number()).stream().map(ReportRow::metrics).toList(), r.reports(), where);
        assertEquals(all.stream().map(r -> new ReportRef(r.number(), r.metrics().epoch())).toList(), resume.reportOrder(), where);
        Map<Integer, CheckpointRow> expectedCheckpoints = new HashMap<>();
        for (TrialRow t : unfinished) store.latestCheckpoint(s, t.number()).ifPresent(c -> expectedCheckpoints.put(t.number(), c));
        assertEquals(expectedCheckpoints, resume.checkpoints(), where);

        // the front names completed trials only; its history has steps 1..m
        store.front(s).forEach(p -> assertEquals(TrialState.COMPLETED, trials.get(p.number()).state(), where));
        List<double[]> history = store.hypervolumeHistory(s);
        for (int i = 0; i < history.size(); i++) assertEquals(i + 1, (int) history.get(i)[0], where);

        // every acknowledged write is there
        for (String ack : acks) {
            String[] f = ack.split(" ");
            int n = f.length > 1 && !f[0].equals("P") ? Integer.parseInt(f[1]) : -1;
            switch (f[0]) {
                case "T" -> assertTrue(n < trials.size(), where + ": lost " + ack);
                case "R" -> assertTrue(trials.get(n).attempts() >= 1, where + ": lost " + ack);
                case "E" -> assertTrue(store.reports(s, n).size() >= Integer.parseInt(f[2]), where + ": lost " + ack);
                case "C" -> assertTrue(trials.get(n).state().isFinished()
                        || store.latestCheckpoint(s, n).map(CheckpointRow::epoch).orElse(0) >= Integer.parseInt(f[2]),
                        where + ": lost " + ack);
                case "F" -> assertEquals(TrialState.valueOf(f[2]), trials.get(n).state(), where + ": lost " + ack);
                case "P" -> assertTrue(!history.isEmpty(), where + ": lost " + ack);
                default -> throw new AssertionError(where + ": unknown ack " + ack);
            }
        }

        // trials finished in earlier rounds are exactly as they were
        for (Map.Entry<Integer, Finished> e : finished.entrySet()) {
            int n = e.getKey();
            assertEquals(e.getValue(), new Finished(store.trial(s, n).orElseThrow(), store.reports(s, n), store.decisions(s, n)),
                    where + ": finished trial " + n + " changed");
        }
        for (TrialRow t : trials)
            if (t.state().isFinished())
                finished.putIfAbsent(t.number(), new Finished(t, store.reports(s, t.number()), store.decisions(s, t.number())));
        return !unfinished.isEmpty();
    }

}
