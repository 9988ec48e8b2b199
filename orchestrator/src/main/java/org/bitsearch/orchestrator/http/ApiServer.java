package org.bitsearch.orchestrator.http;

import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.bitsearch.actors.api.SearchService;
import org.bitsearch.storage.SearchStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.Optional;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongFunction;

/**
 * The running HTTP server: its own small actor system for Pekko HTTP, a pool for blocking work (JDBC reads,
 * exports) and the binding. {@link #start} returns once the port is bound; {@link #close} unbinds, ends open
 * event streams and stops both. The store and the service belong to the caller and stay open.
 */
public final class ApiServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ApiServer.class);

    private final ActorSystem<Void> system;
    /** Exports built at once; more wait in a queue of {@value #EXPORT_QUEUE}, beyond that the answer is 503. */
    static final int EXPORT_THREADS = 2;
    static final int EXPORT_QUEUE = 2;

    private final ExecutorService blocking;
    private final ExecutorService exports;
    private final ServerBinding binding;

    private ApiServer(ActorSystem<Void> system, ExecutorService blocking, ExecutorService exports, ServerBinding binding) {
        this.system = system;
        this.blocking = blocking;
        this.exports = exports;
        this.binding = binding;
    }

    /**
     * Binds the API and the page. Blocks until bound.
     *
     * @param tempDir where exports are built (each deleted once sent)
     * @param checkpointRoot the data directory's {@code checkpoints} folder (deleting a search removes its part)
     * @param version shown by {@code GET /api/info}
     * @param failures why a search of this process could not go on (its supervisor was given up after a storage
     *                 failure), if it could not: such a search reads as FAILED though its row still says RUNNING
     * @throws IllegalArgumentException if {@code settings.host()} is not a loopback address and no token is set
     * @throws IllegalStateException    if the port cannot be bound
     */
    public static ApiServer start(SearchStore store, SearchService service, TrainerLookup trainers,
                                  HttpSettings settings, Path tempDir, Path checkpointRoot, String version,
                                  java.util.function.Supplier<? extends java.util.concurrent.CompletionStage<?>> clusterStatus,
                                  LongFunction<Optional<String>> failures) {
        requireTokenOffLoopback(settings);
        ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "bitsearch-http", ConfigFactory.parseString(
                "pekko.http.server.idle-timeout = 120s\n"
                        + "pekko.http.server.parsing.max-content-length = " + Math.max(settings.maxBodyBytes(), 1024) * 2 + "\n"
                        + "pekko.loglevel = WARNING\n"
                        // the owner closes the server (serve's shutdown hook does): Pekko must not add its own hook
                        + "pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off\n").withFallback(ConfigFactory.load()));
        ExecutorService blocking = Executors.newFixedThreadPool(4, daemonThreads("bitsearch-http-io-"));
        ExecutorService exportPool = newExportPool();
        try {
            ExportBuilder.sweepStale(tempDir);
            SearchReader reader = new SearchReader(store, trainers, failures);
            ApiRoutes routes = new ApiRoutes(service, reader, new ExportBuilder(store, reader, trainers, tempDir, version),
                    new EventStream(service.events(), system, settings.heartbeat()), new StaticFiles(), settings,
                    blocking, exportPool, version, clusterStatus, new PageReads(store, reader),
                    new SearchDeletion(store, service, checkpointRoot), new TrialLogs(store, checkpointRoot));
            ServerBinding binding = Http.get(system).newServerAt(settings.host(), settings.port())
                    .bind(routes.route()).toCompletableFuture().get(30, TimeUnit.SECONDS);
            routes.boundTo(binding.localAddress().getPort());
            log.info("bitsearch serving on http://{}:{}/", settings.host(), binding.localAddress().getPort());
            return new ApiServer(system, blocking, exportPool, binding);
        } catch (Exception e) {
            blocking.shutdownNow();
            exportPool.shutdownNow();
            system.terminate();
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            throw new IllegalStateException("cannot serve on " + settings.host() + ":" + settings.port() + ": " + cause.getMessage(), cause);
        }
    }

    /**
     * The exports' own pool, apart from the read pool so that slow exports cannot starve the page's reads:
     * {@value #EXPORT_THREADS} at once, {@value #EXPORT_QUEUE} waiting; beyond that {@code execute} throws
     * {@link java.util.concurrent.RejectedExecutionException}, which the export route answers with 503.
     */
    static ExecutorService newExportPool() {
        return new ThreadPoolExecutor(EXPORT_THREADS, EXPORT_THREADS,
                0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(EXPORT_QUEUE),
                daemonThreads("bitsearch-http-export-"), new ThreadPoolExecutor.AbortPolicy());
    }

    /** Refuses to expose the server beyond this machine without a token. */
    static void requireTokenOffLoopback(HttpSettings settings) {
        boolean loopback;
        try {
            loopback = InetAddress.getByName(settings.host()).isLoopbackAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("host is '" + settings.host() + "', but must be a resolvable address", e);
        }
        if (!loopback && settings.token().isEmpty())
            throw new IllegalArgumentException("host is " + settings.host() + ", not a loopback address: serving beyond this "
                    + "machine requires a token (--token or the environment variable BITSEARCH_TOKEN)");
    }

    public InetSocketAddress address() { return binding.localAddress(); }

    public int port() { return binding.localAddress().getPort(); }

    /** Unbinds, closes open connections (event streams) and stops the server's threads. Idempotent. */
    @Override public void close() {
        try {
            binding.terminate(Duration.ofSeconds(3)).toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("unbinding the HTTP server failed: {}", e.toString());
        }
        blocking.shutdownNow();
        exports.shutdownNow();
        system.terminate();
        try {
            system.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("the HTTP actor system did not stop in time: {}", e.toString());
        }
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
