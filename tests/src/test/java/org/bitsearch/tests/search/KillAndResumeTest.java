package org.bitsearch.tests.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.bitsearch.storage.CheckpointRow;
import org.bitsearch.storage.H2SearchStore;
import org.bitsearch.storage.ReportRow;
import org.bitsearch.storage.SearchState;
import org.bitsearch.storage.TrialRow;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real {@code bitsearch run} JVM is killed with SIGKILL mid-search; {@code bitsearch resume} finishes it. The
 * final database has exactly the budgeted trials, no duplicates, every report recorded before the kill kept
 * as it was, every trial checkpointed at the kill restarted training at its checkpoint's epoch + 1 (read from the
 * resume's "trial N started on ... (attempt A, from epoch E)" lines), and the same Pareto front as an uninterrupted
 * run with the same seed.
 *
 * <p>Why the fronts must be equal despite timing: with {@code maxConcurrent: 1} the engine sees one trial at a
 * time, so every proposal and verdict is a function of (seed, the history in trial order) only; the simulated
 * trainer's metrics are a function of (trial seed, candidate, epoch), and a run restored from a checkpoint
 * continues the same curve. The kill can only cut the history somewhere; resume rebuilds the engine from the
 * database and continues the same sequence.
 */
class KillAndResumeTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String SPEC = """
            name: kill-me
            seed: 2024
            trainer: {kind: simulated, hidden: [64, 32], epochSeconds: 0.3}
            space:
              params:
                learningRate: {type: logfloat, low: 1.0e-4, high: 1.0e-1}
                optimizer: {type: categorical, choices: [adam, sgd]}
              bits: {allowed: [1, 2, 4, 8]}
            sampler: {type: nsga2, populationSize: 4}
            pruner: {type: pareto-asha, minResource: 1, maxResource: 3, reductionFactor: 2}
            budget: {maxTrials: 10, maxConcurrent: 1, maxEpochs: 3}
            """;

    @TempDir Path work;

    @Test
    void aKilledSearchResumesToTheSameFrontAsAnUninterruptedOne() throws Exception {
        Path spec = work.resolve("spec.yaml");
        Files.writeString(spec, SPEC);
        Path killed = work.resolve("killed"), clean = work.resolve("clean");

        // 1. run, and kill -9 once two trials are finished and a third is training on from a checkpointed epoch
        Pattern finished = Pattern.compile("trial (\\d+) (COMPLETED|PRUNED|FAILED).*");
        Pattern epoch = Pattern.compile("trial (\\d+) epoch (\\d+):.*");
        try (CliProcess run = CliProcess.start(work, "run", spec.toString(), "--db", killed.toString())) {
            run.awaitErr(lines -> {
                Set<String> done = new HashSet<>();
                for (String l : lines) {
                    Matcher f = finished.matcher(l);
                    if (f.matches()) done.add(f.group(1));
                }
                if (done.size() < 2) return false;
                // an unfinished trial was told to go on after an epoch that is not its last: it is RUNNING,
                // checkpointed, and training its next epoch
                for (String l : lines) {
                    Matcher e = epoch.matcher(l);
                    if (e.matches() && !done.contains(e.group(1)) && Integer.parseInt(e.group(2)) < 3 && l.contains(", CONTINUE")) return true;
                }
                return false;
            }, 120);
            run.process.destroyForcibly();
            run.process.waitFor();
        }

        // 2. what the database held at the kill
        List<ReportRow> reportsAtKill;
        Map<Integer, CheckpointRow> checkpointsAtKill = new HashMap<>();
        Map<Integer, Integer> attemptsAtKill = new HashMap<>();
        try (H2SearchStore store = H2SearchStore.open(killed)) {
            assertEquals(SearchState.RUNNING, store.search(1).orElseThrow().state(), "killed, not stopped");
            List<TrialRow> trials = store.trials(1);
            assertTrue(trials.stream().anyMatch(t -> !t.state().isFinished()), "the kill interrupted a trial");
            for (TrialRow t : trials) {
                attemptsAtKill.put(t.number(), t.attempts());
                if (!t.state().isFinished()) store.latestCheckpoint(1, t.number()).ifPresent(c -> checkpointsAtKill.put(t.number(), c));
            }
            reportsAtKill = store.reports(1);
        }
        assertFalse(checkpointsAtKill.isEmpty(), "an interrupted trial had a checkpoint");

        // 3. resume to the end
        JsonNode resumed;
        try (CliProcess resume = CliProcess.start(work, "resume", "1", "--db", killed.toString(), "--json")) {
            assertEquals(0, resume.await(180), String.join("\n", resume.err));
            resumed = JSON.readTree(resume.stdout());
            // every trial checkpointed at the kill restarted at checkpoint epoch + 1, not from scratch
            Pattern started = Pattern.compile("trial (\\d+) started on \\S+ \\(attempt \\d+, from epoch (\\d+)\\)");
            Map<Integer, Integer> fromEpoch = new HashMap<>();
            for (String l : List.copyOf(resume.err)) {
                Matcher m = started.matcher(l);
                if (m.find()) fromEpoch.putIfAbsent(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
            }
            for (Map.Entry<Integer, CheckpointRow> e : checkpointsAtKill.entrySet())
                assertEquals(e.getValue().epoch() + 1, fromEpoch.get(e.getKey()),
                        "trial " + e.getKey() + " (checkpoint of epoch " + e.getValue().epoch() + " at the kill) resumed from; resume log:\n"
                                + String.join("\n", resume.err));
        }
        assertEquals("COMPLETED", resumed.get("state").asText());
        assertEquals(10, resumed.get("counts").get("total").asInt());

        try (H2SearchStore store = H2SearchStore.open(killed)) {
            List<TrialRow> trials = store.trials(1);
            assertEquals(IntStream.range(0, 10).boxed().toList(), trials.stream().map(TrialRow::number).toList(), "exactly the budgeted trials, no duplicates");
            trials.forEach(t -> assertTrue(t.state().isFinished(), "trial " + t.number() + " is " + t.state()));
            List<ReportRow> all = store.reports(1);
            assertEquals(reportsAtKill, all.subList(0, reportsAtKill.size()), "every report recorded before the kill is kept as it was");
            assertEquals(all.size(), new HashSet<>(all.stream().map(r -> r.number() + "/" + r.metrics().epoch()).toList()).size(), "no report twice");
            for (Map.Entry<Integer, CheckpointRow> e : checkpointsAtKill.entrySet()) {
                int n = e.getKey();
                assertEquals(attemptsAtKill.get(n) + 1, store.trial(1, n).orElseThrow().attempts(), "trial " + n + " was continued once");
                List<ReportRow> reports = store.reports(1, n);
                ReportRow firstAfter = reports.stream().filter(r -> r.metrics().epoch() == e.getValue().epoch() + 1).findFirst().orElse(null);
                if (firstAfter != null)
                    assertTrue(firstAfter.seq() > reportsAtKill.get(reportsAtKill.size() - 1).seq(), "trial " + n + " went on from epoch " + (e.getValue().epoch() + 1));
            }
        }

        // 4. the same spec, uninterrupted
        JsonNode uninterrupted;
        try (CliProcess run = CliProcess.start(work, "run", spec.toString(), "--db", clean.toString(), "--json")) {
            assertEquals(0, run.await(180), String.join("\n", run.err));
            uninterrupted = JSON.readTree(run.stdout());
        }
        assertEquals("COMPLETED", uninterrupted.get("state").asText());
        assertTrue(uninterrupted.get("front").size() >= 2, uninterrupted.toPrettyString());
        assertEquals(uninterrupted.get("front"), resumed.get("front"), "the same Pareto front (numbers, accuracies, sizes, bits)");
        assertEquals(uninterrupted.get("counts"), resumed.get("counts"), "the same completed/pruned/failed counts");
    }
}
