package org.bitsearch.trainers.dl4j;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.bitsearch.search.space.BitAllocation;
import org.bitsearch.search.space.ModelSize;
import org.bitsearch.search.trainer.TrialContext;
import org.bitsearch.search.trial.Candidate;
import org.bitsearch.trainers.dl4j.data.DataSplit;
import org.bitsearch.trainers.dl4j.export.ModelExport;
import org.bitsearch.trainers.packed.PackedLayer;
import org.bitsearch.trainers.packed.PackedModel;
import org.bitsearch.trainers.packed.ReferenceInference;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The two export forms of a trained run: the plain DL4J zip loads in stock DL4J (no bitsearch class) and gives the
 * run's test accuracy; the packed form is the reported size plus a small header, and the pure-Java reference
 * inference reproduces the test accuracy exactly.
 */
class ModelExportTest {
    @TempDir Path tmp;

    /** Header bound of the packed format: 16 bytes + per layer 60 bytes and its name, plus 8 per scale and 1 of padding. */
    private static long headerBound(PackedModel m) {
        long b = 16;
        for (PackedLayer l : m.layers()) b += 60 + l.name().length() + 8L * l.scales().length + 1;
        return b;
    }

    private void check(Dl4jTrainer trainer, List<Integer> bits, boolean perChannel, int epochs) throws Exception {
        check(trainer, bits, null, perChannel, epochs);
    }

    /** {@code acts} null: FP32 activations; else the activation bits (the plain model then computes FP32 activations). */
    private void check(Dl4jTrainer trainer, List<Integer> bits, List<Integer> acts, boolean perChannel, int epochs) throws Exception {
        var ctx = new TrialContext(0, new Candidate(Map.of("batchSize", 64L, "learningRate", 2e-3), new BitAllocation(bits),
                acts == null ? null : new BitAllocation(acts)), 5, epochs, Optional.empty(), "cpu:0");
        try (Dl4jTrainingRun run = trainer.openRun(ctx, true)) {
            assertEquals(null, run.fitReason(), "the fast step trains it");
            for (int e = 0; e < epochs; e++) run.trainEpoch();
            double reported = run.testAccuracy();
            Path file = tmp.resolve("model-" + bits + ".zip");
            run.exportModel(file);
            assertEquals(null, run.lastExportNote());

            // (a) plain DL4J: no bitsearch class, the same accuracy
            MultiLayerNetwork plain = ModelSerializer.restoreMultiLayerNetwork(file.toFile(), false);
            String json = plain.getLayerWiseConfigurations().toJson();
            assertFalse(json.contains("bitsearch"), "configuration names a bitsearch class");
            assertFalse(json.contains("weightNoise\" : {"), "configuration keeps a weight noise");
            DataSplit.Evaluable test = trainer.data().test();
            long t0 = System.nanoTime();
            org.bitsearch.trainers.dl4j.model.NativeConvolution.install(plain); // speed only: nothing in the configuration
            if (acts == null) assertEquals(reported, accuracy(plain, test), 0.0, "plain DL4J test accuracy");
            else { // stock DL4J runs it with FP32 activations: softmax rows, not the quantized model's accuracy
                INDArray p = plain.output(test.batches().get(0), false);
                assertEquals(test.batches().get(0).rows(), p.rows());
                assertEquals(1.0, p.getRow(0).sumNumber().doubleValue(), 1e-5, "softmax output");
            }
            System.out.printf("plain evaluation %.1f s%n", (System.nanoTime() - t0) / 1e9);
            ModelExport.BitsEntry entry = new ObjectMapper().readValue(readEntry(file, ModelExport.BITS_ENTRY), ModelExport.BitsEntry.class);
            assertEquals(bits, entry.layers().stream().map(ModelExport.LayerBits::bits).toList());
            assertEquals(acts == null ? java.util.Collections.nCopies(bits.size(), 32) : acts,
                    entry.layers().stream().map(ModelExport.LayerBits::activationBits).toList(), "activation bits recorded beside the model");
            assertEquals(trainer.layers().stream().map(l -> l.name()).toList(), entry.layers().stream().map(ModelExport.LayerBits::name).toList());

            // (b) packed: reported size plus a bounded header; dequantized weights are the plain model's, bit for bit
            PackedModel packed = PackedModel.fromBytes(ModelExport.packedEntry(file).orElseThrow());
            long bytes = packed.toBytes().length;
            ModelSize size = trainer.size(new BitAllocation(bits));
            long sizeBytes = (size.bits() + 7) / 8;
            System.out.printf("%s %s: test %.4f, packed %d bytes, reported %d bytes, overhead %d (bound %d)%n",
                    trainer.config().model(), bits, reported, bytes, sizeBytes, bytes - sizeBytes, headerBound(packed));
            assertTrue(bytes >= sizeBytes, "packed is smaller than the model size");
            assertTrue(bytes <= sizeBytes * 1.02 + headerBound(packed), bytes + " bytes for a " + sizeBytes + "-byte model");
            assertTrue(bytes - sizeBytes <= headerBound(packed), "overhead " + (bytes - sizeBytes));
            int q = 0;
            for (int i = 0; i < packed.layers().size(); i++) {
                PackedLayer l = packed.layers().get(i);
                if (!l.weighted()) continue;
                INDArray w = plain.getLayer(i).getParam("W");
                float[] expected = w.dup(l.kind() == PackedLayer.Kind.DENSE ? 'f' : 'c').data().asFloat();
                assertArrayEquals(expected, l.dequantize(), l.name());
                assertEquals(bits.get(q), l.bits());
                ModelExport.LayerBits rec = entry.layers().get(q);
                assertEquals(rec.activationBits(), l.activationBits(), l.name());
                assertEquals(rec.activationSigned(), l.activationSigned(), l.name());
                assertEquals(rec.activationClip(), l.activationClip(), 0f, l.name());
                if (l.activationBits() != 32) assertTrue(l.activationClip() > 0, l.name() + " has a calibrated clip");
                q++;
            }
            // reference inference: exactly the reported accuracy
            float[][] x = rows(test);
            t0 = System.nanoTime();
            double ref = new ReferenceInference(packed).accuracy(x, test.labels());
            System.out.printf("reference inference %.1f s%n", (System.nanoTime() - t0) / 1e9);
            assertEquals(reported, ref, 0.0, "reference inference test accuracy");
            PackedModel reread = PackedModel.read(writePacked(packed));
            assertEquals(packed, reread);
        }
    }

    private Path writePacked(PackedModel m) throws Exception {
        Path p = tmp.resolve("m.bsq");
        m.write(p);
        return p;
    }

    private static byte[] readEntry(Path zip, String name) throws Exception {
        try (var z = new java.util.zip.ZipFile(zip.toFile()); var in = z.getInputStream(z.getEntry(name))) {
            return in.readAllBytes();
        }
    }

    static double accuracy(MultiLayerNetwork net, DataSplit.Evaluable split) {
        long correct = 0;
        int offset = 0;
        for (INDArray x : split.batches())
            for (float[] row : net.output(x, false).toFloatMatrix()) {
                int best = 0;
                for (int c = 1; c < row.length; c++) if (row[c] > row[best]) best = c;
                if (best == split.labels()[offset++]) correct++;
            }
        return (double) correct / split.labels().length;
    }

    static float[][] rows(DataSplit.Evaluable split) {
        List<float[]> out = new ArrayList<>();
        for (INDArray b : split.batches()) out.addAll(List.of(b.toFloatMatrix()));
        return out.toArray(new float[0][]);
    }

    @Test
    void mlpMixedBits() throws Exception {
        check(new Dl4jTrainer(TestData.small(3000)), List.of(4, 2, 1), false, 1);
    }

    @Test
    void mlpWithQuantizedActivationsReproducesTheAccuracyExactly() throws Exception {
        check(new Dl4jTrainer(TestData.small(3000)), List.of(4, 4, 8), List.of(4, 2, 32), false, 1);
    }

    @Test
    void cnnWithBinaryWeightsAndActivations() throws Exception {
        Dl4jTrainer cnn = new Dl4jTrainer(Dl4jTrainerConfig.defaults("fashion-mnist", TestData.fashionDir().toString(), "cnn")
                .withTrainSubset(640).withValidationSize(200));
        check(cnn, List.of(8, 1, 1, 32), List.of(1, 1, 4, 32), false, 1);
    }

    @Test
    void mlpEightBitsAndFullPrecisionPerChannel() throws Exception {
        check(new Dl4jTrainer(TestData.small(2000).withPerChannel(true)), List.of(8, 32, 3), true, 1);
    }

    @Test
    void cnnWithPooling() throws Exception {
        Dl4jTrainer cnn = new Dl4jTrainer(Dl4jTrainerConfig.defaults("fashion-mnist", TestData.fashionDir().toString(), "cnn")
                .withTrainSubset(640).withValidationSize(200));
        check(cnn, List.of(4, 8, 2, 32), false, 1);
    }
}
