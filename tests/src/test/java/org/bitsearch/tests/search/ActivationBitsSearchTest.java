package org.bitsearch.tests.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A real search over weight and activation bits ({@code space.activationBits}) with the DL4J trainer on the shipped
 * Fashion-MNIST subset, through {@code bitsearch run --json}, then {@code show --json} and the text report from the
 * same database, and the H2 rows themselves: every trial carries its activation allocation (last layer 32), the
 * views report it, and the text report shows W/A.
 */
class ActivationBitsSearchTest {
    @TempDir Path work;

    @Test
    void activationBitsAreSearchedPersistedAndReported() throws Exception {
        Path data = Path.of(System.getProperty("bitsearch.repoRoot"), "data", "fashion-mnist-small");
        Path spec = work.resolve("wa.yaml");
        Files.writeString(spec, """
                name: fmnist-wa
                seed: 5
                trainer: {kind: dl4j, dataset: fashion-mnist, model: mlp, hidden: [32, 16], trainSubset: 2000, validationSize: 500, threads: 1}
                space:
                  bits: {allowed: [2, 8]}
                  activationBits: {allowed: [2, 8]}
                sampler: {type: random}
                pruner: {type: none}
                budget: {maxTrials: 4, maxConcurrent: 2, maxEpochs: 1}
                """);
        Path db = work.resolve("db");
        List<String> jvm = List.of("-Xmx1g", "-Dorg.bytedeco.javacpp.maxbytes=1g", "-Dorg.bytedeco.javacpp.maxphysicalbytes=3g");
        JsonNode result;
        try (CliProcess run = CliProcess.start(work, jvm, "run", spec.toString(), "--db", db.toString(), "--data", data.toString(),
                "--cpu-slots", "2", "--json")) {
            assertEquals(0, run.await(240), String.join("\n", run.err));
            result = new ObjectMapper().readTree(run.stdout());
        }
        assertEquals(4, result.get("counts").get("completed").asInt(), result.toPrettyString());
        double best = 0;
        for (JsonNode p : result.get("front")) {
            assertEquals(3, p.get("activationBits").size(), p.toString());
            assertEquals(32, p.get("activationBits").get(2).asInt(), "the output layer stays FP32: " + p);
            assertTrue(p.get("valAccuracy").asDouble() > 0.15, "above chance (0.1): " + p);
            best = Math.max(best, p.get("testAccuracy").asDouble());
        }
        assertTrue(best > 0.5, "trained for real: the best front point's test accuracy is " + best);
        JsonNode show;
        try (CliProcess s = CliProcess.start(work, jvm, "show", "1", "--db", db.toString(), "--json")) {
            assertEquals(0, s.await(60), String.join("\n", s.err));
            show = new ObjectMapper().readTree(s.stdout());
        }
        Set<String> allocations = new HashSet<>();
        for (JsonNode t : show.get("trials")) {
            JsonNode a = t.get("activationBits");
            assertEquals(3, a.size(), t.toString());
            assertTrue(Set.of(2, 8).contains(a.get(0).asInt()) && Set.of(2, 8).contains(a.get(1).asInt()), t.toString());
            allocations.add(a.toString());
        }
        assertTrue(allocations.size() >= 2, "activation allocations searched: " + allocations);
        String text;
        try (CliProcess s = CliProcess.start(work, jvm, "show", "1", "--db", db.toString())) {
            assertEquals(0, s.await(60), String.join("\n", s.err));
            text = s.stdout();
        }
        JsonNode first = show.get("trials").get(0);
        String wa = "[" + first.get("bits").get(0).asInt() + "/" + first.get("activationBits").get(0).asInt() + ", ";
        assertTrue(text.contains(wa), "the report shows W/A (" + wa + "): " + text);
        try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + db.resolve("bitsearch"), "sa", "");
             ResultSet rs = c.createStatement().executeQuery("SELECT activation_bits FROM trial ORDER BY number")) {
            int n = 0;
            while (rs.next()) {
                assertEquals(show.get("trials").get(n).get("activationBits").toString(), new ObjectMapper().readTree(rs.getString(1)).toString());
                n++;
            }
            assertEquals(4, n);
        }
    }
}
