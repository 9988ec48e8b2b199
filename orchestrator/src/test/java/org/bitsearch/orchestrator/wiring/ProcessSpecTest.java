package org.bitsearch.orchestrator.wiring;

import org.bitsearch.actors.spec.CompiledSearch;
import org.bitsearch.actors.spec.SpecCompiler;
import org.bitsearch.actors.spec.SpecException;
import org.bitsearch.search.space.Dimension;
import org.bitsearch.trainers.process.ProcessTrainer;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Specs of {@code kind: process}: the layers come from the spec, and any hyperparameter name is accepted. */
class ProcessSpecTest {
    private final SpecCompiler compiler = new SpecCompiler(StandardTrainers.factory());

    static final String SPEC = """
            name: torch
            trainer:
              kind: process
              command: [python3, train.py, --epochs-are-ours]
              layers:
                - {name: conv0, weights: 200, biases: 8}
                - {name: dense1, weights: 1000, biases: 10}
              %s
            space:
              params:
                learningRate: {type: logfloat, low: 1.0e-4, high: 1.0e-2}
                dropout: {type: float, low: 0.0, high: 0.5}
                activation: {type: categorical, choices: [relu, gelu]}
              bits: {allowed: [2, 4, 8]}
            budget: {maxTrials: 4, maxEpochs: 3}
            """;

    @Test
    void anyHyperparameterAndTheDeclaredLayers() throws Exception {
        CompiledSearch c = compiler.compile(SPEC.formatted(""));
        assertInstanceOf(ProcessTrainer.class, c.trainer());
        assertEquals("process", c.trainerKind());
        assertEquals(List.of("activation", "dropout", "learningRate"),
                c.settings().space().dimensions().stream().map(Dimension::name).sorted().toList());
        assertEquals(2, c.settings().space().bits().layers().size());
        assertEquals(32.0 * (200 + 8 + 1000 + 10), c.settings().refSizeBits());
    }

    @Test
    void badTrainerFieldsAreNamed() {
        SpecException e = assertThrows(SpecException.class, () -> compiler.compile(SPEC.formatted("epochTimeoutSeconds: 0")));
        assertTrue(e.problems().stream().anyMatch(p -> p.contains("epochTimeoutSeconds is 0, but must be >= 1")), e.problems().toString());
        e = assertThrows(SpecException.class, () -> compiler.compile(SPEC.formatted("commands: [x]")));
        assertTrue(e.problems().stream().anyMatch(p -> p.startsWith("trainer.commands is not a known field of the process trainer")), e.problems().toString());
        e = assertThrows(SpecException.class, () -> compiler.compile(SPEC.replace("weights: 200", "weights: 0").formatted("")));
        assertTrue(e.problems().stream().anyMatch(p -> p.contains("layers[0].weights is 0, but must be > 0")), e.problems().toString());
    }

    @Test
    void theShippedPyTorchExampleCompiles() throws Exception {
        Path repo = Path.of(System.getProperty("bitsearch.repoRoot"));
        CompiledSearch c = compiler.compile(Files.readString(repo.resolve("examples/pytorch/fashion-mnist.yaml")));
        assertEquals(3, c.settings().space().bits().layers().size());
        assertEquals(32.0 * (784 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10), c.settings().refSizeBits(),
                "the example's layers are train.py's 784-128-64-10 MLP");
    }
}
