package org.bitsearch.orchestrator.wiring;

import org.bitsearch.actors.spec.CompiledSearch;
import org.bitsearch.actors.spec.SpecCompiler;
import org.bitsearch.actors.spec.SpecException;
import org.bitsearch.search.space.Dimension;
import org.bitsearch.search.trial.Candidate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import java.util.Map;
import org.bitsearch.search.space.BitAllocation;

/** The spec side of Quantization Aware Factorization: trainer.factorization and space.ranks, and their errors. */
class QafSpecTest {
    private final SpecCompiler compiler = new SpecCompiler(StandardTrainers.factory());
    @TempDir static Path data;

    static final String SPEC = """
            name: qaf
            trainer: {kind: dl4j, dataset: fashion-mnist, dataDir: %s, hidden: [64, 32], factorization: {type: qaf, ratio: 0.5}}
            space:
              bits: {allowed: [4, 8], pinLast: 8}
              ranks: {allowed: [0.25, 0.5]}
            budget: {maxTrials: 4, maxEpochs: 2}
            """;

    static String spec() { return SPEC.formatted(data.toString().replace("\\", "/")); }

    @Test
    void ranksBecomeDimensionsAndSizesCountTheFactors() throws Exception {
        CompiledSearch c = compiler.compile(spec());
        var space = c.settings().space();
        assertEquals(List.of("rank.dense0", "rank.dense1"), space.dimensions().stream().map(Dimension::name).toList());
        assertEquals(List.of(0.25, 0.5), ((Dimension.Categorical) space.dimensions().get(0)).choices());
        Candidate cand = new Candidate(Map.of("rank.dense0", 0.25, "rank.dense1", 0.5),
                BitAllocation.of(4, 8, 8));
        // dense0 784x64: rank floor(0.25·50176/848) = 14; dense1 64x32: floor(0.5·2048/96) = 10
        long expected = 14L * 848 * 4 + 64 + 64 * 32 + 10L * 96 * 8 + 64 + 32 * 32 + 320L * 8 + 32 + 10 * 32;
        assertEquals(expected, space.sizeBits(cand.bits(), cand.params()));
        // without space.ranks the trainer's ratio applies and nothing is searched
        CompiledSearch fixed = compiler.compile(spec().replace("  ranks: {allowed: [0.25, 0.5]}\n", ""));
        assertTrue(fixed.settings().space().dimensions().isEmpty());
        assertEquals(29L * 848 * 4 + 64 + 64 * 32 + 10L * 96 * 8 + 64 + 32 * 32 + 320L * 8 + 32 + 10 * 32,
                fixed.settings().space().sizeBits(cand.bits(), Map.of()));
    }

    @Test
    void badFactorizationAndRanksAreNamed() {
        SpecException noFactor = assertThrows(SpecException.class, () -> compiler.compile(spec().replace(", factorization: {type: qaf, ratio: 0.5}", "")));
        assertTrue(noFactor.getMessage().contains("space.ranks is given, but the trainer factorizes no layer"), noFactor.getMessage());
        SpecException lowBits = assertThrows(SpecException.class, () -> compiler.compile(spec().replace("allowed: [4, 8]", "allowed: [2, 4, 8]")));
        assertTrue(lowBits.getMessage().contains("space.bits.allowed is 2, but layer dense0 is factorized"), lowBits.getMessage());
        SpecException ratio = assertThrows(SpecException.class, () -> compiler.compile(spec().replace("[0.25, 0.5]", "[0.25, 1.5]")));
        assertTrue(ratio.getMessage().contains("space.ranks.allowed[1] is 1.5, but must be a rank ratio in (0, 1]"), ratio.getMessage());
        SpecException type = assertThrows(SpecException.class, () -> compiler.compile(spec().replace("type: qaf", "type: svd")));
        assertTrue(type.getMessage().contains("factorization.type is 'svd', but must be one of [none, qaf, lowrank]"), type.getMessage());
        SpecException unknown = assertThrows(SpecException.class, () -> compiler.compile(spec().replace("ratio: 0.5}", "ratio: 0.5, rnk: 2}")));
        assertTrue(unknown.getMessage().contains("rnk"), unknown.getMessage());
        SpecException unknownRanks = assertThrows(SpecException.class, () -> compiler.compile(spec().replace("ranks: {allowed:", "ranks: {ratio: 1, allowed:")));
        assertTrue(unknownRanks.getMessage().contains("space.ranks.ratio"), unknownRanks.getMessage());
                SpecException sens = assertThrows(SpecException.class, () -> compiler.compile(spec().replace("budget:", "sampler: {type: sensitivity}\nbudget:")));
        assertTrue(sens.getMessage().contains("sampler.type is 'sensitivity', but needs a trainer that measures layer sensitivity"), sens.getMessage());
                SpecException perChannel = assertThrows(SpecException.class, () -> compiler.compile(spec().replace("hidden: [64, 32]", "hidden: [64, 32], perChannel: true")));
        assertTrue(perChannel.getMessage().contains("perChannel must be false"), perChannel.getMessage());
    }

    @Test
    void factorizationCombinesWithAProgressiveScheduleAndActivationBits() throws Exception {
        String combined = spec().replace("factorization: {type: qaf, ratio: 0.5}}",
                        "factorization: {type: qaf, ratio: 0.5}, schedule: {type: progressive, order: forward, everyEpochs: 1}}")
                .replace("budget: {maxTrials: 4, maxEpochs: 2}", "  activationBits: {allowed: [4, 8]}\nbudget: {maxTrials: 4, maxEpochs: 3}");
        CompiledSearch c = compiler.compile(combined);
        assertEquals(List.of("rank.dense0", "rank.dense1"), c.settings().space().dimensions().stream().map(Dimension::name).toList());
        // the schedule has one step per model layer (3), not per factor layer (5): 2 epochs cannot reach the last
        SpecException short2 = assertThrows(SpecException.class, () -> compiler.compile(combined.replace("maxEpochs: 3", "maxEpochs: 2")));
        assertTrue(short2.getMessage().contains("everyEpochs"), short2.getMessage());
        SpecException sens = assertThrows(SpecException.class, () -> compiler.compile(combined.replace("order: forward", "order: sensitivity")));
        assertTrue(sens.getMessage().contains("schedule.order is 'sensitivity'"), sens.getMessage());
    }

    @Test
    void thePapersQafExampleCompiles() throws Exception {
        String text = Files.readString(Path.of("..", "examples", "papers-qaf.yaml"))
                .replace("../shared/datasets/fashion-mnist", data.toString().replace("\\", "/"));
        CompiledSearch c = compiler.compile(text);
        assertEquals(List.of("learningRate", "rank.dense0", "rank.dense1"), c.settings().space().dimensions().stream().map(Dimension::name).toList());
        String combined = Files.readString(Path.of("..", "examples", "papers-qaf-progressive-wa.yaml"))
                .replace("../shared/datasets/fashion-mnist", data.toString().replace("\\", "/"));
        assertEquals(List.of("learningRate", "rank.dense0", "rank.dense1"),
                compiler.compile(combined).settings().space().dimensions().stream().map(Dimension::name).toList());
    }
}
