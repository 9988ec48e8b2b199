package org.bitsearch.tests.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.bitsearch.storage.H2SearchStore;
import org.bitsearch.storage.SearchState;
import org.bitsearch.storage.TrialRow;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whole searches with {@code trainer: {kind: process}} in a real {@code bitsearch} JVM, against the repository's
 * stdlib-only fake trainer ({@code examples/process/fake_trainer.py}): a search end to end (pruning, a failed attempt
 * retried, test accuracies from task test), a SIGKILL of bitsearch mid-epoch that leaves no process behind and
 * resumes from the program's checkpoint, and the GPU slots' {@code CUDA_VISIBLE_DEVICES} with a fake
 * {@code nvidia-smi}.
 */
class ProcessTrainerSearchTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path REPO = Path.of(System.getProperty("bitsearch.repoRoot"));
    static final Path FAKE = REPO.resolve("examples/process/fake_trainer.py");

    @TempDir Path work;

    private Path journal() { return work.resolve("journal.jsonl"); }

    private Path spec(String name, List<String> fakeArgs, int trials, int concurrent) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("python3", FAKE.toString(), "--journal", journal().toString()));
        cmd.addAll(fakeArgs);
        String yaml = """
                name: %s
                seed: 11
                trainer:
                  kind: process
                  command: %s
                  env: {FAKE_MODE: test}
                  layers:
                    - {name: dense0, weights: 1000, biases: 10}
                    - {name: dense1, weights: 100, biases: 10}
                  epochTimeoutSeconds: 30
                  stopGraceSeconds: 2
                space:
                  params:
                    learningRate: {type: logfloat, low: 1.0e-4, high: 1.0e-1}
                    dropout: {type: float, low: 0.0, high: 0.5}
                  bits: {allowed: [1, 2, 4, 8]}
                sampler: {type: random}
                pruner: {type: pareto-asha, minResource: 1, maxResource: 3, reductionFactor: 2}
                budget: {maxTrials: %d, maxConcurrent: %d, maxEpochs: 3, maxRetries: 2}
                """.formatted(name, JSON.writeValueAsString(cmd), trials, concurrent);
        Path spec = work.resolve(name + ".yaml");
        Files.writeString(spec, yaml);
        return spec;
    }

    private List<JsonNode> events(String event) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        if (!Files.exists(journal())) return out;
        for (String line : Files.readAllLines(journal())) {
            JsonNode e = JSON.readTree(line);
            if (e.path("event").asText().equals(event)) out.add(e);
        }
        return out;
    }

    private List<Long> journalledPids() throws Exception {
        List<Long> out = new ArrayList<>();
        for (String line : Files.readAllLines(journal())) {
            JsonNode e = JSON.readTree(line);
            out.add(e.path("pid").asLong());
            if (e.has("child")) out.add(e.path("child").asLong());
        }
        return out.stream().distinct().toList();
    }

    /**
     * The live processes whose command line names this test's journal (the fake trainers and their grandchildren),
     * found by command line: the journalled pids may have been reused by the system meanwhile.
     */
    private List<String> alive() {
        String marker = journal().toString();
        return ProcessHandle.allProcesses().filter(ProcessHandle::isAlive)
                .map(p -> p.pid() + " " + p.info().arguments().map(a -> String.join(" ", a)).orElse(""))
                .filter(c -> c.contains(marker)).toList();
    }

    @Test
    void aSearchRunsTheProgramPrunesRetriesAndMeasuresTheFront() throws Exception {
        Path spec = spec("fake-search", List.of("--chatter", "--fail", "exit", "--fail-trials", "1", "--fail-epoch", "1",
                "--fail-attempts", "1"), 8, 1);
        JsonNode result;
        try (CliProcess run = CliProcess.start(work, "run", spec.toString(), "--db", work.resolve("db").toString(), "--json",
                "--cpu-slots", "1")) {
            assertEquals(0, run.await(180), String.join("\n", run.err));
            result = JSON.readTree(run.stdout());
        }
        assertEquals("COMPLETED", result.path("state").asText(), result.toPrettyString());
        JsonNode counts = result.path("counts");
        assertEquals(8, counts.path("total").asInt());
        assertEquals(0, counts.path("failed").asInt(), "the failed attempt was retried");
        assertTrue(counts.path("pruned").asInt() >= 1, "Pareto-ASHA pruned some trial: " + counts);
        // every front point's test accuracy came from task test on its last checkpoint
        assertFalse(result.path("front").isEmpty());
        for (JsonNode p : result.path("front")) assertFalse(p.path("testAccuracy").isNull(), p.toString());
        assertEquals(result.path("front").size(), events("test").size());
        try (H2SearchStore store = H2SearchStore.open(work.resolve("db"))) {
            TrialRow one = store.trial(1, 1).orElseThrow();
            assertEquals(2, one.attempts(), "trial 1 failed once (exit 3) and was retried");
            assertTrue(one.state().isFinished());
        }
        // the retry started over (the failure came before the first report, so there was no checkpoint)
        JsonNode retry = events("start").stream().filter(e -> e.path("trial").asInt() == 1 && e.path("attempt").asInt() == 2)
                .findFirst().orElseThrow();
        assertEquals(1, retry.path("fromEpoch").asInt());
        assertTrue(retry.path("checkpoint").isNull(), retry.toString());
        // the free hyperparameter reached the program, as did the spec's env and the CPU slot's binding
        JsonNode first = events("start").get(0);
        assertTrue(first.path("params").has("dropout"), first.toString());
        assertEquals("cpu", first.path("device").asText());
        assertEquals("", first.path("cudaVisibleDevices").asText());
        assertEquals(List.of(), alive(), "no process left");
        // stderr went to per-attempt logs under the trial's directory (kept for finished, unpruned trials)
        try (var files = Files.walk(work.resolve("db"))) {
            assertTrue(files.anyMatch(f -> f.getFileName().toString().matches("attempt-\\d+\\.log")));
        }
    }

    @Test
    void aSigkillOfBitsearchMidEpochLeavesNoProcessAndResumeContinuesFromTheProgramsCheckpoint() throws Exception {
        Path spec = spec("fake-kill", List.of("--epoch-seconds", "1.5", "--spawn-child"), 3, 2);
        Path db = work.resolve("db");
        Pattern epoch = Pattern.compile("trial (\\d+) epoch (\\d+):.*CONTINUE.*");
        try (CliProcess run = CliProcess.start(work, "run", spec.toString(), "--db", db.toString(), "--cpu-slots", "2")) {
            run.awaitErr(lines -> lines.stream().anyMatch(l -> epoch.matcher(l).matches()), 120);
            Thread.sleep(500); // into the next epoch
            run.process.destroyForcibly(); // SIGKILL
            run.process.waitFor();
        }
        List<Long> pids = journalledPids();
        assertTrue(pids.size() >= 4, "the programs and their grandchildren were journalled: " + pids);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!alive().isEmpty() && System.nanoTime() < deadline) Thread.sleep(50);
        assertEquals(List.of(), alive(), "no trainer process outlived the SIGKILL of bitsearch");

        Map<Integer, Integer> recorded = new HashMap<>();
        try (H2SearchStore store = H2SearchStore.open(db)) {
            assertEquals(SearchState.RUNNING, store.search(1).orElseThrow().state(), "killed, not stopped");
            for (TrialRow t : store.trials(1))
                if (!t.state().isFinished()) store.latestCheckpoint(1, t.number()).ifPresent(c -> recorded.put(t.number(), c.epoch()));
        }
        assertFalse(recorded.isEmpty(), "a trial was checkpointed when bitsearch was killed");
        int startsBefore = events("start").size();

        JsonNode resumed;
        try (CliProcess resume = CliProcess.start(work, "resume", "1", "--db", db.toString(), "--json", "--cpu-slots", "2")) {
            assertEquals(0, resume.await(180), String.join("\n", resume.err));
            resumed = JSON.readTree(resume.stdout());
        }
        assertEquals("COMPLETED", resumed.path("state").asText());
        assertEquals(0, resumed.path("counts").path("failed").asInt(), resumed.toPrettyString());
        List<JsonNode> after = events("start").subList(startsBefore, events("start").size());
        for (Map.Entry<Integer, Integer> e : recorded.entrySet()) {
            JsonNode start = after.stream().filter(s -> s.path("trial").asInt() == e.getKey() && s.path("task").asText().equals("train"))
                    .findFirst().orElseThrow(() -> new AssertionError("trial " + e.getKey() + " was not resumed"));
            assertEquals(e.getValue() + 1, start.path("fromEpoch").asInt(), start.toString());
            assertTrue(start.path("checkpoint").asText().endsWith("epoch-" + e.getValue() + ".json"), start.toString());
        }
        assertEquals(List.of(), alive());
    }

    @Test
    void gpuSlotsGiveEachProgramItsOwnGpu() throws Exception {
        Path bin = Files.createDirectories(work.resolve("bin"));
        Path smi = bin.resolve("nvidia-smi");
        Files.writeString(smi, "#!/bin/sh\necho 'GPU 0: NVIDIA H200 (UUID: GPU-a)'\necho 'GPU 1: NVIDIA H200 (UUID: GPU-b)'\n"
                + "echo 'GPU 2: NVIDIA H200 (UUID: GPU-c)'\n");
        Files.setPosixFilePermissions(smi, PosixFilePermissions.fromString("rwxr-xr-x"));
        Map<String, String> env = new HashMap<>();
        env.put("PATH", bin + java.io.File.pathSeparator + System.getenv("PATH"));
        env.put("CUDA_VISIBLE_DEVICES", ""); // removed from the child's environment
        Path spec = spec("fake-gpus", List.of("--epoch-seconds", "0.3"), 4, 2);
        try (CliProcess run = CliProcess.start(work, env, "run", spec.toString(), "--db", work.resolve("db").toString(),
                "--json", "--gpus", "0,2")) {
            assertEquals(0, run.await(180), String.join("\n", run.err));
            assertTrue(run.err.stream().anyMatch(l -> l.contains("started on gpu:2")), String.join("\n", run.err));
        }
        Set<String> visible = new TreeSet<>();
        for (JsonNode s : events("start")) {
            if (!s.path("task").asText().equals("train")) continue;
            assertEquals("cuda:0", s.path("device").asText(), s.toString());
            visible.add(s.path("cudaVisibleDevices").asText());
        }
        assertEquals(Set.of("0", "2"), visible, "each of the two chosen GPUs ran trials, one GPU per program");

        try (CliProcess bad = CliProcess.start(work, env, "run", spec.toString(), "--db", work.resolve("db2").toString(), "--gpus", "5")) {
            assertEquals(2, bad.await(60));
            assertTrue(String.join("\n", bad.err).contains("--gpus is 5, but names GPU 5 and only GPUs 0..2 are visible (nvidia-smi -L)"),
                    String.join("\n", bad.err));
        }
        assertNotNull(smi);
    }
}
