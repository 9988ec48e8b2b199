package org.bitsearch.orchestrator.cli;

import org.bitsearch.actors.SearchSystem;
import org.bitsearch.orchestrator.view.ViewJson;
import org.bitsearch.orchestrator.wiring.StandardTrainers;
import org.bitsearch.actors.spec.SpecException;
import org.bitsearch.storage.H2SearchStore;
import org.bitsearch.storage.SearchRow;
import org.bitsearch.storage.SearchState;
import org.bitsearch.storage.StoreException;

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
        try {
            systemOptions.coordinator(); // a bad --cluster, --secret or TLS flag is bad input, before anything opens
        } catch (IllegalArgumentException e) {
            System.err.println("bitsearch: " + e.getMessage());
            return BAD_INPUT;
        }
        ForegroundSearch fg = null;
        try (H2SearchStore store = storeOptions.open()) {
            SearchRow row;
            try (SearchSystem system = SearchSystem.start(store, RunCommand.settings(storeOptions, systemOptions))) {
                fg = new ForegroundSearch(system, store, System.err);
                ForegroundSearch f = fg;
                row = f.run(() -> start.apply(system));
            }
            SearchReport report = new SearchReport(store, row, StandardTrainers.factory());
            if (json) System.out.println(ViewJson.cli(report.summary()));
            else report.printFrontTable(System.out);
            if (row.state() == SearchState.STOPPED)
                System.err.printf("search %d stopped (%s); go on with: bitsearch resume %d%n", row.id(), row.message(), row.id());
            return row.state() == SearchState.FAILED ? FAILURE : OK;
        } catch (Exception e) {
            Throwable cause = unwrap(e);
            if (cause instanceof SpecException s) return printProblems(s);
            if (cause instanceof StoreOptions.BadInput) {
                System.err.println("bitsearch: " + cause.getMessage());
                return BAD_INPUT;
            }
            if (cause instanceof StoreException) {
                System.err.println("bitsearch: " + cause.getMessage());
                return FAILURE;
            }
            System.err.println("bitsearch: " + (cause instanceof IllegalArgumentException ? cause.getMessage() : cause));
            return FAILURE;
        } finally {
            if (fg != null) fg.cleanedUp();
        }
    }

    static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) t = t.getCause();
        return t;
    }
}
