package org.bitsearch.orchestrator.cli;

import org.bitsearch.actors.SearchSystem;
import org.bitsearch.orchestrator.view.ViewJson;
import org.bitsearch.orchestrator.wiring.StandardTrainers;
import org.bitsearch.actors.spec.SpecException;
import org.bitsearch.storage.H2SearchStore;
import org.bitsearch.storage.SearchRow;
import org.bitsearch.storage.SearchState;
import org.bitsearch.storage.StoreException;

import org.bitsearch.orchestrator.http.ApiServer;
import org.bitsearch.orchestrator.http.BitsearchServer;
import org.bitsearch.orchestrator.http.HttpSettings;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;

/** What the search commands share: running one search in the foreground, printing results and problems. */
final class Cli {
    static final int OK = 0, FAILURE = 1, BAD_INPUT = 2;

    private Cli() {}

    static int printProblems(SpecException e) {
        System.err.println("invalid search spec (" + e.problems().size() + " problem" + (e.problems().size() == 1 ? "" : "s") + "):");
        e.problems().forEach(System.err::println);
        return BAD_INPUT;
    }

    /**
     * Opens the store and a search system, starts one search with {@code start} (which completes with its id),
     * shows progress until it ends, prints the front (table or JSON) and returns the exit code.
     */
    static int foreground(StoreOptions storeOptions, SystemOptions systemOptions, boolean json,
                          Function<SearchSystem, CompletionStage<Long>> start) {
        return foreground(storeOptions, systemOptions, new UiOptions(), json, start);
    }

    /**
     * As above; with {@code ui} enabled the page and the API are served on 127.0.0.1 while the search runs (its
     * address printed on stderr), and closed when it ends.
     */
    static int foreground(StoreOptions storeOptions, SystemOptions systemOptions, UiOptions ui, boolean json,
                          Function<SearchSystem, CompletionStage<Long>> start) {
        try {
            systemOptions.coordinator(); // a bad --cluster, --secret or TLS flag is bad input, before anything opens
        } catch (IllegalArgumentException e) {
            System.err.println("bitsearch: " + e.getMessage());
            return BAD_INPUT;
        }
        ForegroundSearch fg = null;
        try (H2SearchStore store = storeOptions.open()) {
            SearchRow row;
            java.util.Optional<String> failure;
            try (SearchSystem system = SearchSystem.start(store, RunCommand.settings(storeOptions, systemOptions));
                 ApiServer page = ui.enabled() ? serve(store, system, storeOptions, ui.port) : null) {
                fg = new ForegroundSearch(system, store, System.err);
                if (page != null) fg.watchAt(BitsearchServer.url(page));
                ForegroundSearch f = fg;
                row = f.run(() -> start.apply(system));
                failure = system.failure(row.id());
            }
            if (failure.isPresent()) {
                // the search could not go on (e.g. the disk is full, the database file read-only): say why, exit 1
                System.err.println("bitsearch: search " + row.id() + " could not go on: " + failure.get());
                return FAILURE;
            }
            SearchReport report = new SearchReport(store, row, StandardTrainers.factory());
            if (json) System.out.println(ViewJson.cli(report.summary()));
            else report.printFrontTable(System.out);
            if (row.state() == SearchState.STOPPED) {
                int interrupted = store.trialCounts(row.id()).interrupted();
                System.err.printf("search %d stopped (%s); %d interrupted; go on with: bitsearch resume %d%n", row.id(), row.message(),
                        interrupted, row.id());
            }
            return row.state() == SearchState.FAILED ? FAILURE : OK;
        } catch (Exception e) {
            if (fg != null && fg.failure().isPresent()) {
                System.err.println("bitsearch: search " + fg.searchId() + " could not go on: " + fg.failure().get());
                return FAILURE;
            }
            Throwable cause = unwrap(e);
            if (cause instanceof SpecException s) return printProblems(s);
            if (cause instanceof StoreOptions.BadInput) {
                System.err.println("bitsearch: " + cause.getMessage());
                return BAD_INPUT;
            }
            if (cause instanceof org.bitsearch.actors.device.DeviceSelectionException d) {
                System.err.println("bitsearch: " + d.getMessage());
                return BAD_INPUT;
            }
            if (cause instanceof StoreException) {
                System.err.println("bitsearch: " + cause.getMessage());
                return FAILURE;
            }
            if (cause instanceof UiUnavailable u) {
                System.err.println("bitsearch: " + u.getMessage());
                return u.badInput ? BAD_INPUT : FAILURE;
            }
            System.err.println("bitsearch: " + (cause instanceof IllegalArgumentException ? cause.getMessage() : cause));
            return FAILURE;
        } finally {
            if (fg != null) fg.cleanedUp();
        }
    }

    /** The page and API for this process's store and search system, on 127.0.0.1 (no token: loopback only). */
    private static ApiServer serve(H2SearchStore store, SearchSystem system, StoreOptions storeOptions, int port) {
        if (port < 0 || port > 65535) throw new UiUnavailable("--ui is " + port + ", but must be a port in 0..65535", true);
        HttpSettings http = new HttpSettings("127.0.0.1", port, Optional.empty(), HttpSettings.DEFAULT_MAX_BODY,
                Duration.ofSeconds(15));
        try {
            return BitsearchServer.serve(store, system, http, storeOptions.dataDir(), ServeCommand.version());
        } catch (IllegalStateException | IllegalArgumentException e) {
            throw new UiUnavailable("--ui " + port + ": " + e.getMessage() + " (give another port, or 0 for a free one)", false);
        }
    }

    /** The page of {@code --ui} cannot be served; nothing was started. */
    private static final class UiUnavailable extends RuntimeException {
        final boolean badInput;

        UiUnavailable(String message, boolean badInput) {
            super(message);
            this.badInput = badInput;
        }
    }

    static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) t = t.getCause();
        return t;
    }
}
