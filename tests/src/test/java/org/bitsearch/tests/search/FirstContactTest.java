package org.bitsearch.tests.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.bitsearch.storage.H2SearchStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a new user meets, through real {@code bitsearch} processes: the data found without {@code --data}
 * ({@code ./data/<dataset>}, {@code BITSEARCH_DATA}) and recorded in the stored spec, and {@code serve} on a
 * database another process holds ending with a message, not a stack trace.
 */
class FirstContactTest {
    static final Path SMALL = Path.of(System.getProperty("bitsearch.repoRoot"), "data", "fashion-mnist-small");
    static final List<String> JVM = List.of("-Xmx1g", "-Dorg.bytedeco.javacpp.maxbytes=1g", "-Dorg.bytedeco.javacpp.maxphysicalbytes=3g");
    static final String SPEC = """
            name: found
            seed: 1
            trainer: {kind: dl4j, dataset: fashion-mnist, hidden: [8], trainSubset: 500, validationSize: 500, threads: 1}
            space: {bits: {allowed: [4]}}
            budget: {maxTrials: 1, maxEpochs: 1}
            """;

    @TempDir Path work;

    private static void copyDataset(Path to) throws Exception {
        Files.createDirectories(to);
        try (var files = Files.list(SMALL)) {
            for (Path f : files.toList()) Files.copy(f, to.resolve(f.getFileName()));
        }
    }

    /** Runs the spec without --data in {@code cwd} and returns the stored spec's trainer.dataDir. */
    private String runAndStoredDataDir(Path cwd, Map<String, String> env) throws Exception {
        Files.writeString(cwd.resolve("spec.yaml"), SPEC);
        Path db = cwd.resolve("db");
        try (CliProcess run = CliProcess.start(cwd, JVM, env, "run", "spec.yaml", "--db", db.toString(), "--json")) {
            assertEquals(0, run.await(180), String.join("\n", run.err));
            JsonNode result = new ObjectMapper().readTree(run.stdout());
            assertEquals("COMPLETED", result.get("state").asText(), result.toPrettyString());
        }
        try (H2SearchStore store = H2SearchStore.open(db)) {
            return new ObjectMapper().readTree(store.search(1).orElseThrow().specJson()).get("trainer").get("dataDir").asText();
        }
    }

    @Test
    void theDataIsFoundInDotDataAndRecordedInTheSpec() throws Exception {
        Path cwd = Files.createDirectories(work.resolve("project"));
        copyDataset(cwd.resolve("data/fashion-mnist"));
        assertEquals(cwd.resolve("data/fashion-mnist").toRealPath().toString(),
                Path.of(runAndStoredDataDir(cwd, Map.of("BITSEARCH_DATA", ""))).toRealPath().toString());
    }

    @Test
    void bitsearchDataComesFirst() throws Exception {
        Path cwd = Files.createDirectories(work.resolve("elsewhere"));
        Path shelf = work.resolve("shelf");
        copyDataset(shelf.resolve("fashion-mnist")); // a folder holding <dataset>/
        assertEquals(shelf.resolve("fashion-mnist").toRealPath().toString(),
                Path.of(runAndStoredDataDir(cwd, Map.of("BITSEARCH_DATA", shelf.toString()))).toRealPath().toString());
    }

    @Test
    void serveOnADatabaseInUseSaysSoWithoutAStackTrace() throws Exception {
        Path spec = work.resolve("slow.yaml");
        Files.writeString(spec, """
                name: slow
                trainer: {kind: simulated, hidden: [8], epochSeconds: 0.5}
                space: {bits: {allowed: [2, 4]}}
                budget: {maxTrials: 40, maxEpochs: 4}
                """);
        Path db = work.resolve("db");
        try (CliProcess run = CliProcess.start(work, "run", spec.toString(), "--db", db.toString())) {
            run.awaitErr(lines -> lines.stream().anyMatch(l -> l.contains("search 1 running")), 120);
            try (CliProcess serve = CliProcess.start(work, "serve", "--db", db.toString(), "--port", "0")) {
                assertEquals(1, serve.await(120), String.join("\n", serve.err));
                String err = String.join("\n", serve.err);
                assertTrue(err.contains("is in use by another bitsearch process"), err);
                assertFalse(err.contains("\tat "), "no stack trace:\n" + err);
            }
        }
    }
}
