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
}
