package org.bitsearch.orchestrator.http;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code serve --data DIR}: the page launches the repository's own example (which names no dataDir) on the data
 * in DIR, and the data is checked before anything is written.
 */
class ServeDataTest {
    static final Path REPO = Path.of(System.getProperty("bitsearch.repoRoot"));
    static final Path SMALL = REPO.resolve("data/fashion-mnist-small");

    @TempDir Path dir;

    @Test
    void theExampleLaunchesOnTheServersDataDirectory() throws Exception {
        HttpSettings settings = new HttpSettings("127.0.0.1", 0, Optional.empty(), HttpSettings.DEFAULT_MAX_BODY, Duration.ofSeconds(1));
        String example = Files.readString(REPO.resolve("examples/fashion-mnist.yaml"));
        try (BitsearchServer server = BitsearchServer.start(dir, settings, s -> TestServers.settings(s).withDatasetsDir(SMALL), "test")) {
            HttpTestClient http = new HttpTestClient(server.url());
            // as shipped: the data is found in --data and checked; the subset is too small for the example's split
            HttpResponse<String> r = http.post("/api/searches", example, "Content-Type", "application/yaml");
            assertEquals(400, r.statusCode(), r.body());
            assertEquals(List.of("trainer.validationSize is 5000, but the training set of fashion-mnist has only 4000 samples"
                    + " (some must remain for training)"), problems(r));
            assertEquals(0, http.getJson("/api/searches").size(), "nothing was written");
            // the same example on a split the subset holds, one short trial: it runs on the data of --data
            String small = example.replace("trainSubset: 12000", "trainSubset: 500").replace("validationSize: 5000", "validationSize: 500")
                    .replace("maxTrials: 16", "maxTrials: 1").replace("maxConcurrent: 2", "maxConcurrent: 1")
                    .replace("maxResource: 3", "maxResource: 1").replace("maxEpochs: 3", "maxEpochs: 1");
            r = http.post("/api/searches", small, "Content-Type", "application/yaml");
            assertEquals(201, r.statusCode(), r.body());
            long id = HttpTestClient.json(r).get("id").asLong();
            http.await("/api/searches/" + id, s -> s.get("state").asText().equals("COMPLETED"), Duration.ofSeconds(180), "the example to complete");
            assertEquals(1, http.getJson("/api/searches/" + id).get("counts").get("completed").asInt());
        }
    }

    private static List<String> problems(HttpResponse<String> r) {
        List<String> out = new java.util.ArrayList<>();
        HttpTestClient.json(r).get("problems").forEach(p -> out.add(p.asText()));
        return out;
    }
}
