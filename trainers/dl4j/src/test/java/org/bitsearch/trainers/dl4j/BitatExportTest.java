package org.bitsearch.trainers.dl4j;

import org.bitsearch.search.space.BitAllocation;
import org.bitsearch.search.trainer.TrialContext;
import org.bitsearch.search.trial.Candidate;
import org.bitsearch.trainers.dl4j.data.DataSplit;
import org.bitsearch.trainers.dl4j.export.ModelExport;
import org.bitsearch.trainers.dl4j.quant.BitatTransform;
import org.bitsearch.trainers.dl4j.quant.TransformConfig;
import org.bitsearch.trainers.dl4j.schedule.ScheduleConfig;
import org.bitsearch.trainers.packed.PackedLayer;
import org.bitsearch.trainers.packed.PackedModel;
import org.bitsearch.trainers.packed.ReferenceInference;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Export of a model trained with BiTAT's transform (README, "BiTAT"): the plain DL4J zip holds each layer's effective
 * weights U·Q(Uᵀ W) and gives the run's test accuracy in stock DL4J; the packed form holds each transformed layer as
 * its full-precision rotation (scales folded in) followed by its low-bit levels, and the pure-Java reference inference
 * of it gives the same accuracy up to float reassociation.
 */
class BitatExportTest {
    @TempDir Path dir;

    @Test
    void theFactorsReproduceTheTransformedQuantization() {
        Nd4j.getRandom().setSeed(3);
        INDArray a = Nd4j.randn(DataType.FLOAT, 24, 24);
        for (int i = 0; i < 24; i++) a.getRow(i).muli(Math.pow(0.85, i));
        INDArray x = Nd4j.randn(DataType.FLOAT, 400, 24).mmul(a);
        BitatTransform t = BitatTransform.fromInputs(x);
        INDArray w = Nd4j.randn(DataType.FLOAT, 24, 10);
        for (int bits : new int[]{1, 2, 3, 4, 8}) {
            INDArray q = t.quantize(w, bits);
            BitatTransform.Factors f = t.factors(w, bits);
            int max = bits == 1 || bits == 2 ? 1 : (1 << (bits - 1)) - 1;
            java.util.Set<Integer> seen = new java.util.TreeSet<>();
            float[] c = new float[f.levels().length];
            for (int i = 0; i < c.length; i++) {
                int l = f.levels()[i];
                assertTrue(Math.abs(l) <= max && (bits != 1 || l != 0), bits + " bits: level " + l);
                seen.add(l);
                c[i] = l;
            }
            INDArray back = f.scaledBasis().mmul(Nd4j.create(c, new long[]{24, 10}, 'c'));
            double err = back.sub(q).norm2Number().doubleValue() / q.norm2Number().doubleValue();
            assertTrue(err < 1e-5, bits + " bits: (U·diag(a))·C differs from U Q(Uᵀ W) by " + err);
            assertTrue(seen.size() > 1, bits + " bits: more than one level used " + seen);
        }
    }

    @Test
    void aBitatRunExportsAPlainDl4jZipAndAPackedModelThatReproduceItsAccuracy() throws Exception {
        Dl4jTrainer trainer = new Dl4jTrainer(TestData.small(1500).withValidationSize(500)
                .withSchedule(new ScheduleConfig("progressive", "forward", 1))
                .withTransform(new TransformConfig("bitat", 256)));
        List<Integer> bits = List.of(1, 2, 4);
        Candidate cand = new Candidate(Map.of(), new BitAllocation(bits), BitAllocation.of(1, 1, 32));
        try (var run = (Dl4jTrainingRun) trainer.open(new TrialContext(0, cand, 7, 3, Optional.empty(), "cpu:0"))) {
            for (int e = 0; e < 3; e++) run.trainEpoch();
            run.noises().forEach(q -> assertTrue(q.transform() != null, "every dense layer has its transform"));
            double reported = run.testAccuracy();
            Path file = dir.resolve("bitat.zip");
            run.exportModel(file);
            assertEquals(null, run.lastExportNote(), "both forms written");

            // (a) plain DL4J: no bitsearch class, each W is U·Q(Uᵀ W); stock DL4J runs FP32 activations
            MultiLayerNetwork plain = ModelSerializer.restoreMultiLayerNetwork(file.toFile(), false);
            String json = plain.getLayerWiseConfigurations().toJson();
            assertFalse(json.contains("bitsearch"), "configuration names a bitsearch class");
            for (int i = 0; i < plain.getnLayers(); i++) {
                INDArray w = run.network().getLayer(i).getParam("W");
                INDArray expected = run.noises().get(i).transform().quantize(w, bits.get(i));
                assertEquals(0.0, plain.getLayer(i).getParam("W").sub(expected).norm2Number().doubleValue(), 0.0,
                        "layer " + i + " holds U·Q(Uᵀ W)");
            }
            DataSplit.Evaluable test = trainer.data().test();

            // (b) packed: per layer a 32-bit rotation, then the levels at the layer's bits
            PackedModel packed = PackedModel.fromBytes(ModelExport.packedEntry(file).orElseThrow());
            assertEquals(6, packed.layers().size(), packed.layers().toString());
            long rotationBits = 0;
            for (int i = 0; i < 3; i++) {
                PackedLayer rot = packed.layers().get(2 * i), lv = packed.layers().get(2 * i + 1);
                assertEquals(32, rot.bits());
                assertEquals(rot.nIn(), rot.nOut());
                assertEquals(bits.get(i), lv.bits());
                assertEquals(i < 2 ? 1 : 32, lv.activationBits(), "the layer's activation bits stay on the levels layer");
                rotationBits += 32L * rot.nIn() * rot.nIn();
                // the two packed layers compose to the plain model's weights
                float[] r = rot.dequantize(), l = lv.dequantize();
                INDArray product = Nd4j.create(r, new long[]{rot.nIn(), rot.nIn()}, 'f')
                        .mmul(Nd4j.create(l, new long[]{lv.nIn(), lv.nOut()}, 'f'));
                INDArray w = plain.getLayer(i).getParam("W");
                double err = product.sub(w).norm2Number().doubleValue() / w.norm2Number().doubleValue();
                assertTrue(err < 1e-5, "layer " + i + ": rotation · levels differs from U·Q(Uᵀ W) by " + err);
            }
            long sizeBytes = (trainer.size(new BitAllocation(bits)).bits() + 7) / 8;
            long bytes = packed.toBytes().length;
            assertTrue(bytes * 8 >= rotationBits, "the packed form holds the full-precision rotations");
            System.out.printf("bitat %s: test %.4f, packed %d bytes (rotations %d), reported size %d bytes%n",
                    bits, reported, bytes, rotationBits / 8, sizeBytes);
            double ref = new ReferenceInference(packed).accuracy(ModelExportTest.rows(test), test.labels());
            assertTrue(reported > 0.3, "the W1/A1 model learned (chance 0.1): " + reported);
            assertEquals(reported, ref, 0.005, "reference inference of the packed form: the run's test accuracy");
        }
    }
}
