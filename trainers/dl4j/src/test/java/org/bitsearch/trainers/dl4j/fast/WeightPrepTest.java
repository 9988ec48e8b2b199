package org.bitsearch.trainers.dl4j.fast;

import org.bitsearch.trainers.dl4j.quant.QuantizedWeightNoise;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The fast step's weights against DL4J's weight noise: the values the products use are bit-identical to what
 * {@code fit} and {@code output} quantize ({@link QuantizedWeightNoise#quantize}), per tensor and per channel, at
 * every width, for dense ([nIn, nOut] in 'f' order) and convolution ([o, c, kh, kw] in 'c' order) layouts, with W
 * at an offset of the flat parameter array and tensors longer than one chunk.
 */
class WeightPrepTest {
    @ParameterizedTest
    @CsvSource({"1,false", "1,true", "2,false", "2,true", "3,false", "4,false", "4,true", "8,false", "8,true", "32,false"})
    void quantizedWeightsAreBitIdenticalToTheNoise(int bits, boolean perChannel) {
        SplittableRandom r = new SplittableRandom(bits * 31L + (perChannel ? 1 : 0));
        for (long[] shape : new long[][]{{784, 40}, {300, 10}, {16, 8, 5, 5}}) {
            boolean dense = shape.length == 2;
            INDArray w = Nd4j.create(DataType.FLOAT, shape, dense ? 'f' : 'c');
            float[] values = new float[(int) w.length()];
            for (int i = 0; i < values.length; i++) values[i] = (float) (r.nextGaussian() * 0.05 * (1 + (i % 7)));
            w.data().asNioFloat().put(values);
            int offset = 123, channels = (int) (dense ? shape[1] : shape[0]);
            float[] params = new float[offset + values.length + 50];
            System.arraycopy(values, 0, params, offset, values.length);
            QuantizedWeightNoise noise = new QuantizedWeightNoise(bits, perChannel);
            float[] expected = new float[values.length];
            // the layout DL4J's flat parameters hold W in: 'f' for dense, 'c' for convolution
            Nd4j.toFlattened(dense ? 'f' : 'c', QuantizedWeightNoise.quantize(w, bits, perChannel)).data().asNioFloat().get(expected);
            try (WeightPrep prep = new WeightPrep(noise, offset, values.length, channels)) {
                assertEquals(bits, prep.prepare(params));
                float[] actual = new float[values.length];
                prep.weights.get(actual, 0, actual.length);
                for (int i = 0; i < values.length; i++)
                    assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(actual[i]),
                            bits + " bits, perChannel " + perChannel + ", shape " + java.util.Arrays.toString(shape) + ", value " + i);
            }
        }
    }
}
