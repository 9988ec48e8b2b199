package org.bitsearch.trainers.dl4j.fast;

import org.bitsearch.trainers.dl4j.quant.QuantizedWeightNoise;
import org.bitsearch.trainers.dl4j.quant.Quantizer;

/**
 * The weights a layer's products use in one training step: W itself, or Q(W) with the layer's
 * {@link QuantizedWeightNoise#getTrainBits() training bits} (straight-through estimator: the gradient computed
 * with Q(W) is applied to W), computed by the same {@link Quantizer} call and channel blocks as the DL4J noise.
 */
final class WeightPrep implements AutoCloseable {
    private final QuantizedWeightNoise noise;
    private final int offset, length, channels;
    private final float[] scratch;
    final NativeFloats weights;

    /**
     * @param offset   start of W in the flat parameter array
     * @param length   values of W
     * @param channels output channels (contiguous blocks of W in DL4J's layout)
     * @param scratch  an array as long as the flat parameters, shared by the layers of a step: Q(W) is written at
     *                 W's own positions (loops index every array alike, which the JIT needs to vectorise them)
     */
    WeightPrep(QuantizedWeightNoise noise, int offset, int length, int channels, float[] scratch) {
        this.noise = noise;
        this.offset = offset;
        this.length = length;
        this.channels = channels;
        this.scratch = scratch;
        this.weights = new NativeFloats(length);
    }

    /** The training bits of the next step: 32 when the layer has no quantizing noise. */
    int trainBits() { return noise == null ? 32 : noise.getTrainBits(); }

    /** Writes the step's weights into {@link #weights}; returns the bits used. */
    int prepare(float[] params) {
        int bits = trainBits();
        if (bits == 32) {
            weights.put(params, offset, length);
        } else {
            Quantizer.quantize(params, scratch, offset, offset + length, noise.isPerChannel() ? channels : 1, bits);
            weights.put(scratch, offset, length);
        }
        return bits;
    }

    @Override public void close() { weights.close(); }
}
