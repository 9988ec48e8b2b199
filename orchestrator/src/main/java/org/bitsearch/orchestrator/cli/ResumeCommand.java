package org.bitsearch.orchestrator.cli;

import org.bitsearch.actors.api.SearchService.ResumeResult;
import org.bitsearch.storage.H2SearchStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

/**
 * {@code bitsearch resume ID}: goes on with a stopped or interrupted search in the foreground, from where the
 * database says it was: finished trials are kept, interrupted ones continue from their last checkpoint.
 */
@Command(name = "resume", mixinStandardHelpOptions = true,
        description = "Resumes a stopped or interrupted search in the foreground and prints its Pareto front at the end.")
public final class ResumeCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "ID", description = "the search id (see 'bitsearch list')")
    long id;

    @Mixin StoreOptions store;
    @Mixin SystemOptions system;
    @Mixin UiOptions ui;

    @Option(names = "--json", description = "print the result as one JSON object")
    boolean json;

    @Override
    public Integer call() {
        if (!H2SearchStore.exists(store.dataDir())) {
            System.err.println("bitsearch: there is no bitsearch database in " + store.dataDir()
                    + " ('bitsearch run' creates one; --db names another directory)");
            return Cli.BAD_INPUT;
        }
        return Cli.foreground(store, system, ui, json, s -> s.service().resume(id).thenCompose(r -> {
            if (r == ResumeResult.RESUMED) return CompletableFuture.completedFuture(id);
            if (r == ResumeResult.UNKNOWN)
                return CompletableFuture.failedFuture(new StoreOptions.BadInput("there is no search " + id + " in " + store.dataDir()));
            return CompletableFuture.failedFuture(new IllegalArgumentException(r == ResumeResult.FINISHED
                    ? "search " + id + " is already finished; nothing to resume"
                    : "search " + id + " is already running"));
        }));
    }
}
