package org.bitsearch.trainers.dl4j;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.bitsearch.trainers.dl4j.export.ModelExport;
import org.bitsearch.trainers.dl4j.model.NativeConvolution;
import org.bitsearch.trainers.dl4j.quant.ActivationQuantization;
import org.bitsearch.trainers.packed.PackedLayer;
import org.bitsearch.trainers.packed.PackedModel;
import org.bitsearch.trainers.packed.ReferenceInference;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
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

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.zip.ZipFile;

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
        NativeConvolution.install(Net.of(user)); // speed only: nothing in the configuration
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
            NativeConvolution.install(Net.of(plain));
            assertFalse(plain.getConfiguration().toJson().contains("bitsearch"));
            assertEquals(run.testAccuracy(), accuracy(plain, d.test()), 0.0, "plain DL4J graph = the quantized model");
            assertEquals(null, run.lastExportNote(), "both forms written");
            var packed = PackedModel.fromBytes(ModelExport.packedEntry(out).orElseThrow());
            assertEquals(List.of("stem", "c1", "bn1", "add", "relu", "pool", "fc", "head"), packed.layers().stream().map(l -> l.name()).toList());
            // its byte size is the reported model size (batch norm included) plus a bounded header
            long bytes = packed.toBytes().length, sizeBytes = (t.size(new BitAllocation(bits)).bits() + 7) / 8;
            long header = 16;
            for (var l : packed.layers()) header += 60 + l.name().length() + 8L * l.scales().length + 1;
            assertTrue(bytes >= sizeBytes && bytes <= sizeBytes * 1.02 + header, bytes + " bytes for a " + sizeBytes + "-byte model, header bound " + header);
            assertEquals(run.testAccuracy(), new ReferenceInference(packed)
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
        assertTrue(t.quantizesActivations());
        assertEquals("", t.activationQuantizationUnsupported());
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
        e = assertThrows(IllegalArgumentException.class, () -> ModelExport.packed(mg,
                new org.bitsearch.trainers.dl4j.data.InputShape(1, 28, 28, 10)));
        assertTrue(e.getMessage().contains("vertex cat: MergeVertex is not supported"), e.getMessage());
        Files.writeString(file, twoOutputs.toJson());
        e = assertThrows(IllegalArgumentException.class, () -> new Dl4jTrainer(config(file)));
        assertTrue(e.getMessage().contains("1 inputs and 2 outputs"), e.getMessage());
    }

    /**
     * A residual block with a projection shortcut: stem (conv 3x3, 8, ReLU) → c1 (conv 3x3 stride 2, 12) → bn1 → r1
     * (ReLU) → c2 (conv 3x3, 12) → bn2 → add ← pbn ← proj (conv 1x1 stride 2, 12, from the stem) → relu → pool → fc
     * (dense 16, tanh) → head (10).
     */
    private static ComputationGraphConfiguration projectionBlock() {
        return new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.FLOAT).updater(new Adam(2e-3))
                .convolutionMode(ConvolutionMode.Same).graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutionalFlat(28, 28, 1))
                .addLayer("stem", new ConvolutionLayer.Builder(3, 3).nOut(8).activation(Activation.RELU).build(), "in")
                .addLayer("c1", new ConvolutionLayer.Builder(3, 3).stride(2, 2).nOut(12).activation(Activation.IDENTITY).build(), "stem")
                .addLayer("bn1", new BatchNormalization.Builder().build(), "c1")
                .addLayer("r1", new ActivationLayer.Builder().activation(Activation.RELU).build(), "bn1")
                .addLayer("c2", new ConvolutionLayer.Builder(3, 3).nOut(12).activation(Activation.IDENTITY).build(), "r1")
                .addLayer("bn2", new BatchNormalization.Builder().build(), "c2")
                .addLayer("proj", new ConvolutionLayer.Builder(1, 1).stride(2, 2).nOut(12).activation(Activation.IDENTITY).build(), "stem")
                .addLayer("pbn", new BatchNormalization.Builder().build(), "proj")
                .addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "bn2", "pbn")
                .addLayer("relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), "add")
                .addLayer("pool", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build(), "relu")
                .addLayer("fc", new DenseLayer.Builder().nOut(16).activation(Activation.TANH).build(), "pool")
                .addLayer("head", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10).activation(Activation.SOFTMAX).build(), "fc")
                .setOutputs("head").build();
    }

    /**
     * Activation bits on a user's trained graph zip: one quantizer per slot at its site (the ReLU reached through batch
     * norm and the add; the second of two slots reaching the block's ReLU quantizes its own output, signed), trained on
     * the fit path; the checkpoint keeps α; the plain DL4J zip loads in stock DL4J and computes the weight-quantized
     * graph with FP32 activations, the bits entry records W/A bits, and the packed form's reference inference gives the
     * W/A-quantized graph's test accuracy exactly.
     */
    @Test
    void activationBitsOnAUserGraphTrainCheckpointAndExport() throws Exception {
        Dl4jTrainer base = new Dl4jTrainer(config(null));
        var d = base.data();
        ComputationGraph user = new ComputationGraph(projectionBlock());
        user.init();
        NativeConvolution.install(Net.of(user)); // speed only: nothing in the configuration
        // 15 steps (3 passes over 320 images): batch norm's running statistics near the batch ones, so low-bit sites see
        // at inference the range they were calibrated on in training
        for (int i = 0; i < 15; i++) {
            int[] rows = new int[64];
            for (int j = 0; j < 64; j++) rows[j] = d.trainIndices()[(i % 5) * 64 + j];
            user.fit(new INDArray[]{Nd4j.pullRows(d.dataset().trainImages(), 1, rows)}, new INDArray[]{Nd4j.pullRows(d.trainOneHot(), 1, rows)});
        }
        Path file = tmp.resolve("block.zip");
        ModelSerializer.writeModel(user, file.toFile(), false);
        Dl4jTrainer t = new Dl4jTrainer(config(file));
        assertTrue(t.quantizesActivations());
        List<String> slots = t.layers().stream().map(l -> l.name()).toList();
        assertEquals(Set.of("stem", "c1", "c2", "proj", "fc", "head"), Set.copyOf(slots));
        assertEquals("head", slots.get(5));
        // the sites: the block's ReLU belongs to whichever of c2 and proj comes first; the other quantizes its own output
        List<String> sites = ActivationQuantization.sites(ComputationGraphConfiguration.fromJson(t.userModel().json()), slots);
        String first = slots.indexOf("c2") < slots.indexOf("proj") ? "c2" : "proj", second = first.equals("c2") ? "proj" : "c2";
        assertEquals("stem", sites.get(slots.indexOf("stem")), "the stem feeds two vertices: its own ReLU");
        assertEquals("r1", sites.get(slots.indexOf("c1")));
        assertEquals("relu", sites.get(slots.indexOf(first)));
        assertEquals(second, sites.get(slots.indexOf(second)));
        assertEquals("fc", sites.get(slots.indexOf("fc")));

        List<Integer> bits = new ArrayList<>(Collections.nCopies(6, 4)), acts = new ArrayList<>(Collections.nCopies(6, 4));
        bits.set(0, 8);
        bits.set(5, 8);
        acts.set(slots.indexOf("c1"), 2);
        acts.set(slots.indexOf(second), 8);
        acts.set(5, 32);
        var candidate = new Candidate(Map.of("batchSize", 64L, "learningRate", 2e-3), new BitAllocation(bits), new BitAllocation(acts));
        Path ckpt = tmp.resolve("wa-ckpt.zip");
        float[] alpha;
        EpochMetrics m;
        try (Dl4jTrainingRun run = t.openRun(new TrialContext(0, candidate, 4, 2, Optional.empty(), "cpu:0"), true)) {
            var qa = run.activations();
            assertEquals(acts.subList(0, 5), qa.subList(0, 5).stream().map(a -> a.getTargetBits()).toList(), "a quantizer per slot but the head");
            assertEquals(null, qa.get(5));
            Set<Object> distinct = Collections.newSetFromMap(new IdentityHashMap<>());
            distinct.addAll(qa.subList(0, 5));
            assertEquals(5, distinct.size(), "a quantizer of its own per slot");
            assertFalse(qa.get(slots.indexOf("stem")).isSigned() || qa.get(slots.indexOf("c1")).isSigned() || qa.get(slots.indexOf(first)).isSigned(),
                    "ReLU sites unsigned");
            assertTrue(qa.get(slots.indexOf(second)).isSigned() && qa.get(slots.indexOf("fc")).isSigned(), "identity and tanh sites signed");
            m = run.trainEpoch();
            System.out.println("user graph W/A epoch 1: " + m);
            assertFalse(m.diverged(), m.toString());
            for (int i = 0; i < 5; i++) assertTrue(qa.get(i).isCalibrated() && qa.get(i).getRunningClip() > 0, slots.get(i) + " calibrated");
            alpha = new float[5];
            for (int i = 0; i < 5; i++) alpha[i] = qa.get(i).getRunningClip();
            run.saveCheckpoint(ckpt);

            Path out = tmp.resolve("wa-graph.zip");
            run.exportModel(out);
            assertEquals(null, run.lastExportNote(), "both forms written");
            double reported = run.testAccuracy();
            // (a) stock DL4J loads the plain zip: no bitsearch class; FP32 activations over the quantized weights
            ComputationGraph plain = ModelSerializer.restoreComputationGraph(out.toFile(), false);
            assertFalse(plain.getConfiguration().toJson().contains("bitsearch"));
            NativeConvolution.install(Net.of(plain));
            for (int i = 0; i < 5; i++) qa.get(i).setTargetBits(32);
            assertEquals(run.testAccuracy(), accuracy(plain, d.test()), 0.0, "plain DL4J graph (FP32 activations) = the run's weight-quantized graph");
            for (int i = 0; i < 5; i++) qa.get(i).setTargetBits(acts.get(i));
            assertEquals(reported, run.testAccuracy(), 0.0);
            // the bits entry: W/A bits per slot, signedness and α as the run holds them
            var entry = new ObjectMapper().readValue(readEntry(out, ModelExport.BITS_ENTRY),
                    ModelExport.BitsEntry.class);
            assertEquals(slots, entry.layers().stream().map(l -> l.name()).toList());
            assertEquals(bits, entry.layers().stream().map(l -> l.bits()).toList());
            assertEquals(acts, entry.layers().stream().map(l -> l.activationBits()).toList());
            for (int i = 0; i < 5; i++) {
                assertEquals(qa.get(i).isSigned(), entry.layers().get(i).activationSigned(), slots.get(i));
                assertEquals(qa.get(i).inferenceClip(), entry.layers().get(i).activationClip(), 0f, slots.get(i));
            }
            // (b) packed: the activation parameters at each site, the size bound, and the exact W/A test accuracy
            var packed = PackedModel.fromBytes(ModelExport.packedEntry(out).orElseThrow());
            Map<String, PackedLayer> byName = new HashMap<>();
            for (var l : packed.layers()) byName.put(l.name(), l);
            for (int i = 0; i < 5; i++) {
                var l = byName.get(sites.get(i));
                assertEquals(acts.get(i), l.activationBits(), sites.get(i));
                assertEquals(qa.get(i).isSigned(), l.activationSigned(), sites.get(i));
                assertEquals(qa.get(i).inferenceClip(), l.activationClip(), 0f, sites.get(i));
            }
            assertEquals(32, byName.get("head").activationBits());
            long bytes = packed.toBytes().length, sizeBytes = (t.size(new BitAllocation(bits)).bits() + 7) / 8;
            long header = 16;
            for (var l : packed.layers()) header += 60 + l.name().length() + 8L * l.scales().length + 1 + 2L * l.inputs().length;
            assertTrue(bytes >= sizeBytes && bytes <= sizeBytes * 1.02 + header, bytes + " bytes for a " + sizeBytes + "-byte model, header bound " + header);
            ReferenceInference reference = new ReferenceInference(packed);
            double ref = reference.accuracy(ModelExportTest.rows(d.test()), d.test().labels());
            System.out.println("user graph W/A: test " + reported + ", reference inference " + ref + ", packed " + bytes + " bytes");
            assertEquals(reported, ref, 0.0, "reference inference of the packed W/A graph");
            assertTrue(m.valAccuracy() > 0.2, "clearly learned (chance 0.1; here 0.37): " + m);
            // sample by sample: the same prediction as the quantized DL4J graph, and nearly its probabilities
            float[][] x = ModelExportTest.rows(d.test());
            float[][] dl4j = ((Net.Graph) run.net()).graph().outputSingle(false, Nd4j.create(x)).toFloatMatrix();
            double worst = 0;
            for (int i = 0; i < x.length; i++) {
                float[] p = reference.forward(x[i]);
                assertEquals(argmax(dl4j[i]), reference.predict(x[i]), "prediction of test sample " + i);
                for (int c = 0; c < p.length; c++) worst = Math.max(worst, Math.abs(p[c] - dl4j[i][c]));
            }
            System.out.println("user graph W/A: largest probability difference reference vs DL4J " + worst);
        }
        try (Dl4jTrainingRun run = t.openRun(new TrialContext(0, candidate, 4, 2, Optional.of(ckpt), "cpu:0"), true)) {
            assertEquals(2, run.nextEpoch());
            assertEquals(m.valAccuracy(), run.evaluateValidation().accuracy(), 0.0, "the checkpoint restores the W/A graph");
            for (int i = 0; i < 5; i++) assertEquals(alpha[i], run.activations().get(i).getRunningClip(), 0f, "α of " + slots.get(i) + " restored");
        }
        // the head's entry must be 32, as for every model
        var bad = new ArrayList<>(acts);
        bad.set(5, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.openRun(new TrialContext(0,
                new Candidate(Map.of(), new BitAllocation(bits), new BitAllocation(bad)), 4, 1, Optional.empty(), "cpu:0"), true));
        assertTrue(e.getMessage().contains("activationBits[5] is 4, but must be 32"), e.getMessage());
    }

    /** An LSTM's activation is applied inside its cell at every time step: its entry must be 32, refused naming it. */
    @Test
    void anLstmSiteIsRefusedWithTheReason() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).graphBuilder().addInputs("in")
                .addLayer("lstm", new LSTM.Builder().nIn(3).nOut(5).activation(Activation.TANH).build(), "in")
                .addLayer("out", new RnnOutputLayer.Builder().nIn(5).nOut(2).activation(Activation.SOFTMAX).build(), "lstm")
                .setOutputs("out").build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ActivationQuantization.install(conf, List.of("lstm", "out"), List.of(4, 32)));
        assertTrue(e.getMessage().contains("activationBits[0] is 4, but must be 32 for layer lstm") && e.getMessage().contains("recurrent cell"), e.getMessage());
        ActivationQuantization.install(conf, List.of("lstm", "out"), List.of(32, 32)); // 32 is fine
    }

    private static int argmax(float[] row) {
        int best = 0;
        for (int c = 1; c < row.length; c++) if (row[c] > row[best]) best = c;
        return best;
    }

    private static byte[] readEntry(Path zip, String name) throws IOException {
        try (ZipFile z = new ZipFile(zip.toFile())) {
            try (var in = z.getInputStream(z.getEntry(name))) {
                return in.readAllBytes();
            }
        }
    }

    private static int distinct(INDArray w) {
        Set<Float> s = new java.util.HashSet<>();
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
