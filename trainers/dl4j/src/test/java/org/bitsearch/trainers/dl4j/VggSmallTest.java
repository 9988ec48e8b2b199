package org.bitsearch.trainers.dl4j;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.bitsearch.search.space.BitAllocation;
import org.bitsearch.search.space.ModelSize;
import org.bitsearch.search.space.QuantLayer;
import org.bitsearch.search.trainer.TrialContext;
import org.bitsearch.search.trial.Candidate;
import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.trainers.dl4j.data.DataConfig;
import org.bitsearch.trainers.dl4j.data.DataFiles;
import org.bitsearch.trainers.dl4j.data.InputShape;
import org.bitsearch.trainers.dl4j.export.ModelExport;
import org.bitsearch.trainers.dl4j.model.Hyperparameters;
import org.bitsearch.trainers.dl4j.model.VggSmall;
import org.bitsearch.trainers.dl4j.quant.QuantizedActivation;
import org.bitsearch.trainers.packed.PackedLayer;
import org.bitsearch.trainers.packed.PackedModel;
import org.bitsearch.trainers.packed.ReferenceInference;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * VGG-Small (LQ-Nets, Zhang et al. 2018): the published full-size parameter count on CIFAR-10, and a width-scaled
 * variant trained with weight and activation bits on generated CIFAR-format data, checkpointed, resumed and exported
 * in both forms (the packed form's reference inference reproducing the quantized model's test accuracy exactly).
 */
class VggSmallTest {
    @TempDir Path tmp;

    @Test
    void parameterCountIsThePublishedOne() {
        InputShape cifar = new InputShape(3, 32, 32, 10);
        List<QuantLayer> layers = VggSmall.layers(cifar, VggSmall.WIDTHS, false);
        assertEquals(List.of("conv0", "conv1", "conv2", "conv3", "conv4", "conv5", "fc"), layers.stream().map(QuantLayer::name).toList());
        MultiLayerNetwork net = new MultiLayerNetwork(VggSmall.build(cifar, VggSmall.WIDTHS, Collections.nCopies(7, 32), false,
                Hyperparameters.of(new Candidate(Map.of(), BitAllocation.of(4)), 128), 1));
        net.init();
        long trainable = 0, convWeights = 0;
        for (Layer l : net.getLayers())
            for (var p : l.paramTable().entrySet()) {
                boolean statistic = p.getKey().equals("mean") || p.getKey().equals("var") || p.getKey().equals("log10stdev");
                if (!statistic) trainable += p.getValue().length();
                if (l.conf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.ConvolutionLayer) convWeights += p.getValue().length();
            }
        // LQ-Nets' VGG-Small: 3·128·9 + 128·128·9 + 128·256·9 + 256·256·9 + 256·512·9 + 512·512·9 = 4,574,592 convolution
        // weights (no bias), 8192·10 + 10 classifier, 2·(128+128+256+256+512+512) = 3,584 batch-norm γ/β: 4.66M
        assertEquals(4_574_592, convWeights);
        assertEquals(4_660_106, trainable);
        assertEquals(trainable, layers.stream().mapToLong(l -> l.weights() + l.biases()).sum(),
                "every trainable parameter is a slot's weight or FP32 bias (batch norm folded into its convolution's slot)");
        assertEquals(8192L * 10, layers.get(6).weights());
    }

    @Test
    void badWidthsAndShapesAreRefusedNamingTheField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Dl4jTrainerConfig.defaults(DataConfig.dir("cifar", tmp), VggSmall.NAME).toBuilder().model(VggSmall.NAME).hidden(List.of(16, 16)).build());
        assertTrue(e.getMessage().contains("hidden is [16, 16], but the vgg-small model takes six convolution widths"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> VggSmall.layers(new InputShape(1, 4, 4, 10), VggSmall.WIDTHS, false));
        assertTrue(e.getMessage().contains("at least 8x8"), e.getMessage());
        assertEquals(VggSmall.WIDTHS, Dl4jTrainerConfig.defaults(DataConfig.dir("cifar", tmp), VggSmall.NAME).hidden());
    }

    @Test
    void widthScaledVggTrainsWithActivationBitsResumesAndExports() throws Exception {
        Path dir = tmp.resolve("cifar");
        DataFiles.cifar10(dir, 1, 150, 40, 31);
        Dl4jTrainer t = new Dl4jTrainer(Dl4jTrainerConfig.defaults(DataConfig.dir("cifar", dir), VggSmall.NAME).toBuilder()
                .model(VggSmall.NAME).hidden(List.of(8, 8, 16, 16, 32, 32)).validationSize(30).perChannel(true).build());
        List<Integer> bits = List.of(8, 4, 4, 2, 4, 1, 8), acts = List.of(4, 4, 4, 4, 2, 4, 32);
        var ctx = new TrialContext(0, new Candidate(Map.of("batchSize", 32L, "learningRate", 3e-3), new BitAllocation(bits), new BitAllocation(acts)),
                9, 3, Optional.empty(), "cpu:0");
        assertTrue(t.quantizesActivations());
        Path ckpt = tmp.resolve("ckpt.zip");
        EpochMetrics first;
        try (Dl4jTrainingRun run = t.openRun(ctx, true)) {
            assertNotNull(run.fitReason(), "batch normalisation: DL4J's fit path");
            List<QuantizedActivation> qa = run.activations();
            assertEquals(acts.subList(0, 6), qa.subList(0, 6).stream().map(QuantizedActivation::getTargetBits).toList(), "one quantizer per slot, at relu<i>");
            assertEquals(null, qa.get(6));
            assertTrue(qa.subList(0, 6).stream().noneMatch(QuantizedActivation::isSigned), "after ReLU: unsigned");
            first = run.trainEpoch();
            System.out.println("vgg-small (width-scaled) epoch 1: " + first);
            assertFalse(first.diverged(), first.toString());
            run.saveCheckpoint(ckpt);
            EpochMetrics second = run.trainEpoch();
            System.out.println("vgg-small (width-scaled) epoch 2: " + second);
            assertFalse(second.diverged(), second.toString());
            assertTrue(qa.get(0).getRunningClip() > 0 && qa.get(0).isCalibrated(), "the clip was calibrated in training");

            double reported = run.testAccuracy();
            Path out = tmp.resolve("vgg.zip");
            run.exportModel(out);
            assertEquals(null, run.lastExportNote(), "both forms written");
            // (a) plain DL4J: no bitsearch class; with FP32 activations it is the run's model with activation bits at 32
            MultiLayerNetwork plain = ModelSerializer.restoreMultiLayerNetwork(out.toFile(), false);
            assertFalse(plain.getLayerWiseConfigurations().toJson().contains("bitsearch"));
            var test = t.data().test();
            for (QuantizedActivation a : qa.subList(0, 6)) a.setTargetBits(32);
            assertEquals(run.testAccuracy(), ModelExportTest.accuracy(plain, test), 0.0, "plain DL4J = the weight-quantized model");
            for (int i = 0; i < 6; i++) qa.get(i).setTargetBits(acts.get(i));
            assertEquals(reported, run.testAccuracy(), 0.0);
            ModelExport.BitsEntry entry = new ObjectMapper().readValue(readEntry(out, ModelExport.BITS_ENTRY), ModelExport.BitsEntry.class);
            assertEquals(bits, entry.layers().stream().map(ModelExport.LayerBits::bits).toList());
            assertEquals(acts, entry.layers().stream().map(ModelExport.LayerBits::activationBits).toList());

            // (b) packed: version 2 (batch norm, activation layers), size = reported + bounded header, exact accuracy
            PackedModel packed = PackedModel.fromBytes(ModelExport.packedEntry(out).orElseThrow());
            assertEquals(2, packed.version());
            assertEquals(plain.getLayers().length, packed.layers().size(), "one packed layer per DL4J layer");
            assertEquals(PackedLayer.Kind.BATCH_NORM, packed.layers().get(1).kind());
            assertEquals(PackedLayer.Kind.ACTIVATION, packed.layers().get(2).kind());
            assertEquals(4, packed.layers().get(2).activationBits(), "relu0 carries conv0's activation bits");
            long bytes = packed.toBytes().length;
            ModelSize size = t.size(new BitAllocation(bits));
            long sizeBytes = (size.bits() + 7) / 8;
            long bound = 16;
            for (PackedLayer l : packed.layers()) bound += 60 + l.name().length() + 8L * l.scales().length + 1;
            System.out.printf("vgg-small (width-scaled) %s A%s: test %.4f, packed %d bytes, reported %d, header bound %d%n",
                    bits, acts, reported, bytes, sizeBytes, bound);
            assertTrue(bytes >= sizeBytes && bytes <= sizeBytes * 1.02 + bound, bytes + " bytes for a " + sizeBytes + "-byte model");
            double ref = new ReferenceInference(packed).accuracy(ModelExportTest.rows(test), test.labels());
            assertEquals(reported, ref, 0.0, "reference inference reproduces the quantized model's test accuracy");
            assertEquals(packed, PackedModel.fromBytes(packed.toBytes()));
        }
        var resumed = new TrialContext(0, ctx.candidate(), 9, 3, Optional.of(ckpt), "cpu:0");
        try (Dl4jTrainingRun run = t.openRun(resumed, true)) {
            assertEquals(2, run.nextEpoch());
            assertEquals(first.valAccuracy(), run.evaluateValidation().accuracy(), 0.0, "the checkpoint restores weights, batch norm and clips");
        }
    }

    private static byte[] readEntry(Path zip, String name) throws Exception {
        try (var z = new java.util.zip.ZipFile(zip.toFile()); var in = z.getInputStream(z.getEntry(name))) {
            return in.readAllBytes();
        }
    }
}
