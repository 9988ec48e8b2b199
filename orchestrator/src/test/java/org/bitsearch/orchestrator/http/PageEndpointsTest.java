package org.bitsearch.orchestrator.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The page's endpoints over a real server (H2, the search system on the simulated trainer, loopback HTTP):
 * {@code GET /api/searches/{id}/hypervolume}, {@code GET /api/searches/{id}/importance} and
 * {@code DELETE /api/searches/{id}}.
 */
class PageEndpointsTest {
    @TempDir static Path dir;
    static BitsearchServer server;
    static HttpTestClient http;
    static long finished;

    static TestServers.WithFinishedSearch fixture;

    @BeforeAll static void start() {
        fixture = TestServers.withFinishedSearch(dir, "page", 12, Duration.ofSeconds(90));
        server = fixture.server();
        http = fixture.http();
        finished = fixture.finished();
    }

    @AfterAll static void stop() {
        if (fixture != null) fixture.close();
    }

    @Test void hypervolumeHasATimeAxisAndTrialsFinished() {
        JsonNode steps = http.getJson("/api/searches/" + finished + "/hypervolume");
        JsonNode pareto = http.getJson("/api/searches/" + finished + "/pareto");
        assertEquals(pareto.get("hypervolumeHistory").size(), steps.size());
        assertTrue(steps.size() >= 1);
        double lastSeconds = -1;
        int lastFinished = -1;
        for (int i = 0; i < steps.size(); i++) {
            JsonNode s = steps.get(i);
            assertEquals(i + 1, s.get("step").asInt());
            assertEquals(pareto.get("hypervolumeHistory").get(i).get("hypervolume").asDouble(), s.get("hypervolume").asDouble(), 1e-12);
            assertTrue(s.get("seconds").asDouble() >= lastSeconds, steps.toString());
            assertTrue(s.get("trialsFinished").asInt() >= Math.max(1, lastFinished), steps.toString());
            assertTrue(s.get("trialsFinished").asInt() <= 12, steps.toString());
            assertTrue(s.get("at").isTextual());
            lastSeconds = s.get("seconds").asDouble();
            lastFinished = s.get("trialsFinished").asInt();
        }
        assertEquals(404, http.get("/api/searches/999/hypervolume").statusCode());
    }

    @Test void importanceCoversTheCompletedTrialsParamsAndBits() {
        JsonNode imp = http.getJson("/api/searches/" + finished + "/importance");
        JsonNode trials = http.getJson("/api/searches/" + finished + "/trials");
        int completed = 0;
        for (JsonNode t : trials) if (t.get("state").asText().equals("COMPLETED")) completed++;
        assertEquals(completed, imp.get("trials").asInt());
        assertTrue(imp.get("method").asText().contains("epsilon-squared"));
        assertTrue(imp.get("objective").asText().contains("final epoch"));
        if (completed >= 4) {
            Set<String> names = new HashSet<>();
            double sum = 0;
            for (JsonNode p : imp.get("params")) {
                names.add(p.get("name").asText());
                double v = p.get("importance").asDouble();
                assertTrue(v >= 0 && v <= 1, p.toString());
                sum += p.get("share").asDouble();
            }
            assertTrue(names.contains("learningRate") && names.contains("bits: dense0"), names.toString());
            assertEquals(4, names.size(), "learningRate and three layers' bits: " + names);
            assertTrue(Math.abs(sum - 1) < 1e-9 || sum == 0, imp.toString());
        }
        assertEquals(404, http.get("/api/searches/999/importance").statusCode());
    }

    @Test void deleteRefusesARunningSearchAndRemovesAFinishedOneWithItsCheckpoints() throws IOException {
        HttpResponse<String> created = http.post("/api/searches", TestServers.shortSpec("slow", 40, 0.3), "Content-Type", "application/yaml");
        long slow = HttpTestClient.json(created).get("id").asLong();
        HttpResponse<String> running = delete("/api/searches/" + slow);
        assertEquals(409, running.statusCode(), running.body());
        assertTrue(HttpTestClient.json(running).get("error").asText().contains("running"));
        assertEquals(200, http.get("/api/searches/" + slow).statusCode(), "nothing was deleted");

        assertEquals(404, delete("/api/searches/999").statusCode());
        assertEquals(403, delete("/api/searches/" + slow, "Origin", "https://evil.example").statusCode(), "cross-site refused");

        assertEquals(202, http.post("/api/searches/" + slow + "/stop", "").statusCode());
        http.await("/api/searches/" + slow, s -> s.get("state").asText().equals("STOPPED"), Duration.ofSeconds(60), "stop");
        Path checkpoints = dir.resolve("checkpoints").resolve(Long.toString(slow));
        Files.createDirectories(checkpoints.resolve("0"));
        Files.writeString(checkpoints.resolve("0").resolve("epoch-0001.ckpt"), "x");
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        HttpResponse<String> deleted;
        do { // the stop's last epochs may still be finishing in this process: 409 until they are
            deleted = delete("/api/searches/" + slow);
        } while (deleted.statusCode() == 409 && System.nanoTime() < end);
        assertEquals(204, deleted.statusCode(), deleted.body());
        assertEquals(404, http.get("/api/searches/" + slow).statusCode());
        assertEquals(404, http.get("/api/searches/" + slow + "/trials").statusCode());
        assertFalse(Files.exists(checkpoints), "its checkpoints are gone");
        assertEquals(404, delete("/api/searches/" + slow).statusCode(), "a second delete finds nothing");
        assertEquals(200, http.get("/api/searches/" + finished).statusCode(), "the other search stays");
    }

    private static HttpResponse<String> delete(String path, String... headers) {
        return http.send("DELETE", path, HttpRequest.BodyPublishers.noBody(), headers);
    }
}
