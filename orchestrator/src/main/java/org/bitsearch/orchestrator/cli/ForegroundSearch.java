package org.bitsearch.orchestrator.cli;

import org.bitsearch.actors.service.RegistrySearchService;
import org.bitsearch.search.space.ModelSize;
import org.bitsearch.actors.SearchSystem;
import org.bitsearch.actors.api.SearchEvent;
import org.bitsearch.search.pareto.FrontPoint;
import org.bitsearch.search.trial.TrialState;
import org.bitsearch.storage.SearchRow;
import org.bitsearch.storage.SearchState;
import org.bitsearch.storage.SearchStore;

import java.io.PrintStream;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.concurrent.CompletionStage;

/**
 * Runs one search in the foreground of the command line: shows progress on stderr, waits for the search to end,
 * prints its Pareto front on stdout. Ctrl-C (SIGINT/SIGTERM) stops the search cleanly (running epochs are
 * cancelled and discarded; trials go on from their last checkpoint) and leaves it STOPPED and resumable. Progress is one line per event when stderr is not a
 * terminal (scripts and tests read it), one updating line otherwise.
 */
final class ForegroundSearch {
    private final SearchSystem system;
    private final SearchStore store;
    private final PrintStream err;
    private final boolean terminal = System.console() != null;
    private final CountingStates states = new CountingStates();
    private final AtomicReference<List<FrontPoint>> front = new AtomicReference<>(List.of());
    private final AtomicLong searchId = new AtomicLong(-1);
    private final CountDownLatch finished = new CountDownLatch(1);
    private final CountDownLatch cleanedUp = new CountDownLatch(1);

    ForegroundSearch(SearchSystem system, SearchStore store, PrintStream err) {
        this.system = system;
        this.store = store;
        this.err = err;
    }

    /**
     * Starts the search with {@code start} (submit or resume; completes with the id), then blocks until it
     * ends. Returns the final search row.
     */
    SearchRow run(Supplier<CompletionStage<Long>> start) throws Exception {
        Thread hook = new Thread(this::onSignal, "bitsearch-stop");
        try (AutoCloseable sub = system.events().subscribe(this::onEvent)) {
            long id = start.get().toCompletableFuture().get(system.settings().askTimeout().toSeconds() + 30, TimeUnit.SECONDS);
            searchId.set(id);
            store.trials(id).forEach(t -> states.putIfAbsent(t.number(), t.state().name()));
            Runtime.getRuntime().addShutdownHook(hook);
            err.printf(Locale.ROOT, "search %d running; Ctrl-C stops it (resumable with: bitsearch resume %d)%n", id, id);
            while (!finished.await(500, TimeUnit.MILLISECONDS)) {
                SearchRow row = store.search(id).orElseThrow();
                if (row.state() != SearchState.RUNNING && system.service() != null && !isRunning(id)) break;
            }
            if (terminal) err.println();
            return store.search(id).orElseThrow();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it waits for cleanedUp
            }
        }
    }

    /** Called once the caller has printed and closed everything; lets a pending signal hook return. */
    void cleanedUp() { cleanedUp.countDown(); }

    private boolean isRunning(long id) {
        try {
            return system.service() instanceof RegistrySearchService s
                    && s.running().toCompletableFuture().get(5, TimeUnit.SECONDS).contains(id);
        } catch (Exception e) {
            return false;
        }
    }

    private void onSignal() {
        long id = searchId.get();
        if (id < 0 || finished.getCount() == 0) return;
        err.printf(Locale.ROOT, "%nstopping search %d: running epochs are cancelled; trials go on from their last checkpoint on resume ...%n", id);
        try {
            system.service().stop(id).toCompletableFuture().get(30, TimeUnit.SECONDS);
            cleanedUp.await(system.settings().shutdownTimeout().toSeconds() + 30, TimeUnit.SECONDS);
        } catch (Exception e) {
            err.println("could not stop cleanly: " + e);
        }
    }

    private void onEvent(SearchEvent e) {
        long id = searchId.get();
        if (id >= 0 && e.searchId() != id) return;
        String line = describe(e);
        if (terminal) {
            err.print("\r\033[K" + status());
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
            return String.format(Locale.ROOT, "trial %d started on %s (attempt %d, from epoch %d)", t.number(), t.device(), t.attempt(), t.fromEpoch());
        }
        if (e instanceof SearchEvent.EpochReported r)
            return String.format(Locale.ROOT, "trial %d epoch %d: valAccuracy %.4f, %s%s", r.number(), r.metrics().epoch(),
                    r.metrics().valAccuracy(), r.verdict().decision(), r.verdict().reason().isEmpty() ? "" : " (" + r.verdict().reason() + ")");
        if (e instanceof SearchEvent.TrialFinished f) {
            states.put(f.number(), f.state().name());
            return String.format(Locale.ROOT, "trial %d %s%s", f.number(), f.state(), f.reason().isEmpty() ? "" : ": " + f.reason());
        }
        if (e instanceof SearchEvent.TrialRetrying r) {
            states.put(r.number(), "RETRYING");
            return String.format(Locale.ROOT, "trial %d failed, retrying (attempt %d): %s", r.number(), r.attempt(), r.error());
        }
        if (e instanceof SearchEvent.FrontChanged f) {
            front.set(f.front());
            return String.format(Locale.ROOT, "front changed: %d point(s), hypervolume %.4f", f.front().size(), f.hypervolume());
        }
        SearchEvent.SearchFinished f = (SearchEvent.SearchFinished) e;
        return String.format(Locale.ROOT, "search %d %s: %s", f.searchId(), f.state(), f.message());
    }

    /** "progress: 5 done (2 pruned, 0 failed), 2 running | best: 0.8712@12.3KiB ..." */
    String status() {
        long completed = count(TrialState.COMPLETED.name()), pruned = count(TrialState.PRUNED.name()), failed = count(TrialState.FAILED.name());
        long running = count(TrialState.RUNNING.name()) + count("RETRYING");
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "progress: %d done (%d completed, %d pruned, %d failed), %d running",
                completed + pruned + failed, completed, pruned, failed, running));
        List<FrontPoint> f = front.get();
        if (!f.isEmpty()) {
            sb.append(" | front:");
            f.stream().sorted(Comparator.comparingDouble(FrontPoint::accuracy).reversed()).limit(3)
                    .forEach(p -> sb.append(String.format(Locale.ROOT, " %.4f@%.1fKiB", p.accuracy(), ModelSize.kib(p.sizeBits()))));
        }
        return sb.toString();
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
