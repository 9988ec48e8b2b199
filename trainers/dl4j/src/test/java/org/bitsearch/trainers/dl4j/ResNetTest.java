package org.bitsearch.trainers.dl4j;

import org.bitsearch.trainers.dl4j.model.Hyperparameters;
import org.bitsearch.search.space.BitAllocation;
import org.bitsearch.search.space.QuantLayer;
import org.bitsearch.search.trainer.TrialContext;
import org.bitsearch.search.trial.Candidate;
import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.trainers.dl4j.data.DataConfig;
import org.bitsearch.trainers.dl4j.data.DataFiles;
import org.bitsearch.trainers.dl4j.data.InputShape;
import org.bitsearch.trainers.dl4j.model.Net;
import org.bitsearch.trainers.dl4j.model.ResNet;
import org.bitsearch.trainers.dl4j.export.ModelExport;
import org.bitsearch.trainers.packed.PackedLayer;
import org.bitsearch.trainers.packed.PackedModel;
import org.bitsearch.trainers.packed.ReferenceInference;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ResNet-20 (He et al. 2016) as a ComputationGraph: the published parameter count, and a real W/A-quantized run on the
 * fit path: checkpoint, resume, plain and packed export (reference inference = the quantized graph's test accuracy).
 */
class ResNetTest {
    @TempDir Path tmp;

    @Test
    void parameterCountIsThePublishedOne() {
        InputShape cifar = new InputShape(3, 32, 32, 10);
        List<QuantLayer> layers = ResNet.layers(cifar);
        assertEquals(22, layers.size(), "19 convolutions + 2 projections + fc");
        ComputationGraph g = new ComputationGraph(ResNet.build(cifar, Collections.nCopies(22, 32), false,
                Hyperparameters.of(new Candidate(Map.of(), BitAllocation.of(4)), 128), 1));
        g.init();
        long trainable = 0, bn = 0;
        for (Layer l : g.getLayers()) {
            for (var p : l.paramTable().entrySet()) {
                boolean running = p.getKey().equals("mean") || p.getKey().equals("var") || p.getKey().equals("log10stdev");
                if (!running) trainable += p.getValue().length();
                if (l.conf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.BatchNormalization && !running) bn += p.getValue().length();
            }
        }
        long quantizable = layers.stream().mapToLong(l -> l.weights() + l.biases()).sum();
        assertEquals(quantizable, trainable, "every trainable parameter is a slot's weight or FP32 bias (batch norm γ/β counted with its convolution)");
        assertEquals(1_568, bn);
        // 267,696 convolution + 2,560 projection + 650 fc weights/biases + 1,568 batch-norm gamma/beta; He et al. 2016,
        // Table 6: 0.27M (their option A shortcuts have no projection: 272,474 - 2,560 - 192 = 269,722)
        assertEquals(272_474, trainable);
        assertTrue(Math.abs(trainable - 270_000) < 5_000, "about 0.27M: " + trainable);
        System.out.println("resnet20 trainable parameters: " + trainable + " (slots " + quantizable + ", batch norm " + bn + ")");
    }

    @Test
    void trainsCheckpointsAndExportsOnTheFitPath() throws Exception {
        Path dir = tmp.resolve("cifar");
        DataFiles.cifar10(dir, 1, 80, 24, 21);
        Dl4jTrainer t = new Dl4jTrainer(Dl4jTrainerConfig.defaults(DataConfig.dir("cifar", dir), "resnet20").withValidationSize(20));
        List<Integer> bits = new ArrayList<>(Collections.nCopies(22, 4));
        bits.set(0, 8);
        bits.set(21, 8);
        List<Integer> acts = new ArrayList<>(Collections.nCopies(22, 4));
        acts.set(3, 2);
        acts.set(21, 32);
        var ctx = new TrialContext(0, new Candidate(Map.of("batchSize", 40L, "learningRate", 3e-3), new BitAllocation(bits), new BitAllocation(acts)),
                9, 2, Optional.empty(), "cpu:0");
        assertTrue(t.quantizesActivations());
        Path ckpt = tmp.resolve("ckpt.zip");
        EpochMetrics first;
        try (Dl4jTrainingRun run = t.openRun(ctx, true)) {
            assertTrue(run.net() instanceof Net.Graph);
            assertEquals(22, run.noises().size());
            List<String> netOrder = new ArrayList<>();
            for (Layer l : run.net().layers())
                if (l.conf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.BaseLayer b
                        && b.getWeightNoise() instanceof org.bitsearch.trainers.dl4j.quant.QuantizedWeightNoise) netOrder.add(l.conf().getLayer().getLayerName());
            assertEquals(t.layers().stream().map(QuantLayer::name).toList(), netOrder, "slot order = the network's noise order");
            var qa = run.activations();
            assertEquals(acts.subList(0, 21), qa.subList(0, 21).stream().map(a -> a.getTargetBits()).toList(), "a quantizer per slot but fc");
            assertEquals(null, qa.get(21));
            int proj = netOrder.indexOf("s2b1proj");
            assertTrue(qa.get(proj).isSigned() && !qa.get(proj + 1).isSigned() && !qa.get(0).isSigned(), "projection signed, ReLU sites unsigned");
            first = run.trainEpoch();
            System.out.println("resnet20 epoch: " + first);
            assertFalse(first.diverged());
            run.saveCheckpoint(ckpt);
            EpochMetrics second = run.trainEpoch();
            assertTrue(second.trainLoss() < first.trainLoss() * 1.5, second.toString());
            Path out = tmp.resolve("resnet.zip");
            run.exportModel(out);
            assertEquals(null, run.lastExportNote(), "both forms written");
            ComputationGraph plain = ModelSerializer.restoreComputationGraph(out.toFile(), false);
            assertFalse(plain.getConfiguration().toJson().contains("bitsearch"));
            var test = t.data().test();
            long correct = 0;
            int k = 0;
            for (INDArray x : test.batches())
                for (float[] row : plain.outputSingle(false, x).toFloatMatrix()) {
                    int best = 0;
                    for (int c = 1; c < row.length; c++) if (row[c] > row[best]) best = c;
                    if (best == test.labels()[k++]) correct++;
                }
            double reported = run.testAccuracy();
            for (int i = 0; i < 21; i++) qa.get(i).setTargetBits(32);
            assertEquals(run.testAccuracy(), (double) correct / k, 0.0, "plain DL4J graph (FP32 activations) = the run's weight-quantized graph");
            for (int i = 0; i < 21; i++) qa.get(i).setTargetBits(acts.get(i));
            assertEquals(reported, run.testAccuracy(), 0.0);
            // packed (version 2: inputs per layer, add, global average pooling, batch norm folded): size and exact accuracy
            PackedModel packed = PackedModel.fromBytes(ModelExport.packedEntry(out).orElseThrow());
            assertEquals(2, packed.version());
            assertTrue(packed.layers().stream().anyMatch(l -> l.kind() == PackedLayer.Kind.ADD && l.inputs().length == 2));
            assertEquals(PackedLayer.Kind.GLOBAL_AVG_POOL, packed.layers().get(packed.layers().size() - 2).kind());
            long bytes = packed.toBytes().length, sizeBytes = (t.size(new BitAllocation(bits)).bits() + 7) / 8, bound = 16;
            for (PackedLayer l : packed.layers()) bound += 60 + l.name().length() + 8L * l.scales().length + 1 + 2L * l.inputs().length;
            System.out.printf("resnet20 packed %d bytes, reported %d, header bound %d%n", bytes, sizeBytes, bound);
            assertTrue(bytes >= sizeBytes && bytes <= sizeBytes * 1.02 + bound, bytes + " bytes for a " + sizeBytes + "-byte model");
            assertEquals(reported, new ReferenceInference(packed).accuracy(ModelExportTest.rows(test), test.labels()), 0.0,
                    "reference inference reproduces the W/A-quantized graph's test accuracy");
            assertTrue(packed.layers().stream().filter(l -> l.activationBits() == 2).count() == 1, "the 2-bit activation site is in the packed form");
            assertEquals(packed, PackedModel.fromBytes(packed.toBytes()));
        }
        var resumed = new TrialContext(0, ctx.candidate(), 9, 2, Optional.of(ckpt), "cpu:0");
        try (Dl4jTrainingRun run = t.openRun(resumed, true)) {
            assertEquals(2, run.nextEpoch());
            assertEquals(first.valAccuracy(), run.evaluateValidation().accuracy(), 0.0, "the checkpoint restores the graph");
        }
    }
}
