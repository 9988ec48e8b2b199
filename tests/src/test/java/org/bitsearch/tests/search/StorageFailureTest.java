package org.bitsearch.tests.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.bitsearch.storage.H2SearchStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.URI;
import java.util.regex.Pattern;
import java.util.List;

/**
 * A real {@code bitsearch run} JVM whose database file cannot grow (the file-size limit {@code ulimit -f}, which
 * holds for root, unlike {@code chmod}; the writes fail with EFBIG as on a full disk) ends with exit 1 and a message
 * naming the storage failure, instead of restarting its supervisor again and again and idling; the database stays
 * resumable: {@code bitsearch resume} without the limit completes the search.
 */
class StorageFailureTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String SPEC = """
            name: fill-the-disk
            seed: 3
            trainer: {kind: simulated, hidden: [32, 16], epochSeconds: 0.02}
            space:
              params:
                learningRate: {type: logfloat, low: 1.0e-4, high: 1.0e-1}
              bits: {allowed: [2, 4, 8]}
            sampler: {type: random}
            pruner: {type: none}
            budget: {maxTrials: 60, maxConcurrent: 1, maxEpochs: 3}
            """;

    @TempDir Path work;

    @Test
    void aDatabaseThatCannotGrowEndsTheRunWithExit1NamingTheCauseAndStaysResumable() throws Exception {
        Path spec = work.resolve("spec.yaml");
        Files.writeString(spec, SPEC);
        Path db = work.resolve("db");
        H2SearchStore.open(db).close(); // the schema is in place: only the search's own writes need room
        long kib = Files.size(H2SearchStore.databaseFile(db)) / 1024 + 128;
        long start = System.nanoTime();
        try (CliProcess run = CliProcess.startWithFileSizeLimit(work, kib, "run", spec.toString(), "--db", db.toString())) {
            int code = run.await(180);
            String err = String.join("\n", run.err);
            assertEquals(1, code, err);
            assertTrue(err.contains("bitsearch: search 1 could not go on: storage failure: "), err);
            assertTrue(err.contains("Writing to"), "the message names the failed write: " + err);
            assertTrue(err.contains("resume search 1"), err);
            assertTrue((System.nanoTime() - start) / 1e9 < 170, "it ended, it did not idle");
        }
        assertTrue(Files.size(H2SearchStore.databaseFile(db)) <= kib * 1024, "the limit held");

        try (CliProcess resume = CliProcess.start(work, "resume", "1", "--db", db.toString(), "--json")) {
            assertEquals(0, resume.await(300), String.join("\n", resume.err));
            JsonNode out = JSON.readTree(resume.stdout());
            assertEquals("COMPLETED", out.get("state").asText(), out.toPrettyString());
            assertEquals(60, out.get("counts").get("total").asInt());
        }
    }

    /**
     * The same failure under {@code bitsearch serve}: the write failure closed the database (H2 closes a file it
     * could not write), so there is nothing left to serve: serve says why and exits 1, and the database resumes
     * under a new serve (its running search continues and completes).
     */
    @Test
    void serveEndsWithExit1NamingTheCauseWhenTheDatabaseCannotGrowAndResumesAfterARestart() throws Exception {
        Path db = work.resolve("db-serve");
        H2SearchStore.open(db).close();
        long kib = Files.size(H2SearchStore.databaseFile(db)) / 1024 + 128;
        try (CliProcess serve = CliProcess.startWithFileSizeLimit(work, kib, "serve", "--db", db.toString(), "--port", "0",
                "--cpu-slots", "1")) {
            String url = urlOf(serve);
            var created = HTTP.send(HttpRequest.newBuilder(URI.create(url + "api/searches"))
                            .header("Content-Type", "application/yaml").POST(HttpRequest.BodyPublishers.ofString(SPEC)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(201, created.statusCode(), created.body());
            assertEquals(1, serve.await(180), String.join("\n", serve.err));
            String err = String.join("\n", serve.err);
            assertTrue(err.contains("bitsearch serve: the database can no longer be used: search 1 could not go on: storage failure: "), err);
            assertTrue(err.contains("start serve again"), err);
        }
        try (CliProcess serve = CliProcess.start(work, "serve", "--db", db.toString(), "--port", "0", "--cpu-slots", "1")) {
            String url = urlOf(serve);
            JsonNode search = null;
            for (long end = System.nanoTime() + 240_000_000_000L; System.nanoTime() < end; Thread.sleep(250)) {
                var r = HTTP.send(HttpRequest.newBuilder(URI.create(url + "api/searches/1")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode(), r.body());
                search = JSON.readTree(r.body());
                if (!search.get("state").asText().equals("RUNNING")) break;
            }
            assertEquals("COMPLETED", search.get("state").asText(), String.valueOf(search));
            assertEquals(60, search.get("counts").get("total").asInt());
        }
    }

    static final HttpClient HTTP = HttpClient.newHttpClient();

    private static String urlOf(CliProcess serve) throws InterruptedException {
        Pattern serving = Pattern.compile("bitsearch serving (http://\\S+/) .*");
        for (long end = System.nanoTime() + 120_000_000_000L; System.nanoTime() < end; Thread.sleep(50)) {
            for (String l : List.copyOf(serve.out)) {
                var m = serving.matcher(l);
                if (m.matches()) return m.group(1);
            }
            if (!serve.process.isAlive()) throw new AssertionError("serve ended: " + String.join("\n", serve.err));
        }
        throw new AssertionError("serve printed no address: " + String.join("\n", serve.err));
    }
}
