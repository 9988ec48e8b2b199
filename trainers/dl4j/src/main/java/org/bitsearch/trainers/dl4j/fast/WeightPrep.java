package org.bitsearch.trainers.dl4j.fast;

import org.bitsearch.trainers.dl4j.quant.QuantizedWeightNoise;
import org.bitsearch.trainers.dl4j.quant.Quantizer;
import org.bytedeco.openblas.global.openblas_nolapack;

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
        this.maxAbs = new float[channels];
    }

    /** max|W| per channel block of the current step (k = 3..8). */
    private final float[] maxAbs;

    /** The training bits of the next step: 32 when the layer has no quantizing noise. */
    int trainBits() { return noise == null ? 32 : noise.getTrainBits(); }

    /** Writes the step's weights into {@link #weights}; returns the bits used. */
    int prepare(float[] params) {
        int bits = trainBits();
        if (bits == 32) {
            weights.put(params, offset, length);
        } else if (bits >= 3) {
            // max|W| per channel by OpenBLAS isamax on a native copy of W (vectorised; the Java loop is a scalar
            // reduction that cost more than the copy): the exact maximum, so Q(W) is bit-identical to the noise's
            int ch = noise.isPerChannel() ? channels : 1, block = length / ch;
            weights.put(params, offset, length);
            for (int c = 0; c < ch; c++) {
                long k = openblas_nolapack.cblas_isamax(block, weights.pointer.position((long) c * block), 1);
                maxAbs[c] = k >= 0 && k < block ? Math.abs(params[offset + c * block + (int) k]) : Float.NaN;
            }
            weights.pointer.position(0);
            Quantizer.quantizeUniform(params, scratch, offset, offset + length, ch, bits, maxAbs);
            weights.put(scratch, offset, length);
        } else {
            Quantizer.quantize(params, scratch, offset, offset + length, noise.isPerChannel() ? channels : 1, bits);
            weights.put(scratch, offset, length);
        }
        return bits;
    }

    @Override public void close() { weights.close(); }
}
