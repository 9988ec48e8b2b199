package org.bitsearch.orchestrator.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every endpoint of the API over a real server: H2 in a temp dir, the real search system training on the
 * simulated trainer, requests over loopback HTTP.
 */
class ApiRoutesTest {
    @TempDir static Path dir;
    static BitsearchServer server;
    static HttpTestClient http;
    /** A finished search shared by the read tests. */
    static long finished;

    static TestServers.WithFinishedSearch fixture;

    @BeforeAll static void start() {
        fixture = TestServers.withFinishedSearch(dir, "shared", 8, Duration.ofSeconds(60));
        server = fixture.server();
        http = fixture.http();
        finished = fixture.finished();
    }

    @AfterAll static void stop() {
        if (fixture != null) fixture.close();
    }

    // ---- POST /api/searches ---------------------------------------------------------------------------------

    @Test void submitAnswers201WithIdAndLocation() {
        HttpResponse<String> r = http.post("/api/searches", TestServers.shortSpec("created", 2, 0));
        assertEquals(201, r.statusCode(), r.body());
        long id = HttpTestClient.json(r).get("id").asLong();
        assertEquals("/api/searches/" + id, r.headers().firstValue("Location").orElseThrow());
        assertEquals("created", http.getJson("/api/searches/" + id).get("name").asText());
        http.await("/api/searches/" + id, s -> s.get("state").asText().equals("COMPLETED"), Duration.ofSeconds(60), "completion");
    }

    @Test void submitAcceptsJson() throws IOException {
        JsonNode yaml = new com.fasterxml.jackson.dataformat.yaml.YAMLMapper().readTree(TestServers.shortSpec("as-json", 2, 0));
        HttpResponse<String> r = http.post("/api/searches", yaml.toString(), "Content-Type", "application/json");
        assertEquals(201, r.statusCode(), r.body());
        long id = HttpTestClient.json(r).get("id").asLong();
        http.await("/api/searches/" + id, s -> s.get("state").asText().equals("COMPLETED"), Duration.ofSeconds(60), "completion");
    }

    @Test void invalidSpecAnswers400ListingEveryProblemAndWritesNothing() {
        int before = server.store().searches().size();
        String spec = TestServers.shortSpec("bad", 8, 0).replace("maxTrials: 8", "maxTrials: 0")
                .replace("reductionFactor: 2", "reductionFactor: 1").replace("allowed: [1, 2, 4, 8]", "allowed: [1, 3, 64]");
        HttpResponse<String> r = http.post("/api/searches", spec);
        assertEquals(400, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElseThrow());
        JsonNode body = HttpTestClient.json(r);
        assertEquals("invalid search spec", body.get("error").asText());
        String problems = body.get("problems").toString();
        assertTrue(body.get("problems").size() >= 3, problems);
        assertTrue(problems.contains("budget.maxTrials"), problems);
        assertTrue(problems.contains("pruner.reductionFactor"), problems);
        assertTrue(problems.contains("space.bits.allowed[2]"), problems);
        assertEquals(before, server.store().searches().size(), "nothing may be written for an invalid spec");
    }

    @Test void unparseableSpecAnswers400() {
        HttpResponse<String> r = http.post("/api/searches", "{not json");
        assertEquals(400, r.statusCode(), r.body());
        assertTrue(HttpTestClient.json(r).get("problems").get(0).asText().contains("JSON"), r.body());
    }

    @Test void bodiesOverTheLimitAnswer413() {
        String big = "#" + "x".repeat((int) HttpSettings.DEFAULT_MAX_BODY) + "\n";
        HttpResponse<String> r = http.post("/api/searches", big);
        assertEquals(413, r.statusCode(), r.body());
        assertTrue(HttpTestClient.json(r).get("error").asText().contains("must be <= 1048576 bytes"), r.body());
        // the same without a Content-Length (chunked transfer)
        HttpResponse<String> chunked = http.send("POST", "/api/searches", HttpRequest.BodyPublishers.ofInputStream(
                () -> new ByteArrayInputStream(big.getBytes(StandardCharsets.UTF_8))), "Content-Type", "application/yaml");
        assertEquals(413, chunked.statusCode(), chunked.body());
    }

    // ---- reads ----------------------------------------------------------------------------------------------

    @Test void listsSearchesNewestFirstWithCountsAndProgress() {
        JsonNode list = http.getJson("/api/searches");
        assertTrue(list.isArray() && list.size() >= 1);
        JsonNode shared = find(list, "id", finished);
        assertEquals("COMPLETED", shared.get("state").asText());
        assertEquals(8, shared.get("counts").get("total").asInt());
        assertEquals(8, shared.get("maxTrials").asInt());
        assertEquals(1.0, shared.get("progress").asDouble());
        JsonNode counts = shared.get("counts");
        assertEquals(8, counts.get("completed").asInt() + counts.get("pruned").asInt() + counts.get("failed").asInt());
        assertEquals(0, counts.get("running").asInt());
        assertEquals(0, counts.get("pending").asInt());
        assertFalse(shared.get("resumable").asBoolean(), "a completed search cannot be resumed");
        assertFalse(shared.has("trials"), "trials is always an array of trials; counts live in counts");
        assertTrue(shared.get("hypervolume").asDouble() > 0);
        assertFalse(shared.has("spec"), "the list leaves the spec out");
        for (int i = 1; i < list.size(); i++)
            assertTrue(list.get(i - 1).get("id").asLong() > list.get(i).get("id").asLong(), "newest first");
    }

    @Test void showsOneSearchWithSpecAndLayers() {
        JsonNode s = http.getJson("/api/searches/" + finished);
        assertEquals(finished, s.get("id").asLong());
        assertEquals("shared", s.get("spec").get("name").asText());
        assertEquals(3, s.get("layers").size(), "a 64-32 MLP has 3 weight layers");
        assertEquals(784L * 64, s.get("layers").get(0).get("weights").asLong());
        assertTrue(s.get("bestValAccuracy").asDouble() > 0.1);
    }

    @Test void listsTrialsWithStateReasonSizeAndBits() {
        JsonNode trials = http.getJson("/api/searches/" + finished + "/trials");
        assertEquals(8, trials.size());
        int onFront = 0;
        for (int i = 0; i < trials.size(); i++) {
            JsonNode t = trials.get(i);
            assertEquals(i, t.get("number").asInt());
            assertTrue(Set.of("COMPLETED", "PRUNED").contains(t.get("state").asText()), t.toString());
            assertEquals(3, t.get("bits").size());
            assertTrue(t.get("sizeBits").asLong() > 0);
            assertEquals(t.get("sizeBits").asLong() / 8192.0, t.get("sizeKiB").asDouble(), 1e-9);
            assertTrue(t.get("compression").asDouble() >= 1.0);
            assertTrue(t.get("params").has("learningRate"));
            assertTrue(t.get("epochs").asInt() >= 1);
            if (t.get("state").asText().equals("PRUNED")) assertFalse(t.get("reason").asText().isEmpty(), t.toString());
            if (t.get("onFront").asBoolean()) onFront++;
        }
        assertEquals(http.getJson("/api/searches/" + finished + "/pareto").get("points").size(), onFront);
    }

    @Test void showsOneTrialWithReportsAndRungDecisions() {
        JsonNode t = http.getJson("/api/searches/" + finished + "/trials/0");
        assertEquals(0, t.get("number").asInt());
        assertTrue(t.has("state") && t.has("bits") && t.has("params"), "the trial's own fields are unwrapped");
        JsonNode reports = t.get("reports"), decisions = t.get("decisions");
        assertEquals(t.get("epochs").asInt(), reports.size());
        assertEquals(reports.size(), decisions.size());
        for (int i = 0; i < reports.size(); i++) {
            assertEquals(i + 1, reports.get(i).get("epoch").asInt());
            assertTrue(reports.get(i).get("valAccuracy").isNumber());
            assertTrue(Set.of("CONTINUE", "STOP").contains(decisions.get(i).get("decision").asText()));
        }
        assertTrue(decisions.get(0).get("rung").asInt() >= 0, "epoch 1 is ASHA's first rung (minResource 1): " + decisions);
        assertTrue(t.has("checkpointEpoch"));
        int front = http.getJson("/api/searches/" + finished + "/pareto").get("points").get(0).get("number").asInt();
        assertTrue(http.getJson("/api/searches/" + finished + "/trials/" + front).get("checkpointEpoch").asInt() >= 1,
                "a front trial has a checkpoint (its model is exported from it)");
    }

    @Test void listsEveryReportInRecordedOrder() {
        JsonNode reports = http.getJson("/api/searches/" + finished + "/reports");
        int total = 0;
        for (JsonNode t : http.getJson("/api/searches/" + finished + "/trials")) total += t.get("epochs").asInt();
        assertEquals(total, reports.size());
        for (int i = 1; i < reports.size(); i++)
            assertTrue(reports.get(i - 1).get("seq").asLong() < reports.get(i).get("seq").asLong());
        for (JsonNode r : reports) {
            assertTrue(Set.of("CONTINUE", "STOP").contains(r.get("decision").asText()), r.toString());
            assertEquals(r.get("valAccuracy").asDouble(), r.get("currentAccuracy").asDouble(),
                    "no progressive schedule: the current model is the target model: " + r);
            if (r.get("epoch").asInt() == 1) assertEquals(0, r.get("rung").asInt(), "epoch 1 is rung 0: " + r);
        }
    }

    @Test void showsTheParetoFrontWithSizesAndHypervolumeHistory() {
        JsonNode p = http.getJson("/api/searches/" + finished + "/pareto");
        JsonNode points = p.get("points");
        assertTrue(points.size() >= 1);
        for (int i = 0; i < points.size(); i++) {
            JsonNode pt = points.get(i);
            for (String f : List.of("number", "valAccuracy", "testAccuracy", "sizeBits", "sizeKiB", "compression", "bits", "params"))
                assertTrue(pt.has(f), f + " missing in " + pt);
            if (i > 0) {
                assertTrue(pt.get("sizeBits").asLong() > points.get(i - 1).get("sizeBits").asLong(), "smallest first");
                assertTrue(pt.get("valAccuracy").asDouble() > points.get(i - 1).get("valAccuracy").asDouble(),
                        "a bigger front point must be more accurate");
            }
        }
        JsonNode history = p.get("hypervolumeHistory");
        assertTrue(history.size() >= 1);
        assertEquals(history.get(history.size() - 1).get("hypervolume").asDouble(), p.get("hypervolume").asDouble(), 1e-12);
        assertEquals(3, p.get("layers").size());
    }

    // ---- errors ---------------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"/api/searches/999", "/api/searches/999/trials", "/api/searches/999/trials/0",
            "/api/searches/999/pareto", "/api/searches/999/reports", "/api/searches/999/export", "/api/nothing",
            "/api/searches/abc", "/api/searches/1/nothing", "/nothing.html"})
    void unknownResourcesAnswer404AsJson(String path) {
        HttpResponse<String> r = http.get(path);
        assertEquals(404, r.statusCode(), path + ": " + r.body());
        assertTrue(HttpTestClient.json(r).get("error").asText().startsWith("no "), r.body());
    }

    @Test void unknownTrialAnswers404() {
        HttpResponse<String> r = http.get("/api/searches/" + finished + "/trials/999");
        assertEquals(404, r.statusCode());
        assertEquals("no trial 999 of search " + finished, HttpTestClient.json(r).get("error").asText());
    }

    /**
     * A trial's log files: listed (attempts in order, then the tasks), read whole when small and from the end, cut
     * at a line, when over the limit; a name that is not a log name is 400 and reaches no other file; an unknown
     * trial or file is 404; a trial without logs lists none.
     */
    @Test void servesATrialsLogFiles() throws IOException {
        Path logs = Files.createDirectories(dir.resolve("checkpoints").resolve(Long.toString(finished)).resolve("0").resolve("logs"));
        Files.writeString(logs.resolve("attempt-2.log"), "second attempt\n");
        Files.writeString(logs.resolve("attempt-1.log"), "Traceback (most recent call last):\n  boom\n");
        Files.writeString(logs.resolve("test.log"), "");
        Files.writeString(logs.resolve("notes.txt"), "not a log");
        StringBuilder big = new StringBuilder();
        for (int i = 0; big.length() < TrialLogs.MAX_BYTES + 5000; i++) big.append("line ").append(i).append('\n');
        Files.writeString(logs.resolve("attempt-10.log"), big);

        String base = "/api/searches/" + finished + "/trials/0/logs";
        HttpResponse<String> list = http.get(base);
        assertEquals(200, list.statusCode(), list.body());
        var names = new java.util.ArrayList<String>();
        HttpTestClient.json(list).get("logs").forEach(l -> names.add(l.get("name").asText()));
        assertEquals(java.util.List.of("attempt-1.log", "attempt-2.log", "attempt-10.log", "test.log"), names);
        assertEquals(big.length(), HttpTestClient.json(list).get("logs").get(2).get("bytes").asLong());

        var first = HttpTestClient.json(http.get(base + "/attempt-1.log"));
        assertEquals("Traceback (most recent call last):\n  boom\n", first.get("text").asText());
        assertFalse(first.get("truncated").asBoolean());
        var tail = HttpTestClient.json(http.get(base + "/attempt-10.log"));
        assertTrue(tail.get("truncated").asBoolean());
        String text = tail.get("text").asText();
        assertTrue(text.startsWith("line ") && text.endsWith(big.substring(big.length() - 20)), "the file's end, from a line start");
        assertTrue(text.length() <= TrialLogs.MAX_BYTES && big.toString().endsWith(text));

        HttpResponse<String> bad = http.get(base + "/notes.txt");
        assertEquals(400, bad.statusCode(), bad.body());
        assertTrue(HttpTestClient.json(bad).get("error").asText().contains("must be attempt-N.log"), bad.body());
        assertEquals(400, http.get(base + "/..%2F..%2Fspec.json").statusCode());
        assertEquals(404, http.get(base + "/attempt-3.log").statusCode());
        assertEquals(404, http.get("/api/searches/" + finished + "/trials/999/logs").statusCode());
        assertEquals(404, http.get("/api/searches/999/trials/0/logs/attempt-1.log").statusCode());
        HttpResponse<String> none = http.get("/api/searches/" + finished + "/trials/1/logs");
        assertEquals(200, none.statusCode());
        assertEquals(0, HttpTestClient.json(none).get("logs").size());
    }

    @ParameterizedTest
    @CsvSource({"DELETE,/api/searches,'GET, POST'", "PUT,/api/searches/1,'DELETE, GET'", "GET,/api/searches/1/stop,POST",
            "GET,/api/searches/1/resume,POST", "POST,/api/searches/1/trials,GET", "POST,/api/events,GET",
            "POST,/,GET", "DELETE,/api/searches/1/export,GET"})
    void wrongMethodsAnswer405WithAllow(String method, String path, String allow) {
        HttpResponse<String> r = http.send(method, path, HttpRequest.BodyPublishers.noBody());
        assertEquals(405, r.statusCode(), method + " " + path + ": " + r.body());
        assertEquals(allow, r.headers().firstValue("Allow").orElseThrow());
        assertTrue(HttpTestClient.json(r).get("error").asText().contains("not allowed"));
    }

    @Test void stopAndResumeOfUnknownSearchesAnswer404() {
        assertEquals(404, http.post("/api/searches/999/stop", "").statusCode());
        assertEquals(404, http.post("/api/searches/999/resume", "").statusCode());
    }

    @Test void finishedSearchesCannotBeStoppedOrResumed() {
        HttpResponse<String> stop = http.post("/api/searches/" + finished + "/stop", "");
        assertEquals(409, stop.statusCode(), stop.body());
        HttpResponse<String> resume = http.post("/api/searches/" + finished + "/resume", "");
        assertEquals(409, resume.statusCode(), resume.body());
    }

    @Test void crossSiteMutationsAnswer403() {
        HttpResponse<String> r = http.post("/api/searches", TestServers.shortSpec("csrf", 2, 0), "Origin", "http://evil.example");
        assertEquals(403, r.statusCode(), r.body());
        String sameOrigin = "http://127.0.0.1:" + server.port();
        assertEquals(409, http.post("/api/searches/" + finished + "/stop", "", "Origin", sameOrigin).statusCode());
        // a browser's fetch metadata: a cross-site request is refused even without an Origin header
        r = http.post("/api/searches", TestServers.shortSpec("csrf", 2, 0), "Sec-Fetch-Site", "cross-site");
        assertEquals(403, r.statusCode(), r.body());
        assertEquals(403, http.post("/api/searches/" + finished + "/stop", "", "Sec-Fetch-Site", "cross-site").statusCode());
        assertEquals(409, http.post("/api/searches/" + finished + "/stop", "", "Sec-Fetch-Site", "same-origin").statusCode());
    }

    /** What an HTML form can send (no JavaScript, so no preflight) never launches or stops a search. */
    @ParameterizedTest
    @ValueSource(strings = {"application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain"})
    void formMediaTypesAnswer415(String type) {
        int before = http.getJson("/api/searches").size();
        HttpResponse<String> r = http.post("/api/searches", TestServers.shortSpec("form", 2, 0), "Content-Type", type);
        assertEquals(415, r.statusCode(), r.body());
        assertTrue(HttpTestClient.json(r).get("error").asText().contains("must be one of [application/json, application/x-yaml, application/yaml, text/yaml]"), r.body());
        assertEquals(415, http.post("/api/searches/" + finished + "/stop", "", "Content-Type", type).statusCode());
        assertEquals(before, http.getJson("/api/searches").size(), "nothing was launched");
    }

    @Test void aBodyThatIsNotUtf8OrAModelTooLargeToCountAnswers400() {
        byte[] latin1 = "name: caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1);
        HttpResponse<String> r = http.send("POST", "/api/searches", HttpRequest.BodyPublishers.ofByteArray(latin1),
                "Content-Type", "application/yaml");
        assertEquals(400, r.statusCode(), r.body());
        assertEquals("request body is not UTF-8 text (byte 9 is 0xe9); save it as UTF-8", HttpTestClient.json(r).get("error").asText());
        r = http.post("/api/searches", """
                name: huge
                trainer: {kind: simulated, hidden: [2147483647, 2147483647, 2147483647]}
                space: {}
                budget: {maxTrials: 1, maxEpochs: 1}
                """);
        assertEquals(400, r.statusCode(), r.body());
        assertTrue(HttpTestClient.json(r).get("problems").get(0).asText().startsWith("trainer: the model's size in bits does not fit in 64 bits"), r.body());
    }

    @Test void aBodyWithoutAContentTypeAnswers415AndTextYamlIsAccepted() {
        HttpResponse<String> r = http.post("/api/searches", TestServers.shortSpec("untyped", 2, 0), "Content-Type", "application/octet-stream");
        assertEquals(415, r.statusCode(), r.body());
        r = http.post("/api/searches", "name: x", "Content-Type", "text/yaml; charset=utf-8");
        assertEquals(400, r.statusCode(), "accepted as YAML, then validated: " + r.body());
    }

    // ---- static files ---------------------------------------------------------------------------------------

    @Test void servesThePageAndTheChartLibrary() {
        HttpResponse<String> index = http.get("/");
        assertEquals(200, index.statusCode());
        assertTrue(index.headers().firstValue("Content-Type").orElseThrow().startsWith("text/html"));
        assertTrue(index.body().contains("<title>bitsearch</title>"));
        assertEquals(StaticFiles.CSP, index.headers().firstValue("Content-Security-Policy").orElseThrow());
        HttpResponse<String> app = http.get("/app.js");
        assertEquals(200, app.statusCode());
        assertTrue(app.headers().firstValue("Content-Type").orElseThrow().startsWith("application/javascript"));
        for (String file : List.of("/api.js", "/format.js", "/charts.js", "/panels.js", "/style.css", "/favicon.svg"))
            assertEquals(200, http.get(file).statusCode(), file + " (a file whose name starts like an API path must still be served)");
        HttpResponse<String> chart = http.get("/vendor/chart.js/chart.umd.min.js");
        assertEquals(200, chart.statusCode());
        assertTrue(chart.body().contains("Chart"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/..%2fpom.xml", "/..%2f..%2f..%2fetc%2fpasswd", "/%2e%2e/%2e%2e/etc/passwd",
            "/vendor/chart.js/..%2f..%2f..%2fMETA-INF%2fMANIFEST.MF", "/vendor/chart.js/..%2fpackage.json",
            "/..%5c..%5cpom.xml", "/.%2e/logback.xml", "/%2e%2e%2flogback.xml"})
    void staticFilesCannotEscapeTheirFolder(String path) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(http.base + path)).GET().build();
        try {
            HttpResponse<String> r = http.client.send(request, HttpResponse.BodyHandlers.ofString());
            assertTrue(r.statusCode() == 404 || r.statusCode() == 400, path + " answered " + r.statusCode());
            assertFalse(r.body().contains("<configuration>") || r.body().contains("root:") || r.body().contains("<project"), r.body());
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    // ---- stop, resume, events, export ------------------------------------------------------------------------

    @Test void stopLeavesASearchStoppedAndResumeRunsItAgain() {
        long id = HttpTestClient.json(http.post("/api/searches", TestServers.shortSpec("slow", 40, 0.2))).get("id").asLong();
        http.await("/api/searches/" + id, s -> s.get("counts").get("running").asInt() > 0, Duration.ofSeconds(30), "a running trial");
        HttpResponse<String> stop = http.post("/api/searches/" + id + "/stop", "");
        assertEquals(202, stop.statusCode(), stop.body());
        assertEquals("STOPPING", HttpTestClient.json(stop).get("result").asText());
        JsonNode stopped = http.await("/api/searches/" + id, s -> s.get("state").asText().equals("STOPPED"), Duration.ofSeconds(30), "STOPPED");
        assertTrue(stopped.get("resumable").asBoolean(), "a STOPPED search is offered for resume");
        HttpResponse<String> resume = http.post("/api/searches/" + id + "/resume", "");
        assertEquals(202, resume.statusCode(), resume.body());
        assertEquals("RESUMED", HttpTestClient.json(resume).get("result").asText());
        http.await("/api/searches/" + id, s -> s.get("state").asText().equals("RUNNING"), Duration.ofSeconds(30), "RUNNING");
        assertEquals(409, http.post("/api/searches/" + id + "/resume", "").statusCode(), "already running");
        assertEquals(202, http.post("/api/searches/" + id + "/stop", "").statusCode());
        http.await("/api/searches/" + id, s -> s.get("state").asText().equals("STOPPED"), Duration.ofSeconds(30), "STOPPED again");
    }

    @Test void eventStreamDeliversTheEventsOfOneSearch() throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        HttpRequest request = HttpRequest.newBuilder(URI.create(http.base + "/api/events?search=" + (lastId() + 1))).GET().build();
        CompletableFuture<HttpResponse<Stream<String>>> response = http.client.sendAsync(request, HttpResponse.BodyHandlers.ofLines());
        HttpResponse<Stream<String>> r = response.get(10, TimeUnit.SECONDS);
        assertEquals(200, r.statusCode());
        assertEquals("text/event-stream", r.headers().firstValue("Content-Type").orElseThrow());
        CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> r.body().forEach(line -> {
            lines.add(line);
            if (line.contains("\"SearchFinished\"")) throw new StopReading();
        }));
        awaitLine(lines, "\"Connected\"");
        // another search first: its events must not arrive on this filtered stream
        long id = HttpTestClient.json(http.post("/api/searches", TestServers.shortSpec("evented", 3, 0))).get("id").asLong();
        assertEquals(lastId(), id);
        awaitLine(lines, "\"SearchFinished\"");
        reader.cancel(true);
        List<JsonNode> events = new ArrayList<>();
        for (String line : lines) if (line.startsWith("data:")) events.add(JsonSupport.mapper().readTree(line.substring(5)));
        Map<String, Integer> types = new HashMap<>();
        for (JsonNode e : events) {
            types.merge(e.get("type").asText(), 1, Integer::sum);
            if (!e.get("type").asText().equals("Connected")) assertEquals(id, e.get("searchId").asLong(), e.toString());
        }
        for (String type : List.of("Connected", "SearchStarted", "TrialStarted", "EpochReported", "TrialFinished", "FrontChanged", "SearchFinished"))
            assertTrue(types.containsKey(type), type + " missing in " + types);
        assertEquals(3, types.get("TrialFinished"));
        JsonNode epoch = events.stream().filter(e -> e.get("type").asText().equals("EpochReported")).findFirst().orElseThrow();
        assertTrue(epoch.get("metrics").has("valAccuracy") && epoch.get("verdict").has("decision"), epoch.toString());
    }

    @Test void eventStreamSendsHeartbeats() throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        HttpRequest request = HttpRequest.newBuilder(URI.create(http.base + "/api/events?search=999999")).GET().build();
        HttpResponse<Stream<String>> r = http.client.sendAsync(request, HttpResponse.BodyHandlers.ofLines()).get(10, TimeUnit.SECONDS);
        CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> r.body().forEach(lines::add));
        awaitLine(lines, "\"Connected\"");
        long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        // Pekko's heartbeat is an event with empty data ("data:"), which browsers do not dispatch
        while (lines.stream().noneMatch(l -> l.equals("data:")) && System.nanoTime() < end) Thread.sleep(50);
        reader.cancel(true);
        assertTrue(lines.stream().anyMatch(l -> l.equals("data:")), "no heartbeat within 5 s (interval 1 s): " + lines);
    }

    @Test void eventStreamRejectsABadSearchParameter() {
        HttpResponse<String> r = http.get("/api/events?search=abc");
        assertEquals(400, r.statusCode());
        assertTrue(HttpTestClient.json(r).get("error").asText().contains("search is 'abc'"));
    }

    @Test void exportZipsFrontModelsTrialsCsvAndReport() throws IOException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(http.base + "/api/searches/" + finished + "/export")).GET().build();
        HttpResponse<byte[]> r;
        try {
            r = http.client.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        assertEquals(200, r.statusCode());
        assertEquals("application/zip", r.headers().firstValue("Content-Type").orElseThrow());
        assertTrue(r.headers().firstValue("Content-Disposition").orElseThrow().contains("bitsearch-search-" + finished + ".zip"));
        Map<String, String> entries = new HashMap<>();
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(r.body()))) {
            for (ZipEntry e; (e = zip.getNextEntry()) != null; ) entries.put(e.getName(), new String(zip.readAllBytes(), StandardCharsets.UTF_8));
        }
        JsonNode pareto = http.getJson("/api/searches/" + finished + "/pareto");
        Set<String> models = new HashSet<>();
        for (JsonNode p : pareto.get("points")) {
            String name = "models/trial-" + p.get("number").asInt() + ".json";
            assertTrue(entries.containsKey(name), name + " missing in " + entries.keySet());
            JsonNode model = JsonSupport.mapper().readTree(entries.get(name));
            assertEquals(p.get("number").asInt(), model.get("trial").asInt());
            assertEquals(p.get("bits").toString(), model.get("bits").toString());
            models.add(name);
        }
        String[] csv = entries.get("trials.csv").split("\n");
        assertEquals(9, csv.length, "header + 8 trials");
        assertTrue(csv[0].startsWith("number,state,reason,seed,attempts,epochs,seconds,sizeBits"), csv[0]);
        assertTrue(csv[0].endsWith(",bits.dense0,bits.dense1,bits.dense2,params.learningRate"), csv[0]);
        assertTrue(csv[1].startsWith("0,"));
        JsonNode spec = JsonSupport.mapper().readTree(entries.get("spec.json"));
        assertEquals("test", spec.get("bitsearch").get("version").asText(), "the version that exported it");
        assertEquals("shared", spec.get("name").asText());
        String report = entries.get("REPORT.md");
        assertNotNull(report);
        assertTrue(report.contains("# bitsearch export: search " + finished));
        for (String m : models) assertTrue(report.contains(m), report);
        assertTrue(entries.containsKey("pareto.json") && entries.containsKey("spec.json"));
        assertTrue(Stream.of(dir.resolve("tmp").toFile().listFiles()).noneMatch(f -> f.getName().endsWith(".zip")),
                "the temp zip is deleted once sent");
    }

    @Test void infoTellsWhetherATokenIsNeeded() {
        JsonNode info = http.getJson("/api/info");
        assertFalse(info.get("authRequired").asBoolean());
        assertEquals(HttpSettings.DEFAULT_MAX_BODY, info.get("maxBodyBytes").asLong());
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    private static long lastId() { return http.getJson("/api/searches").get(0).get("id").asLong(); }

    private static JsonNode find(JsonNode array, String field, long value) {
        for (JsonNode n : array) if (n.get(field).asLong() == value) return n;
        throw new AssertionError("no element with " + field + " = " + value + " in " + array);
    }

    private static void awaitLine(List<String> lines, String needle) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (lines.stream().noneMatch(l -> l.contains(needle))) {
            if (System.nanoTime() > end) throw new AssertionError("no line with " + needle + " in " + lines);
            Thread.sleep(20);
        }
    }

    private static final class StopReading extends RuntimeException {
        StopReading() { super(null, null, false, false); }
    }
}
