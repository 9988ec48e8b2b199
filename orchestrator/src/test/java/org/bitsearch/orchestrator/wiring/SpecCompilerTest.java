package org.bitsearch.orchestrator.wiring;

import org.bitsearch.actors.spec.CompiledSearch;
import org.bitsearch.actors.spec.SpecCompiler;
import org.bitsearch.actors.spec.SpecException;
import org.bitsearch.search.pruner.PrunerConfig;
import org.bitsearch.search.sampler.SamplerConfig;
import org.bitsearch.search.space.Dimension;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertSame;
import org.bitsearch.trainers.dl4j.quant.TransformConfig;
import org.bitsearch.trainers.dl4j.Dl4jTrainer;

class SpecCompilerTest {
    private final SpecCompiler compiler = new SpecCompiler(StandardTrainers.factory());
    @TempDir static Path data;

    static final String VALID = """
            name: fmnist-mlp
            seed: 42
            trainer:
              kind: dl4j
              dataset: fashion-mnist
              dataDir: %s
              hidden: [64, 32]
              trainSubset: 2000
            space:
              params:
                learningRate: {type: logfloat, low: 1.0e-4, high: 1.0e-2}
                optimizer: {type: categorical, choices: [adam, sgd]}
              bits: {allowed: [1, 2, 4, 8], pinFirst: 8, pinLast: 8, maxSizeKiB: 60}
            sampler: {type: nsga2, populationSize: 8}
            pruner: {type: pareto-asha, minResource: 1, maxResource: 4, reductionFactor: 3}
            budget: {maxTrials: 24, maxConcurrent: 2, maxEpochs: 4, maxRetries: 1, maxWallSeconds: 600}
            """;

    static String valid() { return VALID.formatted(data.toString().replace("\\", "/")); }

    @Test
    void compilesAValidYamlSpecIntoSettings() throws Exception {
        CompiledSearch c = compiler.compile(valid());
        assertEquals("fmnist-mlp", c.name());
        assertEquals(42, c.seed());
        assertEquals(3, c.settings().space().bits().layers().size(), "784-64-32-10 has three dense layers");
        assertEquals(List.of("learningRate", "optimizer"), c.settings().space().dimensions().stream().map(Dimension::name).sorted().toList());
        assertEquals(new SamplerConfig.Nsga2(8, 0.2, 0.9), c.settings().sampler());
        assertEquals(new PrunerConfig.Asha(1, 4, 3, 0, true), c.settings().pruner());
        assertEquals(24, c.settings().maxTrials());
        assertEquals(4, c.completionEpoch());
        assertEquals(1, c.maxRetries());
        assertEquals(600, c.maxWall().orElseThrow().toSeconds());
        assertEquals(0.0, c.settings().refAccuracy());
        assertEquals(32.0 * (784 * 64 + 64 + 64 * 32 + 32 + 32 * 10 + 10), c.settings().refSizeBits());
        assertEquals((long) (60 * 8192), c.settings().space().bits().maxSizeBits().orElseThrow());
        assertTrue(c.specJson().startsWith("{\"name\":\"fmnist-mlp\""));
        // JSON text compiles the same
        assertEquals(c.settings(), compiler.compile(c.specJson()).settings());
    }

    @Test
    void paretoAshaKeepFrontIsReadAndRefusedForPlainAshaOrANonBoolean() throws Exception {
        String keep = valid().replace("reductionFactor: 3}", "reductionFactor: 3, keepFront: true}");
        assertEquals(new PrunerConfig.Asha(1, 4, 3, 0, true, true), compiler.compile(keep).settings().pruner());
        SpecException plain = assertThrows(SpecException.class, () -> compiler.compile(keep.replace("type: pareto-asha", "type: asha")));
        assertEquals(1, plain.problems().size(), plain.problems().toString());
        assertTrue(plain.problems().get(0).startsWith("pruner.keepFront is not a known field"), plain.problems().get(0));
        SpecException notBool = assertThrows(SpecException.class, () -> compiler.compile(keep.replace("keepFront: true", "keepFront: 3")));
        assertEquals(1, notBool.problems().size(), notBool.problems().toString());
        assertTrue(notBool.problems().get(0).startsWith("pruner.keepFront is 3, but must be true or false"), notBool.problems().get(0));
    }

    @Test
    void reportsEveryProblemWithItsPathAtOnce() {
        String bad = """
                name: ""
                seed: 1.5
                colour: blue
                trainer: {kind: dl4j, dataset: fashion-mnist, dataDir: /nonexistent, hiden: [3]}
                space:
                  params:
                    learningRate: {type: logfloat, low: 0, high: 1.0e-2}
                    optimizer: {type: categorical, choices: []}
                    depth: {type: int, low: 5, high: 2}
                    momentum: {type: gaussian}
                  bits: {allowed: [1, 3, 16], pinFirst: 9}
                sampler: {type: annealing}
                pruner: {type: asha, reductionFactor: 1, maxResource: 9}
                budget: {maxTrials: 0, maxConcurrent: -1, maxEpochs: 4, maxRetries: -2, maxWallSeconds: 0}
                """;
        SpecException e = assertThrows(SpecException.class, () -> compiler.compile(bad));
        List<String> p = e.problems();
        String all = String.join("\n", p);
        for (String expected : List.of(
                "name is '', but must be 1 to 100 characters",
                "seed is 1.5, but must be an integer",
                "colour is not a known field",
                "trainer.hiden is not a known field of the dl4j trainer",
                "space.params.learningRate.low is 0.0, but must be > 0 for a logfloat",
                "space.params.optimizer.choices is '[]', but must list at least one value",
                "space.params.depth.low is 5, but must be <= high (2)",
                "space.params.momentum.type is 'gaussian', but must be one of [categorical, int, float, logfloat]",
                "space.bits.allowed[2] is 16, but must be one of",
                "space.bits.pinFirst is 9, but must be one of",
                "sampler.type is 'annealing', but must be one of [random, grid, tpe, nsga2, sensitivity]",
                "pruner.reductionFactor is 1, but must be >= 2",
                "pruner.maxResource is 9, but must be <= budget.maxEpochs (4)",
                "budget.maxTrials is 0, but must be >= 1",
                "budget.maxConcurrent is -1, but must be >= 1",
                "budget.maxRetries is -2, but must be >= 0",
                "budget.maxWallSeconds is 0, but must be >= 1",
                "space.params.depth is not a hyperparameter of the dl4j trainer",
                "space.params.momentum is not a hyperparameter of the dl4j trainer"))
            assertTrue(all.contains(expected), "missing problem '" + expected + "' in:\n" + all);
        assertEquals(19, p.size(), all);
    }

    @Test
    void missingSectionsAndUnknownTrainerKindAreNamed() {
        SpecException e = assertThrows(SpecException.class, () -> compiler.compile("{\"trainer\": {\"kind\": \"pytorch\"}}"));
        assertEquals(List.of("budget is missing, but is required", "name is missing, but is required",
                "space is missing, but is required", "trainer.kind is 'pytorch', but must be one of [dl4j, process, simulated]"),
                e.problems().stream().sorted().toList());
    }

    @Test
    void sizeBudgetBelowTheSmallestModelIsRejectedAfterTheLayersAreKnown() {
        String spec = valid().replace("maxSizeKiB: 60", "maxSizeKiB: 1");
        SpecException e = assertThrows(SpecException.class, () -> compiler.compile(spec));
        assertEquals(1, e.problems().size(), e.problems().toString());
        assertTrue(e.problems().get(0).startsWith("space.bits.maxSizeKiB is 1.0, but must be >= "), e.problems().get(0));
    }

    @Test
    void aMissingDataDirectoryIsReportedBeforeAnythingRuns() {
        SpecException e = assertThrows(SpecException.class, () -> compiler.compile(valid().replace(data.toString(), data.resolve("nope").toString())));
        assertEquals(1, e.problems().size(), e.problems().toString());
        assertTrue(e.problems().get(0).startsWith("trainer: dataDir is '" + data.resolve("nope") + "', but it is not a directory"), e.problems().get(0));
    }

    @Test
    void malformedTextIsOneProblem() {
        SpecException e = assertThrows(SpecException.class, () -> compiler.compile("name: [unclosed"));
        assertEquals(1, e.problems().size());
        assertTrue(e.problems().get(0).startsWith("spec is not valid YAML"), e.problems().get(0));
        assertInstanceOf(SpecException.class, assertThrows(SpecException.class, () -> compiler.compile("- a\n- b")));
    }

    /** The space part of {@link #valid()} replaced by {@code params} (YAML lines, indented 4). */
    static String withParams(String params) {
        return valid().replace("""
                    learningRate: {type: logfloat, low: 1.0e-4, high: 1.0e-2}
                    optimizer: {type: categorical, choices: [adam, sgd]}
                """, params);
    }

    @Test
    void everyHyperparameterTheTrainerWouldRejectIsReportedAtOnce() {
        String spec = withParams("""
                    learningrate: {type: logfloat, low: 1.0e-4, high: 1.0e-2}
                    learningRate: {type: float, low: 0, high: 0.1}
                    optimizer: {type: categorical, choices: [adam, rmsprop, 3]}
                    weightDecay: {type: categorical, choices: [0, -0.1, 1.0e-4]}
                    batchSize: {type: float, low: 16, high: 64}
                """);
        SpecException e = assertThrows(SpecException.class, () -> compiler.compile(spec));
        assertEquals(List.of(
                "space.params.learningrate is not a hyperparameter of the dl4j trainer; known: learningRate, optimizer, weightDecay, batchSize",
                "space.params.learningRate.low is 0.0, but the dl4j trainer needs learningRate to be a number > 0",
                "space.params.optimizer.choices contains 'rmsprop', but the dl4j trainer accepts adam, sgd, nesterovs",
                "space.params.optimizer.choices contains 3, but the dl4j trainer accepts adam, sgd, nesterovs",
                "space.params.weightDecay.choices contains -0.1, but the dl4j trainer needs weightDecay to be a number >= 0",
                "space.params.batchSize.type is 'float', but the dl4j trainer needs batchSize to be an integer >= 1 (type int, or categorical of integers)"),
                e.problems());
    }

    @Test
    void integerAndChoiceRulesCheckEveryValueAndType() {
        String spec = withParams("""
                    batchSize: {type: categorical, choices: [64, 0, 12.5, big]}
                    optimizer: {type: int, low: 1, high: 3}
                    weightDecay: {type: int, low: -1, high: 3}
                """);
        SpecException e = assertThrows(SpecException.class, () -> compiler.compile(spec));
        String integer = "but the dl4j trainer needs batchSize to be an integer >= 1 (type int, or categorical of integers)";
        assertEquals(List.of(
                "space.params.batchSize.choices contains 0, " + integer,
                "space.params.batchSize.choices contains 12.5, " + integer,
                "space.params.batchSize.choices contains 'big', " + integer,
                "space.params.optimizer.type is 'int', but the dl4j trainer needs optimizer to be categorical with choices among adam, sgd, nesterovs",
                "space.params.weightDecay.low is -1, but the dl4j trainer needs weightDecay to be a number >= 0"),
                e.problems());
        assertEquals(List.of("space.params.batchSize.low is 0, but the dl4j trainer needs batchSize to be an integer >= 1 (type int, or categorical of integers)"),
                assertThrows(SpecException.class, () -> compiler.compile(withParams("""
                            batchSize: {type: int, low: 0, high: 8}
                        """))).problems());
    }

    @Test
    void everyDeclaredHyperparameterWithinItsRuleCompiles() throws Exception {
        CompiledSearch c = compiler.compile(withParams("""
                    learningRate: {type: categorical, choices: [0.001, 0.01]}
                    optimizer: {type: categorical, choices: [adam, sgd, nesterovs]}
                    weightDecay: {type: float, low: 0, high: 1.0e-3}
                    batchSize: {type: int, low: 16, high: 128}
                """));
        assertEquals(List.of("batchSize", "learningRate", "optimizer", "weightDecay"),
                c.settings().space().dimensions().stream().map(Dimension::name).sorted().toList());
    }

    @Test
    void theSimulatedTrainerHoldsSpecsToTheSameRule() {
        String spec = """
                name: sim
                trainer: {kind: simulated, hidden: [8]}
                space:
                  params:
                    lr: {type: logfloat, low: 1.0e-4, high: 1.0e-2}
                    optimizer: {type: categorical, choices: [rmsprop]}
                budget: {maxTrials: 2, maxEpochs: 1}
                """;
        SpecException e = assertThrows(SpecException.class, () -> compiler.compile(spec));
        assertEquals(List.of(
                "space.params.lr is not a hyperparameter of the simulated trainer; known: learningRate, optimizer, weightDecay, batchSize",
                "space.params.optimizer.choices contains 'rmsprop', but the simulated trainer accepts adam, sgd, nesterovs"),
                e.problems());
    }

    @Test
    void bothExamplesCompile() throws Exception {
        Path repo = Path.of(System.getProperty("bitsearch.repoRoot"));
        CompiledSearch sim = compiler.compile(Files.readString(repo.resolve("examples/simulated.yaml")));
        assertEquals("simulated", sim.trainerKind());
        var fmnist = SpecCompiler.parse(Files.readString(repo.resolve("examples/fashion-mnist.yaml")));
        // its dataDir is relative to the repository: point it at an existing directory
        ((com.fasterxml.jackson.databind.node.ObjectNode) fmnist.get("trainer")).put("dataDir", data.toString());
        CompiledSearch dl4j = compiler.compile(fmnist);
        assertEquals("dl4j", dl4j.trainerKind());
    }

    static final String SIM = """
            name: papers
            trainer: {kind: simulated, noise: 0.0%s}
            space:
              params:
                learningRate: {type: logfloat, low: 1.0e-4, high: 1.0e-2}
              bits: {allowed: [1, 2, 4, 8]%s}
            sampler: %s
            pruner: {type: pareto-asha, minResource: 1, maxResource: 4, reductionFactor: 3}
            budget: {maxTrials: 12, maxEpochs: 4}
            """;

    @Test
    void sensitivitySamplerAsksTheTrainersTableAndProposesTheKnapsackLadder() throws Exception {
        CompiledSearch c = compiler.compile(SIM.formatted("", "", "{type: sensitivity, budgets: 4}"));
        SamplerConfig.Sensitivity s = assertInstanceOf(SamplerConfig.Sensitivity.class, c.settings().sampler());
        assertEquals(4, s.budgets());
        var table = s.table().get();
        assertEquals("simulated", table.mode());
        assertSame(table, s.table().get(), "asked once, remembered");
        var ladder = org.bitsearch.search.sampler.SensitivityKnapsack.ladder(
                org.bitsearch.search.sampler.SensitivityKnapsack.front(c.settings().space().bits(), table), 4);
        var engine = new org.bitsearch.search.engine.SearchEngine(c.settings());
        assertEquals(ladder.get(0).bits(), engine.ask().orElseThrow().candidate().bits());
        assertEquals(org.bitsearch.search.space.BitAllocation.of(1, 1, 1), ladder.get(0).bits());
    }

    @Test
    void activationBitsAreASecondAllocationWithTheSameRulesButNoSizeBudget() throws Exception {
        String spec = valid().replace("pinLast: 8, maxSizeKiB: 60}", "pinLast: 8, maxSizeKiB: 60}\n  activationBits: {allowed: [2, 4, 8], nonIncreasing: true, pinFirst: 8}");
        CompiledSearch c = compiler.compile(spec);
        var acts = c.settings().space().activationBits().orElseThrow();
        assertEquals(List.of(2, 4, 8), acts.allowedBits());
        assertTrue(acts.nonIncreasing());
        assertEquals(8, acts.pinFirst().getAsInt());
        assertEquals(32, acts.pinLast().getAsInt(), "the output layer's activations stay FP32");
        assertTrue(acts.maxSizeBits().isEmpty());
        assertEquals(c.settings(), compiler.compile(c.specJson()).settings(), "the stored spec compiles to the same settings");
        var proposal = new org.bitsearch.search.engine.SearchEngine(c.settings()).ask().orElseThrow().candidate();
        assertEquals(32, proposal.activationBits().orElseThrow().get(2));
        assertTrue(compiler.compile(valid()).settings().space().activationBits().isEmpty(), "absent: FP32 activations");
        var example = SpecCompiler.parse(Files.readString(Path.of(System.getProperty("bitsearch.repoRoot")).resolve("examples/fashion-mnist-wa.yaml")));
        ((com.fasterxml.jackson.databind.node.ObjectNode) example.get("trainer")).put("dataDir", data.toString());
        assertEquals(List.of(1, 2, 4, 8), compiler.compile(example).settings().space().activationBits().orElseThrow().allowedBits());
    }

    @Test
    void badActivationBitsNameTheFieldAndTheRule() {
        String spec = valid().replace("pinLast: 8, maxSizeKiB: 60}", "pinLast: 8, maxSizeKiB: 60}\n  activationBits: {allowed: [3, 9], pinLast: 8, maxSizeKiB: 10}");
        SpecException e = assertThrows(SpecException.class, () -> compiler.compile(spec));
        assertTrue(e.getMessage().contains("space.activationBits.allowed[1]") && e.getMessage().contains("must be one of"), e.getMessage());
        assertTrue(e.getMessage().contains("space.activationBits.maxSizeKiB") && e.getMessage().contains("the model size counts weights only"), e.getMessage());
        assertTrue(e.getMessage().contains("space.activationBits.pinLast") && e.getMessage().contains("must be 32"), e.getMessage());
        String resnet = valid().replace("hidden: [64, 32]", "model: resnet20").replace("pinFirst: 8, pinLast: 8, maxSizeKiB: 60}", "pinFirst: 8}\n  activationBits: {allowed: [4, 8]}");
        assertDoesNotThrow(() -> compiler.compile(resnet), "resnet20 quantizes activations");
    }

    @Test
    void activationBitsAreSearchedOnAUserComputationGraph() throws Exception {
        ComputationGraphConfiguration graph = new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).graphBuilder().addInputs("in")
                .addLayer("a", new DenseLayer.Builder().nIn(784).nOut(16).activation(Activation.RELU).build(), "in")
                .addLayer("b", new DenseLayer.Builder().nIn(16).nOut(16).activation(Activation.TANH).build(), "a")
                .addVertex("sum", new ElementWiseVertex(ElementWiseVertex.Op.Add), "a", "b")
                .addLayer("out", new OutputLayer.Builder().nIn(16).nOut(10).activation(Activation.SOFTMAX).build(), "sum").setOutputs("out").build();
        Path file = data.resolve("user-graph.json");
        Files.writeString(file, graph.toJson());
        String spec = valid().replace("hidden: [64, 32]", "modelFile: " + file.toString().replace("\\", "/"))
                .replace("pinFirst: 8, pinLast: 8, maxSizeKiB: 60}", "pinFirst: 8}\n  activationBits: {allowed: [2, 4, 8]}");
        CompiledSearch c = compiler.compile(spec);
        var acts = c.settings().space().activationBits().orElseThrow();
        assertEquals(List.of("a", "b", "out"), acts.layers().stream().map(l -> l.name()).toList(), "one activation entry per slot of the graph");
        assertEquals(32, acts.pinLast().getAsInt());
        var proposal = new org.bitsearch.search.engine.SearchEngine(c.settings()).ask().orElseThrow().candidate();
        assertEquals(3, proposal.activationBits().orElseThrow().layers());
    }

    @Test
    void depthPriorIsReadAndRangeChecked() throws Exception {
        CompiledSearch c = compiler.compile(SIM.formatted("", ", depthPrior: 0.6", "{type: random}"));
        assertEquals(0.6, c.settings().space().bits().depthPrior());
        SpecException e = assertThrows(SpecException.class, () -> compiler.compile(SIM.formatted("", ", depthPrior: 1.5", "{type: random}")));
        assertTrue(e.getMessage().contains("space.bits.depthPrior"), e.getMessage());
    }

    @Test
    void progressiveScheduleIsJudgedFromItsFullyQuantizedEpochAndABudgetTooShortIsRefused() throws Exception {
        CompiledSearch ok = compiler.compile(SIM.formatted(", progressiveEveryEpochs: 1", "", "{type: random}"));
        assertEquals(3, ok.settings().judgeFromEpoch(), "3 layers, one more per epoch: all quantized from epoch 3");
        SpecException e = assertThrows(SpecException.class, () -> compiler.compile(SIM.formatted(", progressiveEveryEpochs: 2", "", "{type: random}")));
        assertTrue(e.getMessage().contains("by epoch 5") && e.getMessage().contains("at most 4 epochs"), e.getMessage());
    }

    @Test
    void dl4jProgressiveScheduleLongerThanTheBudgetIsRefused() {
        String spec = valid().replace("trainSubset: 2000", "trainSubset: 2000\n  schedule: {type: progressive, everyEpochs: 2}");
        SpecException e = assertThrows(SpecException.class, () -> compiler.compile(spec));
        assertTrue(e.getMessage().contains("trainer.schedule.everyEpochs"), e.getMessage());
    }

    @Test
    void aProgressiveScheduleThatQuantizesEveryLayerByTheLastEpochIsAcceptedAndJudgedFromThatEpoch() throws Exception {
        // 3 layers x everyEpochs 1: every layer is quantized from epoch 3; Pareto-ASHA's maxResource is 4
        String spec = valid().replace("trainSubset: 2000", "trainSubset: 2000\n  schedule: {type: progressive, everyEpochs: 1}");
        CompiledSearch c = compiler.compile(spec);
        assertEquals(3, c.settings().judgeFromEpoch());
        assertTrue(c.settings().pruner() instanceof PrunerConfig.Asha a && a.paretoAware(), "the valid spec's pruner is Pareto-ASHA");
        SpecException e = assertThrows(SpecException.class, () -> compiler.compile(spec.replace("maxResource: 4", "maxResource: 2")));
        assertTrue(e.getMessage().contains("trainer.schedule.everyEpochs") && e.getMessage().contains("pruner.maxResource"), e.getMessage());
    }

    @Test
    void theBitatTransformIsSelectableAndItsOptionsAreValidated() throws Exception {
        CompiledSearch plain = compiler.compile(valid());
        assertEquals("none", ((Dl4jTrainer) plain.trainer()).config().transform().type(), "default: none");
        CompiledSearch short_ = compiler.compile(valid().replace("trainSubset: 2000", "trainSubset: 2000\n  transform: bitat"));
        assertEquals(new TransformConfig("bitat", 512),
                ((Dl4jTrainer) short_.trainer()).config().transform());
        CompiledSearch full = compiler.compile(valid().replace("trainSubset: 2000", "trainSubset: 2000\n  transform: {type: bitat, samples: 256}"));
        assertEquals(256, ((Dl4jTrainer) full.trainer()).config().transform().samples());
        SpecException type = assertThrows(SpecException.class,
                () -> compiler.compile(valid().replace("trainSubset: 2000", "trainSubset: 2000\n  transform: {type: rotate}")));
        assertTrue(type.getMessage().contains("transform.type") && type.getMessage().contains("[none, bitat]"), type.getMessage());
        SpecException samples = assertThrows(SpecException.class,
                () -> compiler.compile(valid().replace("trainSubset: 2000", "trainSubset: 2000\n  transform: {type: bitat, samples: 3}")));
        assertTrue(samples.getMessage().contains("transform.samples") && samples.getMessage().contains("16..60000"), samples.getMessage());
    }

    @Test
    void thePapersExamplesCompile() throws Exception {
        Path examples = Path.of("..", "examples");
        for (String f : List.of("papers-sensitivity-sampler.yaml", "papers-depth-prior.yaml", "papers-progressive.yaml", "papers-cpq.yaml", "papers-bitat.yaml", "papers-bitat-w1a1.yaml")) {
            String text = java.nio.file.Files.readString(examples.resolve(f))
                    .replace("../shared/datasets/fashion-mnist", data.toString().replace("\\", "/"));
            CompiledSearch c = compiler.compile(text);
            assertTrue(c.settings().maxTrials() > 0, f);
            if (f.contains("progressive")) assertEquals(3, c.settings().judgeFromEpoch(), f);
            if (f.contains("sampler")) assertInstanceOf(SamplerConfig.Sensitivity.class, c.settings().sampler(), f);
            if (f.contains("prior")) assertEquals(0.8, c.settings().space().bits().depthPrior(), f);
        }
    }

    // ---- hard edges (issue 12) --------------------------------------------------------------------------------

    private List<String> problemsOf(String spec) {
        return assertThrows(SpecException.class, () -> compiler.compile(spec)).problems();
    }

    @Test
    void aModelTooLargeToCountIsAProblemNamingHidden() {
        List<String> p = problemsOf("""
                name: huge
                trainer: {kind: dl4j, dataset: fashion-mnist, dataDir: %s, hidden: [2147483647, 2147483647]}
                space: {bits: {allowed: [1, 2]}}
                budget: {maxTrials: 1, maxEpochs: 1}
                """.formatted(data));
        assertEquals(1, p.size(), String.join("\n", p));
        assertTrue(p.get(0).startsWith("trainer: hidden is [2147483647, 2147483647], but the mlp would have "), p.get(0));
        assertTrue(p.get(0).endsWith("parameters, more than the 2147483647 DL4J supports"), p.get(0));
        // the simulated trainer has no such limit, but a size in bits beyond 64 bits is still a plain problem
        p = problemsOf("""
                name: huge
                trainer: {kind: simulated, hidden: [2147483647, 2147483647, 2147483647]}
                budget: {maxTrials: 1, maxEpochs: 1}
                space: {}
                """);
        assertTrue(p.get(0).startsWith("trainer: the model's size in bits does not fit in 64 bits"), String.join("\n", p));
    }

    @Test
    void everyTrainerProblemIsReportedNotOnlyTheFirst() {
        List<String> p = problemsOf("""
                name: many
                trainer: {kind: dl4j, dataset: fashion-mnist, dataDir: %s, model: resnet, batchSize: 0, threads: -1, validationSize: 0}
                space: {bits: {allowed: [1, 2]}}
                budget: {maxTrials: 1, maxEpochs: 1}
                """.formatted(data));
        assertEquals(List.of("trainer: model is 'resnet', but must be one of [cnn, mlp, resnet20, vgg-small]",
                "trainer: validationSize is 0, but must be >= 1", "trainer: batchSize is 0, but must be >= 1",
                "trainer: threads is -1, but must be >= 0 (0 = one native thread per run)"), p);
    }

    @Test
    void duplicateKeysAreErrorsInYamlAndJson() {
        List<String> p = problemsOf("""
                name: dup
                trainer: {kind: simulated, hidden: [8]}
                budget: {maxTrials: 1, maxEpochs: 1}
                budget: {maxTrials: 9, maxEpochs: 9}
                space: {}
                """);
        assertEquals(1, p.size(), String.join("\n", p));
        assertTrue(p.get(0).startsWith("spec is not valid YAML: Duplicate field 'budget'") && p.get(0).contains("line 4"), p.get(0));
        p = problemsOf("{\"name\": \"a\", \"name\": \"b\"}");
        assertTrue(p.get(0).startsWith("spec is not valid JSON: Duplicate field 'name'"), p.get(0));
    }

    @Test
    void repeatedAllowedBitWidthsAreAnError() {
        List<String> p = problemsOf("""
                name: dup-bits
                trainer: {kind: simulated, hidden: [8]}
                space: {bits: {allowed: [4, 2, 4]}}
                budget: {maxTrials: 1, maxEpochs: 1}
                """);
        assertEquals(List.of("space.bits.allowed is [4, 2, 4], but must not repeat a bit-width"), p);
    }

    @Test
    void prunerResourcesAreComparedWithTheMaxEpochsGiven() {
        // an invalid maxEpochs is reported once, and the pruner is not compared with a stand-in value
        List<String> p = problemsOf("""
                name: res
                trainer: {kind: simulated, hidden: [8]}
                space: {}
                pruner: {type: asha, maxResource: 9}
                budget: {maxTrials: 1, maxEpochs: 20000}
                """);
        assertEquals(List.of("budget.maxEpochs is 20000, but must be <= 10000"), p);
        // maxResource left at its default (maxEpochs): the problem is minResource, with the real maxEpochs
        p = problemsOf("""
                name: res
                trainer: {kind: simulated, hidden: [8]}
                space: {}
                pruner: {type: asha, minResource: 5}
                budget: {maxTrials: 1, maxEpochs: 3}
                """);
        assertEquals(List.of("pruner.minResource is 5, but must be <= budget.maxEpochs (3)"), p);
        p = problemsOf("""
                name: res
                trainer: {kind: simulated, hidden: [8]}
                space: {}
                pruner: {type: asha, maxResource: 7}
                budget: {maxTrials: 1, maxEpochs: 3}
                """);
        assertEquals(List.of("pruner.maxResource is 7, but must be <= budget.maxEpochs (3)"), p);
    }
}
