package org.bitsearch.trainers.dl4j;

import org.bitsearch.search.space.BitAllocation;
import org.bitsearch.search.trainer.TrialContext;
import org.bitsearch.search.trial.Candidate;
import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.trainers.dl4j.export.ModelExport;
import org.bitsearch.trainers.dl4j.quant.QuantizedWeightNoise;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
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
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code trainer.modelFile}: the user's DL4J network, its slots named by its layers, trials starting from its parameters. */
class UserModelTest {
    @TempDir Path tmp;

    /** A user's CNN for 1x28x28 with named layers and a batch norm (which stays FP32). */
    private static MultiLayerConfiguration userCnn() {
        return new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.FLOAT).updater(new Adam(1e-3)).list()
                .layer(new ConvolutionLayer.Builder(5, 5).name("stem").nOut(6).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).name("pool").kernelSize(2, 2).stride(2, 2).build())
                .layer(new DenseLayer.Builder().name("fc").nOut(64).activation(Activation.RELU).build())
                .layer(new BatchNormalization.Builder().name("bn").build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("head").nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(28, 28, 1)).build();
    }

    private static TrialContext ctx(List<Integer> bits, long seed) {
        return new TrialContext(0, new Candidate(Map.of("batchSize", 64L, "learningRate", 1e-3), new BitAllocation(bits)), seed, 2, Optional.empty(), "cpu:0");
    }

    private static Dl4jTrainerConfig config(Path file) {
        return TestData.small(1500).withModelFile(file.toString());
    }

    @Test
    void trainedZipGivesNamedSlotsAndTrialsStartFromItsParameters() throws Exception {
        MultiLayerNetwork user = new MultiLayerNetwork(userCnn());
        user.init();
        Dl4jTrainer base = new Dl4jTrainer(TestData.small(1500));
        var d = base.data();
        // the user trained it a little before handing it over
        for (int i = 0; i < 10; i++) {
            int[] rows = new int[64];
            for (int j = 0; j < 64; j++) rows[j] = d.trainIndices()[i * 64 + j];
            user.fit(Nd4j.pullRows(d.dataset().trainImages(), 1, rows), Nd4j.pullRows(d.trainOneHot(), 1, rows));
        }
        Path file = tmp.resolve("my-net.zip");
        ModelSerializer.writeModel(user, file.toFile(), false);
        Dl4jTrainer t = new Dl4jTrainer(config(file));
        assertEquals(List.of("stem", "fc", "head"), t.layers().stream().map(l -> l.name()).toList());
        assertEquals(5 * 5 * 6, t.layers().get(0).weights());
        assertEquals(6, t.layers().get(0).biases());
        // fc's 64 biases, plus the folded scale and shift of the batch norm after it (2 per channel, kept FP32)
        assertEquals(64 + 2 * 64, t.layers().get(1).biases());
        assertEquals(1, t.unquantizedLayers().size());
        assertTrue(t.unquantizedLayers().get(0).startsWith("bn (BatchNormalization): normalisation"), t.unquantizedLayers().toString());
        assertTrue(t.userModel().trained());
        double fileAccuracy = ModelExportTest.accuracy(user, d.validation());
        try (Dl4jTrainingRun run = t.openRun(ctx(List.of(32, 32, 32), 5), true)) {
            assertEquals(fileAccuracy, run.evaluateValidation().accuracy(), 0.0, "a 32-bit trial starts from the file's parameters");
        }
        try (Dl4jTrainingRun run = t.openRun(ctx(List.of(8, 4, 8), 5), true)) {
            EpochMetrics m = run.trainEpoch();
            assertTrue(!m.diverged() && m.valAccuracy() > 0.6, m.toString());
            Path out = tmp.resolve("export.zip");
            run.exportModel(out);
            MultiLayerNetwork plain = ModelSerializer.restoreMultiLayerNetwork(out.toFile(), false);
            assertTrue(!plain.getLayerWiseConfigurations().toJson().contains("bitsearch"));
            assertEquals(run.testAccuracy(), ModelExportTest.accuracy(plain, d.test()), 0.0);
            // batch normalisation (after a dense layer) is in the packed format (version 2, folded): both forms written,
            // and the reference inference gives the run's test accuracy
            assertEquals(null, run.lastExportNote());
            var packed = org.bitsearch.trainers.packed.PackedModel.fromBytes(ModelExport.packedEntry(out).orElseThrow());
            assertEquals(org.bitsearch.trainers.packed.PackedLayer.Kind.BATCH_NORM, packed.layers().get(3).kind());
            assertEquals(run.testAccuracy(), new org.bitsearch.trainers.packed.ReferenceInference(packed)
                    .accuracy(ModelExportTest.rows(d.test()), d.test().labels()), 0.0);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.checkBits(BitAllocation.of(4, 4)));
        assertTrue(e.getMessage().contains("stem, fc, head"), e.getMessage());
    }

    /**
     * Activation bits on a user's MultiLayerNetwork: each slot's output quantized at its site (here the slot itself: the
     * batch norm after fc applies no activation), trained on the fit path, and the packed export's reference inference
     * giving the W/A-quantized model's test accuracy exactly.
     */
    @Test
    void activationBitsOnAUserNetworkTrainAndExport() throws Exception {
        Path file = tmp.resolve("my-net.json");
        Files.writeString(file, userCnn().toJson());
        Path dir = tmp.resolve("idx");
        org.bitsearch.trainers.dl4j.data.DataFiles.idx(dir, 500, 200, 28, 23);
        Dl4jTrainer t = new Dl4jTrainer(Dl4jTrainerConfig.defaults(org.bitsearch.trainers.dl4j.data.DataConfig.dir("idx", dir), null)
                .withValidationSize(150).withModelFile(file.toString()));
        assertTrue(t.quantizesActivations());
        var ctx = new TrialContext(0, new Candidate(Map.of("batchSize", 64L, "learningRate", 2e-3), new BitAllocation(List.of(8, 4, 8)),
                new BitAllocation(List.of(4, 2, 32))), 3, 1, Optional.empty(), "cpu:0");
        try (Dl4jTrainingRun run = t.openRun(ctx, true)) {
            assertEquals(List.of(4, 2), run.activations().subList(0, 2).stream().map(a -> a.getTargetBits()).toList());
            assertEquals(null, run.activations().get(2));
            EpochMetrics m = run.trainEpoch();
            assertTrue(!m.diverged(), m.toString());
            Path out = tmp.resolve("wa.zip");
            run.exportModel(out);
            var packed = org.bitsearch.trainers.packed.PackedModel.fromBytes(ModelExport.packedEntry(out).orElseThrow());
            assertEquals(4, packed.layers().get(0).activationBits());
            assertEquals(2, packed.layers().get(2).activationBits());
            var d = t.data();
            assertEquals(run.testAccuracy(), new org.bitsearch.trainers.packed.ReferenceInference(packed)
                    .accuracy(ModelExportTest.rows(d.test()), d.test().labels()), 0.0, "W/A-quantized user model, reference inference");
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.openRun(new TrialContext(0,
                new Candidate(Map.of(), new BitAllocation(List.of(8, 4, 8)), new BitAllocation(List.of(4, 2, 4))), 3, 1, Optional.empty(), "cpu:0"), true));
        assertTrue(e.getMessage().contains("activationBits[2] is 4, but must be 32"), e.getMessage());
    }

    @Test
    void configurationJsonIsInitialisedFromTheTrialSeed() throws Exception {
        Path file = tmp.resolve("my-net.json");
        Files.writeString(file, userCnn().toJson());
        Dl4jTrainer t = new Dl4jTrainer(config(file));
        assertTrue(!t.userModel().trained());
        INDArray a, b, c;
        try (Dl4jTrainingRun r = t.openRun(ctx(List.of(4, 4, 4), 7), true)) { a = r.network().params().dup(); }
        try (Dl4jTrainingRun r = t.openRun(ctx(List.of(4, 4, 4), 7), true)) { b = r.network().params().dup(); }
        try (Dl4jTrainingRun r = t.openRun(ctx(List.of(4, 4, 4), 8), true)) { c = r.network().params().dup(); }
        assertEquals(a, b);
        assertNotEquals(a, c);
    }

    @Test
    void modelsThatDoNotFitTheDataAreRefusedNamingTheFile() throws Exception {
        MultiLayerConfiguration wrong = new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).list()
                .layer(new DenseLayer.Builder().nIn(100).nOut(8).build())
                .layer(new OutputLayer.Builder().nIn(8).nOut(10).activation(Activation.SOFTMAX).build()).build();
        Path file = tmp.resolve("wrong.json");
        Files.writeString(file, wrong.toJson());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Dl4jTrainer(config(file)));
        assertTrue(e.getMessage().contains("wrong.json") && e.getMessage().contains("100 inputs") && e.getMessage().contains("784"), e.getMessage());
        Files.writeString(file, "not json");
        e = assertThrows(IllegalArgumentException.class, () -> new Dl4jTrainer(config(file)));
        assertTrue(e.getMessage().contains("wrong.json"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Dl4jTrainer(config(tmp.resolve("missing.zip"))));
        assertTrue(e.getMessage().contains("missing.zip") && e.getMessage().contains("not found"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TestData.small(100).withModelFile("x.zip").withModelFile(null)
                .withModelFile("y.zip").withTrainSubset(10).withSchedule(null).withModelFile(""));
    }

    /**
     * The hook reaches each slot type: at 1 bit a layer's inference output differs from the FP32 one and equals that
     * of the plain export (noise removed, weights replaced by Q(W)).
     */
    @Test
    void theWeightNoiseHookReachesEverySlotType() {
        List<MultiLayerConfiguration> nets = List.of(
                conv(new DepthwiseConvolution2D.Builder(3, 3).name("dw").depthMultiplier(2).nIn(2).activation(Activation.RELU).build()),
                conv(new SeparableConvolution2D.Builder(3, 3).name("sep").nIn(2).nOut(4).activation(Activation.RELU).build()),
                conv(new ConvolutionLayer.Builder(3, 3).name("c").nIn(2).nOut(4).activation(Activation.RELU).build()),
                new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.FLOAT).list()
                        .layer(new LSTM.Builder().name("lstm").nIn(3).nOut(5).activation(Activation.TANH).build())
                        .layer(new RnnOutputLayer.Builder().nIn(5).nOut(2).activation(Activation.SOFTMAX).build()).build());
        for (MultiLayerConfiguration conf : nets) {
            boolean rnn = conf.getConf(0).getLayer() instanceof LSTM;
            INDArray x = rnn ? Nd4j.rand(DataType.FLOAT, 4, 3, 6) : Nd4j.rand(DataType.FLOAT, 4, 2 * 8 * 8);
            MultiLayerNetwork fp = new MultiLayerNetwork(conf.clone());
            fp.init();
            MultiLayerConfiguration noisy = conf.clone();
            String name = noisy.getConf(0).getLayer().getLayerName();
            assertEquals(null, org.bitsearch.trainers.dl4j.model.UserModel.reason(noisy.getConf(0).getLayer()), name);
            ((BaseLayer) noisy.getConf(0).getLayer()).setWeightNoise(new QuantizedWeightNoise(1, false));
            MultiLayerNetwork q = new MultiLayerNetwork(noisy);
            q.init(fp.params().dup(), false);
            INDArray out = q.output(x, false), plain = ModelExport.plain(q).output(x, false);
            assertNotEquals(fp.output(x, false), out, name + ": 1-bit output equals FP32: the hook did not reach it");
            assertTrue(out.equalsWithEps(plain, 1e-5), name + ": noise output differs from the quantized copy");
        }
    }

    private static MultiLayerConfiguration conv(org.deeplearning4j.nn.conf.layers.Layer first) {
        return new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.FLOAT).list()
                .layer(first)
                .layer(new OutputLayer.Builder().nOut(2).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(8, 8, 2)).build();
    }
}
