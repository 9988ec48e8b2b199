package org.bitsearch.tests.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One whole search with the real DL4J trainer on the repository's Fashion-MNIST subset (data/fashion-mnist-small),
 * through {@code bitsearch run}:
 * every bit allocation of {1, 4, 32} over the two layers of a 784-32-10 MLP (grid), two epochs each, two
 * trials at once. The front must be non-trivial: at least three points, strictly increasing in accuracy with
 * size, each with a measured test accuracy.
 */
class RealDl4jSearchTest {
    @TempDir Path work;

    @Test
    void aRealSearchFindsANonTrivialParetoFront() throws Exception {
        Path data = Path.of(System.getProperty("bitsearch.repoRoot"), "data", "fashion-mnist-small"); // 4000 + 1000 images
        assertTrue(Files.isDirectory(data), "the Fashion-MNIST data is at " + data);
        Path spec = work.resolve("fmnist.yaml");
        Files.writeString(spec, """
                name: fmnist-e2e
                seed: 3
                trainer: {kind: dl4j, dataset: fashion-mnist, model: mlp, hidden: [32], trainSubset: 3000, validationSize: 1000, threads: 1}
                space:
                  bits: {allowed: [1, 4, 32]}
                sampler: {type: grid}
                pruner: {type: none}
                budget: {maxTrials: 9, maxConcurrent: 2, maxEpochs: 2}
                """);
        JsonNode result;
        try (CliProcess run = CliProcess.start(work, List.of("-Xmx1g", "-Dorg.bytedeco.javacpp.maxbytes=1g", "-Dorg.bytedeco.javacpp.maxphysicalbytes=3g"),
                "run", spec.toString(), "--db", work.resolve("db").toString(), "--data", data.toString(), "--cpu-slots", "2", "--json")) {
            assertEquals(0, run.await(240), String.join("\n", run.err));
            result = new ObjectMapper().readTree(run.stdout());
        }
        assertEquals("COMPLETED", result.get("state").asText(), result.toPrettyString());
        assertEquals(9, result.get("counts").get("completed").asInt(), result.toPrettyString());
        JsonNode front = result.get("front");
        assertTrue(front.size() >= 3, "a front of at least 3 points: " + front.toPrettyString());
        Set<String> allocations = new HashSet<>();
        double lastAcc = -1;
        long lastSize = -1;
        for (JsonNode p : front) {
            assertTrue(p.get("sizeBits").asLong() > lastSize, "sorted by size");
            assertTrue(p.get("valAccuracy").asDouble() > lastAcc, "each bigger point is more accurate");
            assertTrue(p.get("valAccuracy").asDouble() > 0.5, "trained for real: " + p);
            assertTrue(p.get("testAccuracy").asDouble() > 0.5, "test accuracy measured: " + p);
            assertTrue(p.get("compression").asDouble() >= 1.0);
            allocations.add(p.get("bits").toString());
            lastAcc = p.get("valAccuracy").asDouble();
            lastSize = p.get("sizeBits").asLong();
        }
        assertEquals(front.size(), allocations.size());
    }
}
