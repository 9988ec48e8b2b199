package org.bitsearch.trainers.dl4j;

import org.bitsearch.search.space.BitAllocation;
import org.bitsearch.trainers.dl4j.model.ModelFactory;
import org.bitsearch.trainers.dl4j.quant.QuantizedWeightNoise;
import org.bitsearch.trainers.dl4j.quant.Quantizer;
import org.bitsearch.search.trial.Candidate;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QuantizedWeightNoiseTest {
    private static List<QuantizedWeightNoise> noises(MultiLayerConfiguration conf) {
        List<QuantizedWeightNoise> out = new ArrayList<>();
        for (var c : conf.getConfs())
            if (c.getLayer() instanceof BaseLayer b && b.getWeightNoise() instanceof QuantizedWeightNoise q) out.add(q);
        return out;
    }

    @Test
    void survivesTheNetworkConfigurationJsonRoundTrip() {
        Hyperparameters hp = Hyperparameters.of(new Candidate(Map.of(), BitAllocation.of(1, 2, 3, 4)), 128);
        for (String model : List.of("mlp", "cnn")) {
            List<Integer> bits = model.equals("mlp") ? List.of(1, 2, 8) : List.of(1, 2, 4, 32);
            MultiLayerConfiguration conf = ModelFactory.build(model, model.equals("mlp") ? List.of(256, 128) : List.of(128),
                    28, 28, 10, bits, true, hp, 3);
            noises(conf).get(1).setTrainBits(32);
            String json = conf.toJson();
            assertTrue(json.contains("QuantizedWeightNoise"), "the class is named in the JSON");
            List<QuantizedWeightNoise> before = noises(conf), after = noises(MultiLayerConfiguration.fromJson(json));
            assertEquals(bits.size(), after.size());
            assertEquals(before, after, "targetBits, trainBits and perChannel survive");
            assertEquals(32, after.get(1).getTrainBits());
            assertTrue(after.get(0).isPerChannel());
        }
    }

    @Test
    void denseChannelsAreColumnsAndConvChannelsTheFirstDimension() {
        INDArray dense = Nd4j.create(new float[][]{{1f, 0.01f}, {-0.5f, 0.004f}, {0.25f, -0.002f}});
        INDArray q = QuantizedWeightNoise.quantize(dense, 4, true);
        float[] col1 = Quantizer.quantize(new float[]{0.01f, 0.004f, -0.002f}, 1, 4);
        for (int i = 0; i < 3; i++) assertEquals(col1[i], q.getFloat(i, 1), 0f);
        INDArray conv = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 3, 2, 5, 5).subi(0.5);
        conv.get(org.nd4j.linalg.indexing.NDArrayIndex.point(2)).muli(0.01);
        INDArray qc = QuantizedWeightNoise.quantize(conv, 2, true);
        float[] ch2 = conv.get(org.nd4j.linalg.indexing.NDArrayIndex.point(2)).dup('c').data().asFloat();
        float[] want = Quantizer.quantize(ch2, 1, 2);
        float[] got = qc.get(org.nd4j.linalg.indexing.NDArrayIndex.point(2)).dup('c').data().asFloat();
        for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], 0f);
        assertEquals(dense.shapeInfoToString(), dense.shapeInfoToString());
        assertTrue(Arrays.equals(conv.shape(), qc.shape()));
    }

    @Test
    void rejectsBitsOutsideTheSet() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new QuantizedWeightNoise(9, false));
        assertTrue(e.getMessage().contains("targetBits is 9"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new QuantizedWeightNoise(4, false).setTrainBits(16));
    }
}
