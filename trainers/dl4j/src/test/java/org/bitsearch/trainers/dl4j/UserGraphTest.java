package org.bitsearch.trainers.dl4j;

import org.bitsearch.search.space.BitAllocation;
import org.bitsearch.search.trainer.TrialContext;
import org.bitsearch.search.trial.Candidate;
import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.trainers.dl4j.model.Net;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code trainer.modelFile} holding a user's ComputationGraph: a small residual graph the test builds, trains a little
 * and saves; slots named by its vertices, batch norm listed as FP32, trials start from its parameters, train on the
 * fit path, checkpoint, resume and export the plain DL4J graph and the packed form (its reference inference giving
 * the quantized graph's test accuracy).
 */
class UserGraphTest {
    @TempDir Path tmp;

    /** stem (conv 3x3, 6) → c1 (conv 3x3, 6) → bn1 → add(stem, bn1) → relu → pool → fc (dense 32) → head (10). */
    private static ComputationGraphConfiguration residual() {
        return new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.FLOAT).updater(new Adam(1e-3))
                .convolutionMode(ConvolutionMode.Same).graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutionalFlat(28, 28, 1))
                .addLayer("stem", new ConvolutionLayer.Builder(3, 3).nOut(6).activation(Activation.RELU).build(), "in")
                .addLayer("c1", new ConvolutionLayer.Builder(3, 3).nOut(6).activation(Activation.IDENTITY).build(), "stem")
                .addLayer("bn1", new BatchNormalization.Builder().build(), "c1")
                .addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "stem", "bn1")
                .addLayer("relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), "add")
                .addLayer("pool", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build(), "relu")
                .addLayer("fc", new DenseLayer.Builder().nOut(32).activation(Activation.RELU).build(), "pool")
                .addLayer("head", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10).activation(Activation.SOFTMAX).build(), "fc")
                .setOutputs("head").build();
    }

    /** Generated 1x28x28 IDX data (500 training images, 150 of them for validation, 200 test images), small and quick. */
    private Dl4jTrainerConfig config(Path modelFile) throws java.io.IOException {
        Path dir = tmp.resolve("idx");
        if (!Files.isDirectory(dir)) org.bitsearch.trainers.dl4j.data.DataFiles.idx(dir, 500, 200, 28, 17);
        Dl4jTrainerConfig c = Dl4jTrainerConfig.defaults(org.bitsearch.trainers.dl4j.data.DataConfig.dir("idx", dir), null).withValidationSize(150);
        return modelFile == null ? c : c.withModelFile(modelFile.toString());
    }

    private static TrialContext ctx(List<Integer> bits, long seed, Optional<Path> checkpoint) {
        return new TrialContext(0, new Candidate(Map.of("batchSize", 64L, "learningRate", 1e-3), new BitAllocation(bits)), seed, 3, checkpoint, "cpu:0");
    }

    @Test
    void trainedGraphZipGivesVertexSlotsAndTrialsFineTuneIt() throws Exception {
        Dl4jTrainer base = new Dl4jTrainer(config(null));
        var d = base.data();
        ComputationGraph user = new ComputationGraph(residual());
        user.init();
        org.bitsearch.trainers.dl4j.model.NativeConvolution.install(Net.of(user)); // speed only: nothing in the configuration
        for (int i = 0; i < 5; i++) {
            int[] rows = new int[64];
            for (int j = 0; j < 64; j++) rows[j] = d.trainIndices()[i * 64 + j];
            user.fit(new INDArray[]{Nd4j.pullRows(d.dataset().trainImages(), 1, rows)}, new INDArray[]{Nd4j.pullRows(d.trainOneHot(), 1, rows)});
        }
        Path file = tmp.resolve("my-graph.zip");
        ModelSerializer.writeModel(user, file.toFile(), false);

        Dl4jTrainer t = new Dl4jTrainer(config(file));
        assertEquals(List.of("stem", "c1", "fc", "head"), t.layers().stream().map(l -> l.name()).toList());
        assertEquals(9 * 6 * 6, t.layers().get(1).weights());
        // c1's 6 biases, plus bn1's folded scale and shift (2 per channel, FP32): the size counts what the packed form stores
        assertEquals(6 + 2 * 6, t.layers().get(1).biases());
        assertTrue(t.userModel().graph() && t.userModel().trained());
        assertEquals(1, t.unquantizedLayers().size());
        assertTrue(t.unquantizedLayers().get(0).startsWith("bn1 (BatchNormalization)"), t.unquantizedLayers().toString());

        double fileAccuracy = accuracy(user, d.validation());
        try (Dl4jTrainingRun run = t.openRun(ctx(List.of(32, 32, 32, 32), 5, Optional.empty()), true)) {
            assertTrue(run.net() instanceof Net.Graph);
            assertEquals(fileAccuracy, run.evaluateValidation().accuracy(), 0.0, "a 32-bit trial starts from the file's parameters");
        }
        Path ckpt = tmp.resolve("ckpt.zip");
        EpochMetrics first;
        List<Integer> bits = List.of(8, 2, 4, 8);
        try (Dl4jTrainingRun run = t.openRun(ctx(bits, 5, Optional.empty()), true)) {
            assertEquals(4, run.noises().size());
            first = run.trainEpoch();
            System.out.println("user graph epoch 1: " + first + " (file " + fileAccuracy + ")");
            assertFalse(first.diverged(), first.toString());
            run.saveCheckpoint(ckpt);
            Path out = tmp.resolve("export.zip");
            run.exportModel(out);
            ComputationGraph plain = ModelSerializer.restoreComputationGraph(out.toFile(), false);
            org.bitsearch.trainers.dl4j.model.NativeConvolution.install(Net.of(plain));
            assertFalse(plain.getConfiguration().toJson().contains("bitsearch"));
            assertEquals(run.testAccuracy(), accuracy(plain, d.test()), 0.0, "plain DL4J graph = the quantized model");
            assertEquals(null, run.lastExportNote(), "both forms written");
            var packed = org.bitsearch.trainers.packed.PackedModel.fromBytes(org.bitsearch.trainers.dl4j.export.ModelExport.packedEntry(out).orElseThrow());
            assertEquals(List.of("stem", "c1", "bn1", "add", "relu", "pool", "fc", "head"), packed.layers().stream().map(l -> l.name()).toList());
            // its byte size is the reported model size (batch norm included) plus a bounded header
            long bytes = packed.toBytes().length, sizeBytes = (t.size(new BitAllocation(bits)).bits() + 7) / 8;
            long header = 16;
            for (var l : packed.layers()) header += 60 + l.name().length() + 8L * l.scales().length + 1;
            assertTrue(bytes >= sizeBytes && bytes <= sizeBytes * 1.02 + header, bytes + " bytes for a " + sizeBytes + "-byte model, header bound " + header);
            assertEquals(run.testAccuracy(), new org.bitsearch.trainers.packed.ReferenceInference(packed)
                    .accuracy(ModelExportTest.rows(d.test()), d.test().labels()), 0.0, "reference inference of the packed graph");
            INDArray w = plain.getLayer("c1").getParam("W");
            assertTrue(w.dup().data().asFloat().length == 9 * 36 && distinct(w) <= 3, "c1 exported at 2 bits (ternary): " + distinct(w) + " values");
        }
        try (Dl4jTrainingRun run = t.openRun(ctx(bits, 5, Optional.of(ckpt)), true)) {
            assertEquals(2, run.nextEpoch());
            assertEquals(first.valAccuracy(), run.evaluateValidation().accuracy(), 0.0, "the checkpoint restores the graph");
        }
    }

    @Test
    void graphConfigurationJsonIsInitialisedFromTheTrialSeedAndBadGraphsAreRefused() throws Exception {
        Path file = tmp.resolve("my-graph.json");
        Files.writeString(file, residual().toJson());
        Dl4jTrainer t = new Dl4jTrainer(config(file));
        assertFalse(t.userModel().trained());
        assertFalse(t.quantizesActivations());
        assertTrue(t.activationQuantizationUnsupported().contains("ComputationGraph"), t.activationQuantizationUnsupported());
        INDArray a, b, c;
        try (Dl4jTrainingRun r = t.openRun(ctx(List.of(4, 4, 4, 4), 7, Optional.empty()), true)) { a = ((Net.Graph) r.net()).graph().params().dup(); }
        try (Dl4jTrainingRun r = t.openRun(ctx(List.of(4, 4, 4, 4), 7, Optional.empty()), true)) { b = ((Net.Graph) r.net()).graph().params().dup(); }
        try (Dl4jTrainingRun r = t.openRun(ctx(List.of(4, 4, 4, 4), 8, Optional.empty()), true)) { c = ((Net.Graph) r.net()).graph().params().dup(); }
        assertEquals(a, b);
        assertNotEquals(a, c);

        ComputationGraphConfiguration wrongClasses = new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).graphBuilder().addInputs("in")
                .addLayer("d", new DenseLayer.Builder().nIn(784).nOut(8).build(), "in")
                .addLayer("out", new OutputLayer.Builder().nIn(8).nOut(3).activation(Activation.SOFTMAX).build(), "d").setOutputs("out").build();
        Files.writeString(file, wrongClasses.toJson());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Dl4jTrainer(config(file)));
        assertTrue(e.getMessage().contains("my-graph.json") && e.getMessage().contains("output vertex out") && e.getMessage().contains("outputs 3"), e.getMessage());
        ComputationGraphConfiguration twoOutputs = new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).graphBuilder().addInputs("in")
                .addLayer("d", new DenseLayer.Builder().nIn(784).nOut(8).build(), "in")
                .addLayer("o1", new OutputLayer.Builder().nIn(8).nOut(10).activation(Activation.SOFTMAX).build(), "d")
                .addLayer("o2", new OutputLayer.Builder().nIn(8).nOut(10).activation(Activation.SOFTMAX).build(), "d").setOutputs("o1", "o2").build();
        // a vertex the packed export does not cover: refused naming it (the run then writes the DL4J zip only)
        ComputationGraphConfiguration merge = new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).graphBuilder().addInputs("in")
                .addLayer("a", new DenseLayer.Builder().nIn(784).nOut(4).build(), "in")
                .addLayer("b", new DenseLayer.Builder().nIn(784).nOut(4).build(), "in")
                .addVertex("cat", new org.deeplearning4j.nn.conf.graph.MergeVertex(), "a", "b")
                .addLayer("out", new OutputLayer.Builder().nIn(8).nOut(10).activation(Activation.SOFTMAX).build(), "cat").setOutputs("out").build();
        ComputationGraph mg = new ComputationGraph(merge);
        mg.init();
        e = assertThrows(IllegalArgumentException.class, () -> org.bitsearch.trainers.dl4j.export.ModelExport.packed(mg,
                new org.bitsearch.trainers.dl4j.data.InputShape(1, 28, 28, 10)));
        assertTrue(e.getMessage().contains("vertex cat: MergeVertex is not supported"), e.getMessage());
        Files.writeString(file, twoOutputs.toJson());
        e = assertThrows(IllegalArgumentException.class, () -> new Dl4jTrainer(config(file)));
        assertTrue(e.getMessage().contains("1 inputs and 2 outputs"), e.getMessage());
    }

    private static int distinct(INDArray w) {
        java.util.Set<Float> s = new java.util.HashSet<>();
        for (float v : w.dup().data().asFloat()) s.add(v);
        return s.size();
    }

    static double accuracy(ComputationGraph g, org.bitsearch.trainers.dl4j.data.DataSplit.Evaluable split) {
        long correct = 0;
        int k = 0;
        for (INDArray x : split.batches())
            for (float[] row : g.outputSingle(false, x).toFloatMatrix()) {
                int best = 0;
                for (int c = 1; c < row.length; c++) if (row[c] > row[best]) best = c;
                if (best == split.labels()[k++]) correct++;
            }
        return (double) correct / k;
    }
}
