package org.bitsearch.orchestrator.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A server closed while a search runs picks the search up again when it starts on the same data directory. */
class ServerRestartTest {
    @TempDir Path dir;

    @Test void aRestartedServerResumesTheSearchesItWasRunning() {
        long id;
        int finishedBefore;
        try (BitsearchServer first = TestServers.start(dir, Optional.empty())) {
            HttpTestClient http = new HttpTestClient(first.url());
            id = HttpTestClient.json(http.post("/api/searches", TestServers.shortSpec("restarted", 6, 0.1))).get("id").asLong();
            JsonNode running = http.await("/api/searches/" + id, s -> finished(s) >= 1 && s.get("trials").get("RUNNING").asInt() > 0,
                    Duration.ofSeconds(30), "a finished and a running trial");
            finishedBefore = finished(running);
        }
        try (BitsearchServer second = TestServers.start(dir, Optional.empty())) {
            HttpTestClient http = new HttpTestClient(second.url());
            assertEquals("RUNNING", http.getJson("/api/searches/" + id).get("state").asText(), "closing leaves it resumable");
            JsonNode done = http.await("/api/searches/" + id, s -> s.get("state").asText().equals("COMPLETED"),
                    Duration.ofSeconds(60), "the resumed search to complete");
            assertEquals(6, finished(done));
            assertEquals(6, done.get("trialsTotal").asInt(), "no trial is proposed twice");
            assertTrue(finishedBefore < 6);
        }
    }

    private static int finished(JsonNode search) {
        JsonNode t = search.get("trials");
        return t.get("COMPLETED").asInt() + t.get("PRUNED").asInt() + t.get("FAILED").asInt();
    }
}
