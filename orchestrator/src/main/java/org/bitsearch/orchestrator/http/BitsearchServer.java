package org.bitsearch.orchestrator.http;

import org.bitsearch.orchestrator.wiring.StandardTrainers;

import org.bitsearch.actors.SearchSystem;
import org.bitsearch.actors.SearchSystemSettings;
import org.bitsearch.actors.spec.SpecCompiler;
import org.bitsearch.actors.spec.TrainerFactory;
import org.bitsearch.storage.H2SearchStore;
import org.bitsearch.storage.SearchStore;

import java.nio.file.Path;
import java.util.function.UnaryOperator;

/**
 * The whole server as {@code bitsearch serve} runs it: the H2 store in the data directory, the search system
 * (which resumes interrupted searches at start) and the HTTP API with the page. Tests start it on port 0.
 * {@link #close()} stops the HTTP server first, then the searches (running epochs are cancelled and discarded, each trial resumes from its last checkpoint;
 * the searches stay RUNNING so that the next start resumes them), then closes the database.
 */
public final class BitsearchServer implements AutoCloseable {
    private final SearchStore store;
    private final SearchSystem system;
    private final ApiServer api;

    private BitsearchServer(SearchStore store, SearchSystem system, ApiServer api) {
        this.store = store;
        this.system = system;
        this.api = api;
    }

    /**
     * Starts everything; blocks until the port is bound.
     *
     * @param tune adjusts the search system's settings (the defaults for {@code dataDir} come in)
     * @throws IllegalArgumentException if the host is not a loopback address and no token is set (nothing is opened)
     */
    public static BitsearchServer start(Path dataDir, HttpSettings http, UnaryOperator<SearchSystemSettings> tune,
                                        String version) {
        ApiServer.requireTokenOffLoopback(http);
        SearchStore store = H2SearchStore.open(dataDir);
        SearchSystem system = null;
        try {
            SearchSystemSettings settings = tune.apply(SearchSystemSettings.defaults(dataDir, StandardTrainers.factory()));
            system = SearchSystem.start(store, settings);
            ApiServer api = serve(store, system, http, dataDir, version);
            return new BitsearchServer(store, system, api);
        } catch (RuntimeException e) {
            if (system != null) system.close();
            store.close();
            throw e;
        }
    }

    /**
     * The HTTP API and the page for a store and search system someone else owns and closes ({@code bitsearch run
     * --ui} serves the search it runs this way). Closing the returned server leaves both open.
     *
     * @param dataDir the data directory (exports are built in {@code tmp/}, checkpoints live in {@code checkpoints/})
     */
    public static ApiServer serve(SearchStore store, SearchSystem system, HttpSettings http, Path dataDir, String version) {
        SearchSystemSettings settings = system.settings();
        TrainerFactory trainers = settings.datasetsDir().map(settings.trainers()::withDefaultDataDir)
                .orElse(settings.trainers());
        return ApiServer.start(store, system.service(), new SpecTrainerLookup(new SpecCompiler(trainers)),
                http, dataDir.resolve("tmp"), dataDir.resolve("checkpoints"), version, system::clusterStatus,
                system::failure);
    }

    /** The page's address on a bound server, e.g. {@code http://127.0.0.1:8080/}. */
    public static String url(ApiServer api) {
        String host = api.address().getAddress().getHostAddress();
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + api.port() + "/";
    }

    public int port() { return api.port(); }

    /** The page's address, e.g. {@code http://127.0.0.1:8080/}. */
    public String url() {
        return url(api);
    }

    public SearchStore store() { return store; }

    public SearchSystem system() { return system; }

    @Override public void close() {
        try {
            api.close();
        } finally {
            try {
                system.close();
            } finally {
                store.close();
            }
        }
    }
}
