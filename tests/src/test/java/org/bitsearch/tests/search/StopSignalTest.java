package org.bitsearch.tests.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.bitsearch.search.trial.TrialState;
import org.bitsearch.storage.H2SearchStore;
import org.bitsearch.storage.SearchState;
import org.bitsearch.storage.TrialRow;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A clean stop of a real {@code bitsearch run} JVM by a signal ({@code kill -TERM}, {@code kill -INT} as Ctrl-C
 * sends it): the process exits 0, the search is STOPPED, the trials whose attempts were cancelled are INTERRUPTED
 * (none RUNNING), the end message says how many, and {@code bitsearch resume} continues them from their checkpoints
 * to the end.
 */
class StopSignalTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String SPEC = """
            name: signal-me
            seed: 99
            trainer: {kind: simulated, hidden: [32, 16], epochSeconds: 1.5}
            space:
              params:
                learningRate: {type: logfloat, low: 1.0e-4, high: 1.0e-1}
              bits: {allowed: [2, 4, 8]}
            sampler: {type: random}
            pruner: {type: none}
            budget: {maxTrials: 4, maxConcurrent: 2, maxEpochs: 3}
            """;

    @TempDir Path work;

    @Test
    void sigtermStopsTheSearchCleanlyExitsZeroAndResumeContinuesTheInterruptedTrials() throws Exception {
        Path spec = work.resolve("spec.yaml");
        Files.writeString(spec, SPEC);
        Path db = work.resolve("db");
        Pattern epoch = Pattern.compile("trial (\\d+) epoch 1:.*CONTINUE.*");
        int checkpointed;
        try (CliProcess run = CliProcess.start(work, "run", spec.toString(), "--db", db.toString(), "--json")) {
            // a trial has reported (and checkpointed) epoch 1 and trains epoch 2 when the signal comes
            run.awaitErr(lines -> lines.stream().anyMatch(l -> epoch.matcher(l).matches()), 120);
            Matcher m = run.err.stream().map(epoch::matcher).filter(Matcher::matches).findFirst().orElseThrow();
            checkpointed = Integer.parseInt(m.group(1));
            kill("TERM", run.process.toHandle().pid());
            assertEquals(0, run.await(60), "a clean stop exits 0:\n" + String.join("\n", run.err));
            JsonNode out = JSON.readTree(run.stdout());
            assertEquals("STOPPED", out.get("state").asText(), out.toPrettyString());
            int interrupted = out.get("counts").get("interrupted").asInt();
            assertTrue(interrupted >= 1, out.toPrettyString());
            assertEquals(0, out.get("counts").get("running").asInt(), "no RUNNING trial in a STOPPED search: " + out.toPrettyString());
            String err = String.join("\n", run.err);
            assertTrue(err.contains("stopping search 1"), err);
            assertTrue(err.contains("; " + interrupted + " interrupted; go on with: bitsearch resume 1"), err);
            assertTrue(err.contains("trial " + checkpointed + " INTERRUPTED: stopped by user"), err);
        }
        try (H2SearchStore store = H2SearchStore.open(db)) {
            assertEquals(SearchState.STOPPED, store.search(1).orElseThrow().state());
            List<TrialRow> trials = store.trials(1);
            assertFalse(trials.stream().anyMatch(t -> t.state() == TrialState.RUNNING), "no trial left RUNNING: " + trials);
            assertEquals(TrialState.INTERRUPTED, store.trial(1, checkpointed).orElseThrow().state());
            assertTrue(store.latestCheckpoint(1, checkpointed).orElseThrow().epoch() >= 1);
        }

        // resume goes on from the checkpoint (not from scratch) and completes the budget
        try (CliProcess resume = CliProcess.start(work, "resume", "1", "--db", db.toString(), "--json")) {
            assertEquals(0, resume.await(180), String.join("\n", resume.err));
            JsonNode out = JSON.readTree(resume.stdout());
            assertEquals("COMPLETED", out.get("state").asText(), out.toPrettyString());
            assertEquals(4, out.get("counts").get("total").asInt());
            assertEquals(0, out.get("counts").get("interrupted").asInt());
            Pattern started = Pattern.compile("trial " + checkpointed + " started on \\S+ \\(attempt 2, from epoch (\\d+)\\)");
            int from = resume.err.stream().map(started::matcher).filter(Matcher::find).map(x -> Integer.parseInt(x.group(1)))
                    .findFirst().orElseThrow(() -> new AssertionError("trial " + checkpointed + " resumed:\n" + String.join("\n", resume.err)));
            assertTrue(from >= 2, "trial " + checkpointed + " went on from its checkpoint, epoch " + from);
        }
    }

    @Test
    void ctrlCIsSigintAndStopsTheSearchTheSameWay() throws Exception {
        // a JVM started with SIGINT ignored (a background job of a shell without job control) cannot catch it, and
        // its child inherits that: then there is no Ctrl-C to test here
        org.junit.jupiter.api.Assumptions.assumeFalse(sigintIgnored(), "SIGINT is ignored in this test JVM, so in its children");
        Path spec = work.resolve("spec.yaml");
        Files.writeString(spec, SPEC.replace("epochSeconds: 1.5", "epochSeconds: 600"));
        Path db = work.resolve("db");
        try (CliProcess run = CliProcess.start(work, "run", spec.toString(), "--db", db.toString(), "--json")) {
            run.awaitErr(lines -> lines.stream().anyMatch(l -> l.matches("trial \\d+ started on .*")), 120);
            long at = System.nanoTime();
            kill("INT", run.process.toHandle().pid());
            assertEquals(0, run.await(60), String.join("\n", run.err));
            assertTrue((System.nanoTime() - at) / 1e9 < 45, "the 600 s epochs were cancelled, not waited for");
            JsonNode out = JSON.readTree(run.stdout());
            assertEquals("STOPPED", out.get("state").asText());
            long started = run.err.stream().filter(l -> l.matches("trial \\d+ started on .*")).count();
            assertEquals(started, out.get("counts").get("interrupted").asInt(), "every started trial is interrupted: " + out.toPrettyString());
            assertEquals(0, out.get("counts").get("running").asInt(), out.toPrettyString());
        }
    }

    private static void kill(String signal, long pid) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
        assertEquals(0, kill.waitFor(), "kill -" + signal + " " + pid);
    }

    /** Whether SIGINT (2) is in this process's ignored-signal mask ({@code SigIgn} in /proc/self/status). */
    private static boolean sigintIgnored() throws Exception {
        Path status = Path.of("/proc/self/status");
        if (!Files.exists(status)) return false;
        for (String line : Files.readAllLines(status))
            if (line.startsWith("SigIgn:")) return new BigInteger(line.substring(7).trim(), 16).testBit(1);
        return false;
    }
}
