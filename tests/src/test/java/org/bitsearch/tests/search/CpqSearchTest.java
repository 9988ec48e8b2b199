package org.bitsearch.tests.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real search with {@code trainer.quantizer: cpq} and learned bits (CPQ's DropBits regulariser, Lee et al. 2021)
 * through {@code bitsearch run} on the shipped Fashion-MNIST subset: every trial proposes [4, 4] for a 784-32-10
 * MLP; the bits the trainer learns become the trial's allocation and size, in the run's output, on the front and,
 * read back by a second process from H2, in {@code show}.
 */
class CpqSearchTest {
    @TempDir Path work;

    /** DESIGN.md's size: weights·bits + 32·biases + one 32-bit scale per quantized tensor (784-32-10 MLP). */
    private static long size(JsonNode bits) {
        long[] weights = {784 * 32, 32 * 10};
        long total = 32L * (32 + 10);
        for (int i = 0; i < 2; i++) {
            int b = bits.get(i).asInt();
            total += weights[i] * b + (b == 32 ? 0 : 32);
        }
        return total;
    }

    @Test
    void aCpqSearchStoresAndReportsTheLearnedBits() throws Exception {
        Path data = Path.of(System.getProperty("bitsearch.repoRoot"), "data", "fashion-mnist-small");
        Path spec = work.resolve("cpq.yaml");
        Files.writeString(spec, """
                name: fmnist-cpq-e2e
                seed: 4
                trainer: {kind: dl4j, dataset: fashion-mnist, model: mlp, hidden: [32], trainSubset: 2000, validationSize: 1000, threads: 1,
                          quantizer: cpq, cpq: {learnBits: true, lambda: 1.0, gateLearningRate: 0.2}}
                space:
                  params:
                    learningRate: {type: logfloat, low: 1.0e-3, high: 3.0e-3}
                  bits: {allowed: [4]}
                sampler: {type: random}
                pruner: {type: none}
                budget: {maxTrials: 2, maxConcurrent: 2, maxEpochs: 2}
                """);
        List<String> jvm = List.of("-Xmx1g", "-Dorg.bytedeco.javacpp.maxbytes=1g", "-Dorg.bytedeco.javacpp.maxphysicalbytes=3g");
        String db = work.resolve("db").toString();
        JsonNode result;
        try (CliProcess run = CliProcess.start(work, jvm, "run", spec.toString(), "--db", db, "--data", data.toString(), "--cpu-slots", "2", "--json")) {
            assertEquals(0, run.await(300), String.join("\n", run.err));
            result = new ObjectMapper().readTree(run.stdout());
        }
        assertEquals("COMPLETED", result.get("state").asText(), result.toPrettyString());
        JsonNode shown;
        try (CliProcess show = CliProcess.start(work, jvm, "show", "1", "--db", db, "--json")) {
            assertEquals(0, show.await(120), String.join("\n", show.err));
            shown = new ObjectMapper().readTree(show.stdout());
        }
        Map<Integer, JsonNode> trials = new HashMap<>();
        boolean learnedFewer = false;
        for (JsonNode t : shown.get("trials")) {
            trials.put(t.get("number").asInt(), t);
            JsonNode bits = t.get("bits");
            for (JsonNode b : bits) assertTrue(b.asInt() >= 2 && b.asInt() <= 4, "learned bits lie in minBits..4: " + t);
            assertEquals(size(bits), t.get("sizeBits").asLong(), "the stored size is the learned allocation's: " + t);
            if (bits.get(0).asInt() < 4 || bits.get(1).asInt() < 4) learnedFewer = true;
        }
        assertEquals(2, trials.size(), shown.toPrettyString());
        assertTrue(learnedFewer, "λ = 1 makes some trial learn fewer than the proposed 4 bits: " + shown.toPrettyString());
        // the front the run built and the one stored are the learned allocations and sizes
        for (JsonNode front : List.of(result.get("front"), shown.get("front"))) {
            assertTrue(front.size() >= 1, result.toPrettyString());
            for (JsonNode p : front) {
                JsonNode t = trials.get(p.get("number").asInt());
                assertEquals(t.get("bits"), p.get("bits"), "front point = its trial's learned bits");
                assertEquals(size(p.get("bits")), p.get("sizeBits").asLong());
            }
        }
    }
}
