package org.bitsearch.orchestrator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.bitsearch.actors.SearchSystem;
import org.bitsearch.actors.api.SearchEvent;
import org.bitsearch.actors.service.RegistrySearchService;
import org.bitsearch.search.space.ModelSize;
import org.bitsearch.search.trial.TrialState;
import org.bitsearch.storage.SearchRow;
import org.bitsearch.storage.SearchState;
import org.bitsearch.storage.SearchStore;
import org.bitsearch.storage.StoreException;

import java.io.PrintStream;
import java.nio.charset.Charset;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Runs one search in the foreground of the command line: shows progress on stderr, waits for the search to end,
 * prints its Pareto front on stdout. Ctrl-C (SIGINT) or SIGTERM stops the search cleanly (running epochs are
 * cancelled and discarded, the trials INTERRUPTED; they go on from their last checkpoint) and leaves it STOPPED and
 * resumable, and the command exits 0; a second signal exits at once. Progress is one line per event when not on a
 * terminal (scripts and tests read it); on a terminal it is a block redrawn in place ({@link ProgressView}: a bar
 * with trials done / budget, elapsed time and ETA, the running trials' epochs, the front), with trial outcomes and
 * every log line printed above it ({@link TerminalBlock}).
 */
final class ForegroundSearch {
    private final SearchSystem system;
    private final SearchStore store;
    private final PrintStream err;
    private final boolean terminal;
    private final CountingStates states = new CountingStates();
    private final AtomicReference<List<ProgressView.Point>> front = new AtomicReference<>(List.of());
    private final Map<Integer, Integer> runningEpochs = new ConcurrentHashMap<>();
    private volatile TerminalBlock block;
    private volatile String watchUrl;
    private volatile int budget, maxEpochs, doneAtStart;
    private volatile long startNanos = System.nanoTime();
    private final TerminalWidth width = new TerminalWidth();
    private final AtomicLong searchId = new AtomicLong(-1);
    private final CountDownLatch finished = new CountDownLatch(1);
    private final AtomicBoolean stopRequested = new AtomicBoolean();
    private StopSignals signals;

    ForegroundSearch(SearchSystem system, SearchStore store, PrintStream err) {
        this(system, store, err, System.console() != null);
    }

    /** @param terminal whether {@code err} is a terminal: a block redrawn in place, else plain lines */
    ForegroundSearch(SearchSystem system, SearchStore store, PrintStream err, boolean terminal) {
        this.system = system;
        this.store = store;
        this.err = err;
        this.terminal = terminal;
    }

    /** The page's address when {@code run --ui} serves it: printed with the search's id once it runs. */
    void watchAt(String url) { this.watchUrl = url; }

    /**
     * Starts the search with {@code start} (submit or resume; completes with the id), then blocks until it
     * ends. Returns the final search row. From now until {@link #cleanedUp()}, SIGINT and SIGTERM stop the search
     * ({@link StopSignals}): this method then returns the STOPPED row normally; a second signal exits at once.
     */
    SearchRow run(Supplier<CompletionStage<Long>> start) throws Exception {
        signals = StopSignals.install(this::onSignal, err);
        try (AutoCloseable sub = system.events().subscribe(this::onEvent)) {
            long id = start.get().toCompletableFuture().get(system.settings().askTimeout().toSeconds() + 30, TimeUnit.SECONDS);
            searchId.set(id);
            store.trials(id).forEach(t -> states.putIfAbsent(t.number(), t.state().name()));
            readBudget(store.search(id).orElseThrow());
            doneAtStart = (int) (count(TrialState.COMPLETED.name()) + count(TrialState.PRUNED.name()) + count(TrialState.FAILED.name()));
            front.set(store.front(id).stream().map(p -> new ProgressView.Point(p.valAccuracy(), ModelSize.kib(p.sizeBits()))).toList());
            startNanos = System.nanoTime();
            PrintStream originalErr = System.err;
            if (terminal) {
                block = new TerminalBlock(err);
                // every other writer of stderr (logback's console appender included) prints above the block
                System.setErr(new PrintStream(block.logStream(Charset.defaultCharset()), true));
            }
            try {
                line(String.format(Locale.ROOT, "search %d running; Ctrl-C stops it (resumable with: bitsearch resume %d)", id, id));
                if (watchUrl != null) line("watch it in a browser: " + watchUrl + "#/search/" + id);
                if (stopRequested.get()) requestStop(id); // a signal came while the search was starting
                redraw();
                while (!finished.await(500, TimeUnit.MILLISECONDS)) {
                    redraw();
                    if (failure().isPresent() || system.terminated()) break; // given up (e.g. a storage failure): see failure()
                    SearchRow row;
                    try {
                        row = store.search(id).orElseThrow();
                    } catch (StoreException e) {
                        // the store broke under the search: its supervisor is being given up; wait for the cause it records
                        for (int i = 0; i < 120 && failure().isEmpty() && !system.terminated(); i++) Thread.sleep(250);
                        if (failure().isPresent()) break;
                        throw e;
                    }
                    if (row.state() != SearchState.RUNNING && system.service() != null && !isRunning(id)) break;
                }
                redraw();
            } finally {
                if (block != null) {
                    block.finish();
                    System.setErr(originalErr);
                }
            }
            return store.search(id).orElseThrow();
        }
    }

    /**
     * Why the search could not go on, if its supervisor was given up (e.g. the disk is full or the database file
     * read-only); then reading the store may fail too, and the caller should print this and exit 1.
     */
    long searchId() { return searchId.get(); }

    Optional<String> failure() {
        long id = searchId.get();
        return id < 0 ? Optional.empty() : system.failure(id);
    }

    /** Called once the caller has printed and closed everything: SIGINT and SIGTERM get their default behaviour back. */
    void cleanedUp() {
        if (signals != null) signals.close();
    }

    private boolean isRunning(long id) {
        try {
            return system.service() instanceof RegistrySearchService s
                    && s.running().toCompletableFuture().get(5, TimeUnit.SECONDS).contains(id);
        } catch (Exception e) {
            return false;
        }
    }

    /** The first SIGINT/SIGTERM: asks the registry to stop the search (or to stop it as soon as it has an id). */
    private void onSignal() {
        stopRequested.set(true);
        long id = searchId.get();
        if (finished.getCount() == 0) return; // it has ended: the command is about to return
        if (id >= 0) requestStop(id);
        else line("stopping: the search stops as soon as it has started ...");
    }

    private void requestStop(long id) {
        line(String.format(Locale.ROOT, "stopping search %d: running epochs are cancelled; trials go on from their last checkpoint on resume "
                + "(a second Ctrl-C exits at once) ...", id));
        system.service().stop(id).whenComplete((r, e) -> {
            if (e != null) err.println("could not stop cleanly: " + e);
        });
    }

    private void onEvent(SearchEvent e) {
        long id = searchId.get();
        if (id >= 0 && e.searchId() != id) return;
        String line = describe(e);
        if (terminal) {
            // trial outcomes and the search's own messages above the block; epochs show in it
            if (!(e instanceof SearchEvent.EpochReported) && !(e instanceof SearchEvent.TrialStarted)) line(line);
            redraw();
        } else {
            err.println(line);
            // a front change follows the trial's finish: print the status again so the last line shows the new front
            if (e instanceof SearchEvent.TrialFinished || e instanceof SearchEvent.FrontChanged) err.println(status());
        }
        if (e instanceof SearchEvent.SearchFinished) finished.countDown();
    }

    private String describe(SearchEvent e) {
        if (e instanceof SearchEvent.SearchStarted s)
            return String.format(Locale.ROOT, "search %d '%s' %s", s.searchId(), s.name(), s.resumed() ? "resumed" : "started");
        if (e instanceof SearchEvent.TrialStarted t) {
            states.put(t.number(), TrialState.RUNNING.name());
            runningEpochs.put(t.number(), Math.max(0, t.fromEpoch() - 1)); // epochs done; fromEpoch is the next to train
            return String.format(Locale.ROOT, "trial %d started on %s (attempt %d, from epoch %d)", t.number(), t.device(), t.attempt(), t.fromEpoch());
        }
        if (e instanceof SearchEvent.EpochReported r) {
            runningEpochs.put(r.number(), r.metrics().epoch());
            String current = Double.compare(r.metrics().currentAccuracy(), r.metrics().valAccuracy()) == 0 ? ""
                    : String.format(Locale.ROOT, " (currentAccuracy %.4f)", r.metrics().currentAccuracy());
            return String.format(Locale.ROOT, "trial %d epoch %d: valAccuracy %.4f%s, %s%s", r.number(), r.metrics().epoch(),
                    r.metrics().valAccuracy(), current, r.verdict().decision(), r.verdict().reason().isEmpty() ? "" : " (" + r.verdict().reason() + ")");
        }
        if (e instanceof SearchEvent.TrialFinished f) {
            states.put(f.number(), f.state().name());
            runningEpochs.remove(f.number());
            return String.format(Locale.ROOT, "trial %d %s%s", f.number(), f.state(), f.reason().isEmpty() ? "" : ": " + f.reason());
        }
        if (e instanceof SearchEvent.TrialInterrupted i) {
            states.put(i.number(), TrialState.INTERRUPTED.name());
            return String.format(Locale.ROOT, "trial %d INTERRUPTED: %s", i.number(), i.reason());
        }
        if (e instanceof SearchEvent.TrialRetrying r) {
            states.put(r.number(), "RETRYING");
            return String.format(Locale.ROOT, "trial %d failed, retrying (attempt %d): %s", r.number(), r.attempt(), r.error());
        }
        if (e instanceof SearchEvent.FrontChanged f) {
            front.set(f.front().stream().map(p -> new ProgressView.Point(p.accuracy(), ModelSize.kib(p.sizeBits()))).toList());
            return String.format(Locale.ROOT, "front changed: %d point(s), hypervolume %.4f", f.front().size(), f.hypervolume());
        }
        SearchEvent.SearchFinished f = (SearchEvent.SearchFinished) e;
        runningEpochs.clear(); // a stop interrupts the running trials without a TrialFinished
        return String.format(Locale.ROOT, "search %d %s: %s", f.searchId(), f.state(), f.message());
    }

    /** "progress: 5 done (3 completed, 2 pruned, 0 failed), 2 running[, 1 interrupted] | front: 0.8712@12.3KiB ..." */
    String status() {
        long completed = count(TrialState.COMPLETED.name()), pruned = count(TrialState.PRUNED.name()), failed = count(TrialState.FAILED.name());
        long running = count(TrialState.RUNNING.name()) + count("RETRYING");
        long interrupted = count(TrialState.INTERRUPTED.name());
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "progress: %d done (%d completed, %d pruned, %d failed), %d running",
                completed + pruned + failed, completed, pruned, failed, running));
        if (interrupted > 0) sb.append(String.format(Locale.ROOT, ", %d interrupted", interrupted));
        List<ProgressView.Point> f = front.get();
        if (!f.isEmpty()) {
            sb.append(" | front:");
            f.stream().sorted(Comparator.comparingDouble(ProgressView.Point::accuracy).reversed()).limit(3)
                    .forEach(p -> sb.append(String.format(Locale.ROOT, " %.4f@%.1fKiB", p.accuracy(), p.sizeKiB())));
        }
        return sb.toString();
    }

    /** What the terminal block shows now. */
    ProgressView.Snapshot snapshot() {
        List<ProgressView.Running> running = runningEpochs.entrySet().stream()
                .map(en -> new ProgressView.Running(en.getKey(), en.getValue())).toList();
        return new ProgressView.Snapshot((int) count(TrialState.COMPLETED.name()), (int) count(TrialState.PRUNED.name()),
                (int) count(TrialState.FAILED.name()), doneAtStart, budget, maxEpochs,
                Duration.ofNanos(System.nanoTime() - startNanos), running, front.get());
    }

    private void redraw() {
        TerminalBlock b = block;
        if (b != null) b.show(ProgressView.render(snapshot(), width.columns()));
    }

    /** A message line: above the block on a terminal, else a plain line. */
    private void line(String text) {
        TerminalBlock b = block;
        if (b != null) b.log(text);
        else err.println(text);
    }

    private void readBudget(SearchRow row) {
        try {
            JsonNode b = new ObjectMapper().readTree(row.specJson()).path("budget");
            budget = b.path("maxTrials").asInt(0);
            maxEpochs = b.path("maxEpochs").asInt(0);
        } catch (Exception e) {
            budget = 0;
            maxEpochs = 0;
        }
    }

    private long count(String state) {
        return states.count(state);
    }

    /**
     * Each trial's last known state, with a counter per state kept on every change, so that {@link #status()}
     * (called on every event) costs O(1) rather than a pass over all trials. Thread-safe (synchronized).
     */
    static final class CountingStates {
        private final Map<Integer, String> byTrial = new HashMap<>();
        private final Map<String, Long> counts = new HashMap<>();

        synchronized void put(int number, String state) {
            String old = byTrial.put(number, state);
            if (old != null) counts.merge(old, -1L, Long::sum);
            counts.merge(state, 1L, Long::sum);
        }

        synchronized void putIfAbsent(int number, String state) {
            if (!byTrial.containsKey(number)) put(number, state);
        }

        synchronized long count(String state) {
            return counts.getOrDefault(state, 0L);
        }
    }
}
