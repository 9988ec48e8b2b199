package org.bitsearch.orchestrator.http;

import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.marshalling.sse.EventStreamMarshalling;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.Location;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.model.sse.ServerSentEvent;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.javadsl.FileIO;
import org.apache.pekko.stream.javadsl.Source;
import org.bitsearch.actors.api.SearchService;
import org.bitsearch.actors.spec.SpecException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static org.apache.pekko.http.javadsl.server.PathMatchers.integerSegment;
import static org.apache.pekko.http.javadsl.server.PathMatchers.longSegment;
import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

/**
 * The HTTP API and the page. Every endpoint and its shapes are listed in the README ("HTTP API"). Rules:
 * <ul>
 *   <li>Reads go straight to the store, writes through the {@link SearchService}; anything blocking (JDBC,
 *       exports) runs on {@code blocking}, never on a route thread.</li>
 *   <li>Errors are JSON {@code {"error": "...", "problems": [...]}}: unknown ids and paths 404, a method the
 *       resource does not support 405 with {@code Allow}, bodies over {@link HttpSettings#maxBodyBytes()} 413.</li>
 *   <li>Every request whose {@code Host} is not this server's name (localhost, 127.0.0.1, [::1], the bind host,
 *       with the bound port) gets 421, against DNS rebinding.</li>
 *   <li>When a token is set, every {@code /api/*} request but {@code /api/info} needs it ({@code Authorization:
 *       Bearer T}, or {@code ?token=T} for the page's event stream and download links; 401 otherwise).
 *       Mutating requests (POST) are also refused (403) when their {@code Origin} is another site.</li>
 *   <li>Exports are built on their own small pool ({@code exportPool}); when it is full the answer is 503.</li>
 * </ul>
 * The method, origin, token and size checks live in {@link RequestGuards}; this class maps paths to handlers.
 */
public final class ApiRoutes extends AllDirectives {
    private static final Logger log = LoggerFactory.getLogger(ApiRoutes.class);
    private static final Duration EXPORT_TIMEOUT = Duration.ofMinutes(10);

    private final SearchService service;
    private final SearchReader reader;
    private final ExportBuilder exports;
    private final EventStream events;
    private final StaticFiles files;
    private final HttpSettings settings;
    private final Executor blocking;
    private final String version;
    private final RequestGuards guards;
    private final AtomicInteger boundPort = new AtomicInteger();
    private final Executor exportPool;
    private final Supplier<? extends CompletionStage<?>> clusterStatus;
    private final PageReads page;
    private final SearchDeletion deletion;
    private final TrialLogs logs;

    /** @param clusterStatus every node's slots and what trains on them ({@code GET /api/cluster}) */
    public ApiRoutes(SearchService service, SearchReader reader, ExportBuilder exports, EventStream events,
                     StaticFiles files, HttpSettings settings, Executor blocking, Executor exportPool, String version,
                     Supplier<? extends CompletionStage<?>> clusterStatus, PageReads page, SearchDeletion deletion,
                     TrialLogs logs) {
        this.clusterStatus = clusterStatus;
        this.logs = logs;
        this.page = page;
        this.deletion = deletion;
        this.service = service;
        this.reader = reader;
        this.exports = exports;
        this.events = events;
        this.files = files;
        this.settings = settings;
        this.blocking = blocking;
        this.version = version;
        this.exportPool = exportPool;
        this.guards = new RequestGuards(settings, boundPort::get);
    }

    /** Tells the Host check the port the server was bound to (known only after binding; 0 until then: any port). */
    public void boundTo(int port) { boundPort.set(port); }

    public Route route() {
        ExceptionHandler internal = ExceptionHandler.newBuilder()
                .match(Throwable.class, t -> complete(internalError(t))).build();
        // a string path matcher matches a prefix of a segment ("api" would take "/api.js"): decide on the whole path
        return handleExceptions(internal, () -> guards.host(() -> extractUnmatchedPath(p -> p.equals("/api") || p.startsWith("/api/")
                ? pathPrefix("api", () -> concat(
                        path("info", () -> methods(Map.of("GET", this::info))),
                        guards.authorized(() -> concat(
                        path("events", () -> methods(Map.of("GET", this::eventStream))),
                        path("cluster", () -> methods(Map.of("GET", () -> completeWithFuture(clusterStatus.get().toCompletableFuture()
                                .thenApply(JsonSupport::ok).exceptionally(ApiRoutes::internalError))))),
                        path("searches", () -> methods(ordered("GET", () -> read(reader::searches), "POST", this::submit))),
                        pathPrefix(segment("searches").slash(longSegment()), id -> concat(
                                pathEnd(() -> methods(ordered("GET", () -> readOne(id, () -> reader.search(id)),
                                        "DELETE", () -> guards.mutating(() -> delete(id))))),
                                path("hypervolume", () -> methods(Map.of("GET", () -> readOne(id, () -> page.hypervolume(id))))),
                                path("importance", () -> methods(Map.of("GET", () -> readOne(id, () -> page.importance(id))))),
                                path("trials", () -> methods(Map.of("GET", () -> readOne(id, () -> reader.trials(id))))),
                                path(segment("trials").slash(integerSegment()), n -> methods(Map.of("GET",
                                        () -> readOne(id, () -> reader.trial(id, n), "trial " + n + " of search " + id)))),
                                path(segment("trials").slash(integerSegment()).slash("logs"), n -> methods(Map.of("GET",
                                        () -> readOne(id, () -> logs.list(id, n), "trial " + n + " of search " + id)))),
                                path(segment("trials").slash(integerSegment()).slash("logs").slash(segment()), (n, name) ->
                                        methods(Map.of("GET", () -> logText(id, n, name)))),
                                path("reports", () -> methods(Map.of("GET", () -> readOne(id, () -> reader.reports(id))))),
                                path("pareto", () -> methods(Map.of("GET", () -> readOne(id, () -> reader.pareto(id))))),
                                path("export", () -> methods(Map.of("GET", () -> export(id)))),
                                path("stop", () -> methods(Map.of("POST", () -> guards.mutating(() -> stop(id))))),
                                path("resume", () -> methods(Map.of("POST", () -> guards.mutating(() -> resume(id))))),
                                notFound())),
                        notFound()))))
                : methods(Map.of("GET", this::staticFile)))));
    }

    // ---- endpoints ------------------------------------------------------------------------------------------

    private Route info() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("version", version);
        body.put("authRequired", settings.token().isPresent());
        body.put("maxBodyBytes", settings.maxBodyBytes());
        return complete(JsonSupport.ok(body));
    }

    private Route submit() {
        return guards.mutating(() -> guards.body(text -> completeWithFuture(service.submit(text)
                .thenApply(id -> JsonSupport.json(StatusCodes.CREATED, Map.of("id", id),
                        Location.create("/api/searches/" + id)))
                .exceptionally(t -> {
                    Throwable cause = RequestGuards.unwrap(t);
                    if (cause instanceof SpecException e)
                        return JsonSupport.error(StatusCodes.BAD_REQUEST, "invalid search spec", e.problems());
                    return internalError(cause);
                }))));
    }

    /** 204 once deleted, 409 while the search runs, 404 for an unknown id. */
    private Route delete(long id) {
        return completeWithFuture(supplyOn(blocking, () -> switch (deletion.delete(id)) {
            case DELETED -> HttpResponse.create().withStatus(StatusCodes.NO_CONTENT);
            case RUNNING -> JsonSupport.error(StatusCodes.CONFLICT, "search " + id + " is running: stop it before deleting it");
            case UNKNOWN -> unknownSearch(id);
        }).exceptionally(ApiRoutes::internalError));
    }

    /** A trial's log: 400 for a name that is not a log name, 404 for an unknown search, trial or file. */
    private Route logText(long id, int trial, String name) {
        if (!TrialLogs.NAME.matcher(name).matches())
            return complete(JsonSupport.error(StatusCodes.BAD_REQUEST,
                    "log name is '" + name + "', but must be attempt-N.log, test.log or export.log"));
        return readOne(id, () -> logs.read(id, trial, name), "log " + name + " of trial " + trial + " of search " + id);
    }

    private Route stop(long id) {
        return completeWithFuture(service.stop(id).thenApply(result -> switch (result) {
            case STOPPING -> JsonSupport.json(StatusCodes.ACCEPTED, Map.of("id", id, "result", result.name()));
            case NOT_RUNNING -> JsonSupport.error(StatusCodes.CONFLICT, "search " + id + " is not running");
            case UNKNOWN -> unknownSearch(id);
        }).exceptionally(ApiRoutes::internalError));
    }

    private Route resume(long id) {
        return completeWithFuture(service.resume(id).thenApply(result -> switch (result) {
            case RESUMED -> JsonSupport.json(StatusCodes.ACCEPTED, Map.of("id", id, "result", result.name()));
            case ALREADY_RUNNING -> JsonSupport.error(StatusCodes.CONFLICT, "search " + id + " is already running");
            case FINISHED -> JsonSupport.error(StatusCodes.CONFLICT, "search " + id + " has finished and cannot be resumed");
            case UNKNOWN -> unknownSearch(id);
        }).exceptionally(ApiRoutes::internalError));
    }

    private Route eventStream() {
        return parameterOptional("search", search -> {
            Optional<Long> id;
            try {
                id = search.map(Long::parseLong);
            } catch (NumberFormatException e) {
                return complete(JsonSupport.error(StatusCodes.BAD_REQUEST,
                        "search is '" + search.get() + "', but must be a search id (an integer)"));
            }
            Source<ServerSentEvent, NotUsed> source = events.open(id);
            return completeOK(source, EventStreamMarshalling.toEventStream());
        });
    }

    private Route export(long id) {
        return withRequestTimeout(EXPORT_TIMEOUT, () -> completeWithFuture(supplyOn(exportPool, () -> {
                    try {
                        return exports.build(id);
                    } catch (Exception e) {
                        throw new CompletionException(e);
                    }
                })
                .thenApply(zip -> zip.map(path -> zipResponse(id, path)).orElseGet(() -> unknownSearch(id)))
                .exceptionally(t -> RequestGuards.unwrap(t) instanceof RejectedExecutionException
                        ? JsonSupport.error(StatusCodes.SERVICE_UNAVAILABLE,
                                "the server is busy building other exports: try again in a minute")
                        : internalError(t))));
    }

    private Route staticFile() {
        return extractUri(uri -> files.get(uri.getPathString())
                .<Route>map(this::complete)
                .orElseGet(() -> complete(JsonSupport.error(StatusCodes.NOT_FOUND, "no such page: " + uri.getPathString()))));
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    private Route read(Supplier<?> query) {
        return completeWithFuture(CompletableFuture.supplyAsync(() -> JsonSupport.ok(query.get()), blocking)
                .exceptionally(ApiRoutes::internalError));
    }

    private Route readOne(long id, Supplier<? extends Optional<?>> query) {
        return readOne(id, query, "search " + id);
    }

    private Route readOne(long id, Supplier<? extends Optional<?>> query, String what) {
        return completeWithFuture(CompletableFuture.supplyAsync(() -> query.get()
                        .map(JsonSupport::ok).orElseGet(() -> JsonSupport.error(StatusCodes.NOT_FOUND, "no " + what)), blocking)
                .exceptionally(ApiRoutes::internalError));
    }

    private Route methods(Map<String, Supplier<Route>> handlers) { return guards.methods(handlers); }

    /**
     * {@link CompletableFuture#supplyAsync} that reports a full pool as a failed future (with the
     * {@link RejectedExecutionException}) rather than throwing it on the route thread.
     */
    static <T> CompletableFuture<T> supplyOn(Executor pool, Supplier<T> work) {
        try {
            return CompletableFuture.supplyAsync(work, pool);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private static Map<String, Supplier<Route>> ordered(String m1, Supplier<Route> r1, String m2, Supplier<Route> r2) {
        Map<String, Supplier<Route>> map = new LinkedHashMap<>();
        map.put(m1, r1);
        map.put(m2, r2);
        return map;
    }

    private HttpResponse zipResponse(long id, Path zip) {
        long size;
        try {
            size = Files.size(zip);
        } catch (IOException e) {
            throw new CompletionException(e);
        }
        // the file is deleted when the stream ends however it ends (sent, failed, client gone, cancelled); a
        // response that is never materialized (the request timed out first) is swept at the next server start
        Source<org.apache.pekko.util.ByteString, ?> bytes = Source.fromMaterializer((mat, attributes) ->
                FileIO.fromPath(zip).watchTermination((m, done) -> {
                    done.whenComplete((d, t) -> deleteQuietly(zip));
                    return m;
                }));
        return HttpResponse.create()
                .withEntity(HttpEntities.create(ContentTypes.create(org.apache.pekko.http.javadsl.model.MediaTypes.APPLICATION_ZIP), size, bytes))
                .addHeader(RawHeader.create("Content-Disposition", "attachment; filename=\"bitsearch-search-" + id + ".zip\""));
    }

    private Route notFound() {
        return extractUri(uri -> complete(JsonSupport.error(StatusCodes.NOT_FOUND, "no such resource: " + uri.getPathString())));
    }

    private static HttpResponse unknownSearch(long id) {
        return JsonSupport.error(StatusCodes.NOT_FOUND, "no search " + id);
    }

    private static HttpResponse internalError(Throwable t) {
        Throwable cause = RequestGuards.unwrap(t);
        log.error("request failed", cause);
        return JsonSupport.error(StatusCodes.INTERNAL_SERVER_ERROR, "internal error: " + cause);
    }


    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            log.warn("cannot delete temp file {}: {}", file, e.toString());
        }
    }

}
