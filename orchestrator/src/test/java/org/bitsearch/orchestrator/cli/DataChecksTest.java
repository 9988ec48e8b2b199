package org.bitsearch.orchestrator.cli;

import org.bitsearch.orchestrator.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fail fast on data: {@code bitsearch run} opens and checks all four IDX files (and the split sizes) before the
 * database is touched; bad data exits 2 naming the file and the rule, and writes nothing. A search in which
 * every trial failed ends FAILED with exit 1.
 */
class DataChecksTest {
    static final Path SMALL = Path.of(TrainCommandTest.DATA);
    static final List<String> FILES = List.of("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
            "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz");

    @TempDir Path work;

    record Result(int exit, String out, String err) {}

    static Result run(String... args) {
        PrintStream out = System.out, err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            code = Main.commandLine().execute(args);
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        return new Result(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    private Path spec(String trainer) throws IOException {
        Path spec = work.resolve("spec.yaml");
        Files.writeString(spec, """
                name: data-check
                trainer: {kind: dl4j, dataset: fashion-mnist, hidden: [8], trainSubset: 500, validationSize: 500, %s}
                space: {bits: {allowed: [2, 4]}}
                budget: {maxTrials: 1, maxEpochs: 1}
                """.formatted(trainer));
        return spec;
    }

    private Path copyOfSmall(String name, String... skip) throws IOException {
        Path dir = Files.createDirectories(work.resolve(name));
        for (String f : FILES) if (!List.of(skip).contains(f)) Files.copy(SMALL.resolve(f), dir.resolve(f));
        return dir;
    }

    private Result runExpectingBadData(Path data, String... expected) throws IOException {
        Path db = work.resolve("db");
        Result r = run("run", spec("threads: 1").toString(), "--db", db.toString(), "--data", data.toString());
        assertEquals(2, r.exit(), r.err());
        for (String e : expected) assertTrue(r.err().contains(e), "missing '" + e + "' in:\n" + r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace:\n" + r.err());
        assertFalse(Files.exists(db), "nothing was written");
        return r;
    }

    @Test
    void anEmptyDataDirectoryExits2NamingTheMissingFile() throws IOException {
        Path empty = Files.createDirectories(work.resolve("empty"));
        runExpectingBadData(empty, "invalid search spec (1 problem):",
                "trainer.dataDir: " + empty.resolve("train-images-idx3-ubyte.gz") + ": file not found");
    }

    @Test
    void aMissingTestFileIsFoundBeforeTheSearchStarts() throws IOException {
        Path dir = copyOfSmall("no-test-labels", "t10k-labels-idx1-ubyte.gz");
        runExpectingBadData(dir, "t10k-labels-idx1-ubyte.gz: file not found");
    }

    @Test
    void aBadMagicNumberIsReported() throws IOException {
        Path dir = copyOfSmall("bad-magic", "t10k-images-idx3-ubyte.gz");
        gzip(dir.resolve("t10k-images-idx3-ubyte.gz"), new byte[]{1, 2, 3, 4, 0, 0, 0, 0});
        runExpectingBadData(dir, "t10k-images-idx3-ubyte.gz: bad magic number 0x01020304");
    }

    @Test
    void labelsOutOfRangeAreReported() throws IOException {
        Path dir = copyOfSmall("bad-labels", "train-labels-idx1-ubyte.gz");
        byte[] labels = new byte[8 + 4000];
        labels[2] = 8;
        labels[3] = 1;
        labels[6] = (byte) (4000 >> 8);
        labels[7] = (byte) (4000 & 0xFF);
        labels[8 + 17] = 12; // class 12 of a 10-class dataset
        gzip(dir.resolve("train-labels-idx1-ubyte.gz"), labels);
        runExpectingBadData(dir, "13 classes, but 28x28 with at most 10 were expected");
    }

    @Test
    void aChecksumMismatchIsReported() throws IOException {
        Path dir = copyOfSmall("bad-sum");
        Files.writeString(dir.resolve("SHA256SUMS"), "0".repeat(64) + "  t10k-labels-idx1-ubyte.gz\n");
        runExpectingBadData(dir, "t10k-labels-idx1-ubyte.gz: SHA-256 checksum mismatch");
    }

    @Test
    void aSplitLargerThanTheDataIsReported() throws IOException {
        Path db = work.resolve("db");
        Path spec = work.resolve("big.yaml");
        Files.writeString(spec, """
                name: too-big
                trainer: {kind: dl4j, dataset: fashion-mnist, hidden: [8], trainSubset: 3800, validationSize: 500}
                space: {bits: {allowed: [2, 4]}}
                budget: {maxTrials: 1, maxEpochs: 1}
                """);
        Result r = run("run", spec.toString(), "--db", db.toString(), "--data", SMALL.toString());
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("trainer.trainSubset is 3800, but only 3500 samples of fashion-mnist remain after holding out validationSize = 500"), r.err());
        assertFalse(Files.exists(db), "nothing was written");
    }

    @Test
    void aSearchInWhichEveryTrialFailedEndsFailedWithExit1() throws IOException {
        Path spec = work.resolve("failing.yaml");
        Files.writeString(spec, """
                name: all-fail
                trainer: {kind: simulated, hidden: [8], failTrials: [0, 1, 2], failAttempts: 100}
                space: {bits: {allowed: [2, 4]}}
                budget: {maxTrials: 2, maxEpochs: 2, maxRetries: 0}
                """);
        String db = work.resolve("db").toString();
        Result r = run("run", spec.toString(), "--db", db, "--json");
        assertEquals(1, r.exit(), r.err());
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        assertEquals("FAILED", json.readTree(r.out()).get("state").asText(), r.out());
        assertTrue(json.readTree(r.out()).get("message").asText().startsWith("every trial failed"), r.out());
        Result show = run("show", "1", "--db", db, "--json");
        assertEquals("FAILED", json.readTree(show.out()).get("state").asText(), show.out());
    }

    private static void gzip(Path file, byte[] content) throws IOException {
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(content);
        }
    }
}
