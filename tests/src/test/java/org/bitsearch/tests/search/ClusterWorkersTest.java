package org.bitsearch.tests.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.bitsearch.storage.H2SearchStore;
import org.bitsearch.storage.ReportRow;
import org.bitsearch.storage.TrialRow;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import java.util.Map;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Three real JVMs on loopback: a coordinator ({@code bitsearch run --cluster ... --cpu-slots 0}, which trains nothing
 * itself) and two {@code bitsearch worker} processes. One worker is killed with SIGKILL while it trains a trial; a
 * third worker joins mid-search. The search completes with exactly the budgeted trials, no report twice, every epoch
 * of every trial recorded once, and the killed worker's trial retried on another worker from its last shipped
 * checkpoint (the retry's "started ... from epoch E" line has E > 1).
 */
class ClusterWorkersTest {
    static final String SECRET = "loopback-test-secret";
    static final String SPEC = """
            name: cluster-e2e
            seed: 11
            trainer: {kind: simulated, hidden: [16, 8], epochSeconds: 0.5}
            space:
              bits: {allowed: [2, 4, 8]}
            budget: {maxTrials: 4, maxConcurrent: 2, maxEpochs: 5, maxRetries: 3}
            """;

    @TempDir Path work;

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private CliProcess worker(String name, int port) throws Exception {
        return CliProcess.start(work, List.of("-Xmx256m"), "worker", "--join", "127.0.0.1:" + port, "--cpu-slots", "1",
                "--secret", SECRET, "--work-dir", work.resolve(name).toString());
    }

    static String nodeOf(CliProcess worker) throws InterruptedException {
        Pattern joining = Pattern.compile("bitsearch worker (\\S+) joining .*");
        for (long end = System.nanoTime() + 180_000_000_000L; System.nanoTime() < end; Thread.sleep(20))
            for (String l : List.copyOf(worker.out)) {
                Matcher m = joining.matcher(l);
                if (m.matches()) return m.group(1);
            }
        throw new AssertionError("the worker did not start: " + String.join("\n", worker.err));
    }

    @Test
    void aSearchSurvivesLosingAWorkerAndUsesOneThatJoinsMidSearch() throws Exception {
        Path spec = work.resolve("spec.yaml");
        Files.writeString(spec, SPEC);
        Path db = work.resolve("db");
        int port = freePort();
        List<CliProcess> all = new ArrayList<>();
        try (CliProcess coordinator = CliProcess.start(work, List.of("-Xmx512m"), "run", spec.toString(), "--db", db.toString(),
                "--cluster", "127.0.0.1:" + port, "--cpu-slots", "0", "--secret", SECRET, "--json")) {
            CliProcess a = worker("a", port), b = worker("b", port);
            all.add(a);
            all.add(b);
            String nodeA = nodeOf(a);
            // kill worker a once a trial on it has reported its second epoch (so epoch 2's checkpoint is on the coordinator)
            Pattern started = Pattern.compile("trial (\\d+) started on (\\S+)/cpu:\\d+ \\(attempt (\\d+), from epoch (\\d+)\\)");
            Pattern epoch = Pattern.compile("trial (\\d+) epoch (\\d+):.*");
            Set<String> onA = new HashSet<>();
            coordinator.awaitErr(lines -> {
                for (String l : lines) {
                    Matcher s = started.matcher(l);
                    if (s.find() && s.group(2).equals(nodeA)) onA.add(s.group(1));
                    Matcher e = epoch.matcher(l);
                    if (e.matches() && onA.contains(e.group(1)) && Integer.parseInt(e.group(2)) >= 2) return true;
                }
                return false;
            }, 300);
            a.process.destroyForcibly(); // SIGKILL
            a.process.waitFor();
            CliProcess c = worker("c", port);
            all.add(c);
            String nodeC = nodeOf(c);

            assertEquals(0, coordinator.await(400), String.join("\n", coordinator.err));
            JsonNode result = new ObjectMapper().readTree(coordinator.stdout());
            assertEquals("COMPLETED", result.get("state").asText(), coordinator.stdout());
            assertEquals(4, result.get("counts").get("total").asInt());

            // a trial that was on the killed worker was retried elsewhere, after its first epochs
            boolean retried = false;
            for (String l : List.copyOf(coordinator.err)) {
                Matcher s = started.matcher(l);
                if (s.find() && onA.contains(s.group(1)) && Integer.parseInt(s.group(3)) > 1) {
                    retried = true;
                    assertTrue(!s.group(2).equals(nodeA), "retried on another worker: " + l);
                    assertTrue(Integer.parseInt(s.group(4)) > 1, "the retry went on from the shipped checkpoint: " + l);
                }
            }
            assertTrue(retried, "the killed worker's trial was retried:\n" + String.join("\n", coordinator.err));
            assertTrue(nodeC.contains(":"));
        } finally {
            all.forEach(CliProcess::close);
        }
        try (H2SearchStore store = H2SearchStore.open(db)) {
            List<TrialRow> trials = store.trials(1);
            assertEquals(IntStream.range(0, 4).boxed().toList(), trials.stream().map(TrialRow::number).toList(), "exactly the budgeted trials");
            for (TrialRow t : trials) {
                assertTrue(t.state().isFinished(), "trial " + t.number() + " is " + t.state());
                List<Integer> epochs = store.reports(1, t.number()).stream().map(ReportRow::metrics).map(m -> m.epoch()).toList();
                assertEquals(IntStream.rangeClosed(1, 5).boxed().toList(), epochs, "trial " + t.number() + ": every epoch once, in order");
                assertTrue(t.device().contains("/cpu:"), "trial " + t.number() + " ran on a worker: " + t.device());
            }
        }
    }

    /**
     * A small real DL4J search whose every trial trains on a worker process (the coordinator has no slot): DL4J
     * checkpoints (a few hundred KB, several chunks) travel back each epoch, and the end-of-search test accuracy is
     * measured on the coordinator from them.
     */
    @Test
    void aDl4jSearchTrainsOnAWorkerAndItsCheckpointsComeBack() throws Exception {
        Path data = Path.of(System.getProperty("bitsearch.repoRoot"), "data", "fashion-mnist-small");
        Path spec = work.resolve("dl4j.yaml");
        Files.writeString(spec, """
                name: cluster-dl4j
                seed: 3
                trainer: {kind: dl4j, dataset: fashion-mnist, model: mlp, hidden: [32], trainSubset: 2000, validationSize: 1000, threads: 1}
                space:
                  bits: {allowed: [4, 8]}
                budget: {maxTrials: 2, maxConcurrent: 2, maxEpochs: 2}
                """);
        Path db = work.resolve("db-dl4j");
        int port = freePort();
        try (CliProcess coordinator = CliProcess.start(work, List.of("-Xmx768m"), "run", spec.toString(), "--db", db.toString(),
                "--data", data.toString(), "--cluster", "127.0.0.1:" + port, "--cpu-slots", "0", "--secret", SECRET, "--json");
             CliProcess w = CliProcess.start(work, List.of("-Xmx768m"), "worker", "--join", "127.0.0.1:" + port, "--cpu-slots", "2",
                     "--secret", SECRET, "--data", data.toString(), "--work-dir", work.resolve("w").toString())) {
            String node = nodeOf(w);
            assertEquals(0, coordinator.await(400), String.join("\n", coordinator.err));
            JsonNode result = new ObjectMapper().readTree(coordinator.stdout());
            assertEquals("COMPLETED", result.get("state").asText(), coordinator.stdout());
            for (JsonNode p : result.get("front")) assertTrue(p.get("testAccuracy").asDouble() > 0.5, "measured from the shipped checkpoint: " + p);
            try (H2SearchStore store = H2SearchStore.open(db)) {
                for (TrialRow t : store.trials(1)) {
                    assertTrue(t.device().startsWith(node + "/"), t.device());
                    var checkpoint = store.latestCheckpoint(1, t.number()).orElseThrow();
                    assertEquals(2, checkpoint.epoch());
                    assertTrue(Files.size(checkpoint.path()) > TRAINER_HOST_CHUNK, "a checkpoint of several chunks came back");
                }
            }
        }
    }

    /**
     * {@code worker --gpus}: a worker told to use GPUs 0 and 1 of the three a fake {@code nvidia-smi} lists offers
     * exactly those two slots (and no CPU slot), every trial runs on one of them, and naming a GPU that is not
     * visible is bad input (exit 2, the message names the flag).
     */
    @Test
    void aWorkerOffersTheGpusItIsToldToUse() throws Exception {
        Path bin = Files.createDirectories(work.resolve("bin"));
        Path smi = bin.resolve("nvidia-smi");
        Files.writeString(smi, "#!/bin/sh\n[ \"$1\" = -L ] || exit 2\n"
                + "echo 'GPU 0: NVIDIA H200 (UUID: GPU-00000000)'\necho 'GPU 1: NVIDIA H200 (UUID: GPU-00000001)'\n"
                + "echo 'GPU 2: NVIDIA H200 (UUID: GPU-00000002)'\n");
        Files.setPosixFilePermissions(smi, PosixFilePermissions.fromString("rwxr-xr-x"));
        Map<String, String> env = Map.of("PATH", bin + ":" + System.getenv("PATH"), "CUDA_VISIBLE_DEVICES", "");

        try (CliProcess bad = CliProcess.start(work, List.of("-Xmx256m"), env, "worker", "--join", "127.0.0.1:1",
                "--gpus", "0,7", "--secret", SECRET)) {
            assertEquals(2, bad.await(120), String.join("\n", bad.err));
            assertTrue(String.join("\n", bad.err).contains("--gpus is 0,7, but names GPU 7"), String.join("\n", bad.err));
        }

        Path spec = work.resolve("spec.yaml");
        Files.writeString(spec, SPEC);
        Path db = work.resolve("db-gpus");
        int port = freePort();
        try (CliProcess coordinator = CliProcess.start(work, List.of("-Xmx512m"), "run", spec.toString(), "--db", db.toString(),
                "--cluster", "127.0.0.1:" + port, "--cpu-slots", "0", "--secret", SECRET, "--json");
             CliProcess w = CliProcess.start(work, List.of("-Xmx256m"), env, "worker", "--join", "127.0.0.1:" + port,
                     "--gpus", "0,1", "--secret", SECRET, "--work-dir", work.resolve("g").toString())) {
            String node = nodeOf(w);
            assertEquals(0, coordinator.await(400), String.join("\n", coordinator.err));
            assertEquals("COMPLETED", new ObjectMapper().readTree(coordinator.stdout()).get("state").asText(), coordinator.stdout());
        }
        try (H2SearchStore store = H2SearchStore.open(db)) {
            Set<String> devices = new HashSet<>();
            for (TrialRow t : store.trials(1)) devices.add(t.device());
            assertEquals(4, store.trials(1).size());
            assertTrue(devices.stream().allMatch(d -> d.endsWith("/gpu:0") || d.endsWith("/gpu:1")), "only the chosen GPUs: " + devices);
        }
    }

    static final long TRAINER_HOST_CHUNK = 128 * 1024;
}
