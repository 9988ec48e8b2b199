package org.bitsearch.orchestrator.http;

import org.bitsearch.actors.SearchSystemSettings;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** Starts real servers for tests: H2 in a temp dir, the real search system, two CPU slots, port 0. */
final class TestServers {
    private TestServers() {}

    static BitsearchServer start(Path dataDir, Optional<String> token) {
        HttpSettings http = new HttpSettings("127.0.0.1", 0, token, HttpSettings.DEFAULT_MAX_BODY, Duration.ofSeconds(1));
        return BitsearchServer.start(dataDir, http, TestServers::settings, "test");
    }

    /** A real server with one search of the {@link #shortSpec short spec} already COMPLETED, for the read tests. */
    record WithFinishedSearch(BitsearchServer server, HttpTestClient http, long finished) implements AutoCloseable {
        @Override public void close() {
            server.close();
        }
    }

    /**
     * Starts a server, submits {@code shortSpec(name, trials, 0)} as YAML and waits up to {@code timeout} for it to
     * complete; fails the calling test (through the client's assertions) if it does not.
     */
    static WithFinishedSearch withFinishedSearch(Path dataDir, String name, int trials, Duration timeout) {
        BitsearchServer server = start(dataDir, Optional.empty());
        HttpTestClient http = new HttpTestClient(server.url());
        HttpResponse<String> created = http.post("/api/searches", shortSpec(name, trials, 0), "Content-Type", "application/yaml");
        if (created.statusCode() != 201) {
            server.close();
            throw new AssertionError("expected 201 creating the shared search, got " + created.statusCode() + ": " + created.body());
        }
        long id = HttpTestClient.json(created).get("id").asLong();
        http.await("/api/searches/" + id, s -> s.get("state").asText().equals("COMPLETED"), timeout, "search to complete");
        return new WithFinishedSearch(server, http, id);
    }

    static SearchSystemSettings settings(SearchSystemSettings defaults) {
        return defaults.withCpuSlots(2).withUseGpus(false).withRetryBackoff(Duration.ofMillis(50))
                .withShutdownTimeout(Duration.ofSeconds(20));
    }

    /** A short search on the simulated trainer (a 64-32 MLP, 3 layers): finishes in a second or two. */
    static String shortSpec(String name, int trials, double epochSeconds) {
        return """
                name: %s
                seed: 7
                trainer: {kind: simulated, hidden: [64, 32], epochSeconds: %s}
                space:
                  params:
                    learningRate: {type: logfloat, low: 0.0001, high: 0.01}
                  bits: {allowed: [1, 2, 4, 8]}
                pruner: {type: asha, minResource: 1, reductionFactor: 2}
                budget: {maxTrials: %d, maxEpochs: 4, maxConcurrent: 2}
                """.formatted(name, epochSeconds, trials);
    }
}
