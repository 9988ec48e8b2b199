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
 * A search over the ranks of Quantization Aware Factorization (trainer.factorization: qaf, space.ranks) with the real
 * DL4J trainer on the shipped Fashion-MNIST subset, through {@code bitsearch run}, then read back from H2 by a second
 * process ({@code show --json}): every trial's rank ratios are stored with its parameters, drawn from the allowed
 * ratios, and its stored size is exactly that of its quantized factors at those ranks.
 */
class QafSearchTest {
    @TempDir Path work;

    @Test
    void aSearchOverRanksStoresTheRanksAndSizesThem() throws Exception {
        Path data = Path.of(System.getProperty("bitsearch.repoRoot"), "data", "fashion-mnist-small");
        Path spec = work.resolve("qaf.yaml");
        Files.writeString(spec, """
                name: qaf-ranks
                seed: 5
                trainer: {kind: dl4j, dataset: fashion-mnist, model: mlp, hidden: [64, 32], trainSubset: 1500, validationSize: 500, threads: 1,
                          factorization: {type: qaf, pretrainEpochs: 1, admmIterations: 10}}
                space:
                  bits: {allowed: [4, 8], pinLast: 8}
                  ranks: {allowed: [0.25, 0.5, 1.0]}
                sampler: {type: random}
                budget: {maxTrials: 4, maxConcurrent: 1, maxEpochs: 1}
                """);
        List<String> jvm = List.of("-Xmx1g", "-Dorg.bytedeco.javacpp.maxbytes=1g", "-Dorg.bytedeco.javacpp.maxphysicalbytes=3g");
        String db = work.resolve("db").toString();
        try (CliProcess run = CliProcess.start(work, jvm, "run", spec.toString(), "--db", db, "--data", data.toString(), "--cpu-slots", "1", "--json")) {
            assertEquals(0, run.await(300), String.join("\n", run.err));
            JsonNode result = new ObjectMapper().readTree(run.stdout());
            assertEquals(4, result.get("counts").get("completed").asInt(), result.toPrettyString());
        }
        JsonNode show;
        try (CliProcess s = CliProcess.start(work, jvm, "show", "1", "--db", db, "--json")) {
            assertEquals(0, s.await(120), String.join("\n", s.err));
            show = new ObjectMapper().readTree(s.stdout());
        }
        Set<String> rankChoices = new HashSet<>();
        for (JsonNode t : show.get("trials")) {
            JsonNode params = t.get("params");
            double r0 = params.get("rank.dense0").asDouble(), r1 = params.get("rank.dense1").asDouble();
            assertTrue(List.of(0.25, 0.5, 1.0).contains(r0) && List.of(0.25, 0.5, 1.0).contains(r1), t.toPrettyString());
            assertTrue(params.get("rank.dense2") == null, "the output layer is not factorized: " + params);
            rankChoices.add(r0 + "/" + r1);
            int b0 = t.get("bits").get(0).asInt(), b1 = t.get("bits").get(1).asInt(), b2 = t.get("bits").get(2).asInt();
            // rank = floor(ratio · nIn·nOut / (nIn + nOut)); R·(nIn + nOut) entries at b bits, 2 scales, biases at 32
            long rank0 = Math.max(1, (long) Math.floor(r0 * 784 * 64 / 848.0 + 1e-9)), rank1 = Math.max(1, (long) Math.floor(r1 * 64 * 32 / 96.0 + 1e-9));
            long size = rank0 * 848 * b0 + 64 + 64 * 32 + rank1 * 96 * b1 + 64 + 32 * 32 + 320L * b2 + 32 + 10 * 32;
            assertEquals(size, t.get("sizeBits").asLong(), t.toPrettyString());
            assertTrue(t.get("valAccuracy").asDouble() > 0.2, "trained for real, above chance (0.1) after one epoch of 1500 samples: " + t);
        }
        assertTrue(rankChoices.size() >= 2, "the ranks vary across trials: " + rankChoices);
        // the text report's front table names each point's ranks
        try (CliProcess s = CliProcess.start(work, jvm, "show", "1", "--db", db)) {
            assertEquals(0, s.await(120), String.join("\n", s.err));
            assertTrue(s.stdout().contains("ranks {dense0="), s.stdout());
        }
    }
}
