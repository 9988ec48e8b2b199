package org.bitsearch.storage;

import org.bitsearch.search.space.BitAllocation;
import org.bitsearch.search.trial.Candidate;
import org.bitsearch.search.trial.Decision;
import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.search.trial.TrialState;
import org.bitsearch.search.trial.Verdict;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * A child process for {@link H2CrashTest} and {@link H2SecondProcessTest}: {@code CrashWriter <dataDir> <seed> write}
 * writes a search through the real store as a search would (trials PENDING, then RUNNING, epoch reports with their
 * verdicts, checkpoints, final states, the Pareto front), resuming whatever an earlier, killed run left unfinished,
 * until it is killed. After each write returns it prints an acknowledgement line, so the parent knows which writes
 * were committed (each line ends with " ;"):
 * <pre>
 *   T n            trial n created (PENDING)
 *   R n            trial n marked running
 *   E n e          report of epoch e of trial n (metrics are {@link #metrics(long, int, int)})
 *   C n e          checkpoint of trial n at epoch e
 *   F n STATE      trial n finished
 *   P size         front replaced
 * </pre>
 * The writer opens the store with H2's retention time 0, so that H2 reuses dead space from the first commits on
 * (see {@link H2FileGuard}: that is when a kill could lose acknowledged commits without the guard).
 * {@code CrashWriter <dataDir> 0 hold} opens the store, prints READY and waits until killed.
 * Everything it writes is a function of (seed, trial number, epoch), so a re-run writes the same values.
 */
public final class CrashWriter {
    static final String SEARCH_NAME = "crash-test";

    private final SearchStore store;
    private final long seed;
    private final Path dataDir;
    private final PrintStream ack;

    private CrashWriter(SearchStore store, long seed, Path dataDir, PrintStream ack) {
        this.store = store;
        this.seed = seed;
        this.dataDir = dataDir;
        this.ack = ack;
    }

    public static void main(String[] args) throws InterruptedException {
        Path dir = Path.of(args[0]);
        long seed = Long.parseLong(args[1]);
        String mode = args[2];
        // retention 0: H2 reuses the space of every dead chunk at once, the hardest case for finding the newest
        // commit after a kill (see H2FileGuard); the store's own retention only delays that reuse
        H2SearchStore store = H2SearchStore.open(dir, Clock.systemUTC(), 0);
        // warm up the JSON code before READY, so the kills do not cluster in the first createTrial's class loading
        CandidateJson json = new CandidateJson();
        json.normalise(candidate(seed, 0));
        System.out.println("READY");
        if (mode.equals("hold")) {
            Thread.sleep(Long.MAX_VALUE);
            return;
        }
        new CrashWriter(store, seed, dir, System.out).run();
    }

    /** How trial n goes: its number of epochs and its final state. */
    record Plan(int epochs, TrialState outcome) {}

    static Plan plan(long seed, int number) {
        SplittableRandom r = new SplittableRandom(seed * 1_000_003L + number);
        int epochs = 1 + r.nextInt(4);
        int kind = r.nextInt(10);
        TrialState outcome = kind < 6 ? TrialState.COMPLETED : kind < 9 ? TrialState.PRUNED : TrialState.FAILED;
        return new Plan(epochs, outcome);
    }

    static Candidate candidate(long seed, int number) {
        SplittableRandom r = new SplittableRandom(seed * 7919L + number);
        return new Candidate(Map.of("lr", r.nextDouble(1e-4, 1e-1), "batch", (long) (16 << r.nextInt(4)),
                "optimizer", r.nextBoolean() ? "adam" : "sgd"),
                BitAllocation.of(8, 1 + r.nextInt(8), 1 + r.nextInt(4)));
    }

    static EpochMetrics metrics(long seed, int number, int epoch) {
        SplittableRandom r = new SplittableRandom(seed * 104_729L + number * 131L + epoch);
        double acc = Math.min(1.0, 0.3 + 0.1 * epoch + r.nextDouble(0.0, 0.05));
        return new EpochMetrics(epoch, acc, 1.5 - acc, 1.6 - acc, 0.01 * epoch, 5000 + r.nextInt(100));
    }

    static Verdict verdict(long seed, int number, int epoch) {
        Plan p = plan(seed, number);
        if (epoch == p.epochs() && p.outcome() == TrialState.PRUNED)
            return new Verdict(Decision.STOP, epoch - 1, "bottom at rung " + (epoch - 1));
        return new Verdict(Decision.CONTINUE, epoch - 1, "");
    }

    private void run() {
        long searchId = store.interruptedSearches().stream().findFirst()
                .orElseGet(() -> store.createSearch(SEARCH_NAME, "{\"seed\": " + seed + "}", seed).id());
        ResumeState state = store.resumeState(searchId);
        // finish the interrupted trials first, from their checkpoints, then go on with new numbers
        for (TrialRow t : state.unfinished()) {
            int from = Optional.ofNullable(state.checkpoints().get(t.number())).map(CheckpointRow::epoch).orElse(0);
            runTrial(searchId, t.number(), from);
        }
        for (int n = state.nextNumber(); n < 1_000_000; n++) {
            store.createTrial(searchId, n, candidate(seed, n), seed + n, sizeBits(candidate(seed, n)));
            ack("T " + n);
            runTrial(searchId, n, 0);
            if (n % 3 == 2) {
                List<ParetoRow> rows = store.trials(searchId).stream()
                        .filter(t -> t.state() == TrialState.COMPLETED)
                        .sorted(Comparator.comparingInt(TrialRow::number).reversed())
                        .limit(3)
                        .map(t -> new ParetoRow(searchId, t.number(), 0.5, t.sizeBits(), Optional.empty()))
                        .toList();
                store.replaceFront(searchId, rows, rows.size() * 0.1);
                ack("P " + rows.size());
            }
        }
    }

    private void runTrial(long searchId, int n, int checkpointEpoch) {
        Plan p = plan(seed, n);
        store.markRunning(searchId, n, "cpu:0");
        ack("R " + n);
        for (int e = checkpointEpoch + 1; e <= p.epochs(); e++) {
            store.recordReport(searchId, n, metrics(seed, n, e), verdict(seed, n, e));
            ack("E " + n + " " + e);
            store.recordCheckpoint(searchId, n, e, dataDir.resolve("checkpoints").resolve("t" + n + "-e" + e + ".zip"));
            ack("C " + n + " " + e);
        }
        store.finishTrial(searchId, n, p.outcome(), p.outcome() == TrialState.FAILED ? "simulated failure" : "done");
        ack("F " + n + " " + p.outcome());
    }

    static long sizeBits(Candidate c) {
        return 1000L * c.bits().bits().stream().mapToInt(Integer::intValue).sum();
    }

    /** Prints one acknowledgement, terminated by " ;" so that the parent can drop a line cut short by the kill. */
    private void ack(String line) {
        ack.println(line + " ;");
    }
}
