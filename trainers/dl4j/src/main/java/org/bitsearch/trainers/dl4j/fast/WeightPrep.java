package org.bitsearch.trainers.dl4j.fast;

import org.bitsearch.trainers.dl4j.quant.QuantizedWeightNoise;
import org.bitsearch.trainers.dl4j.quant.Quantizer;

/**
 * The weights a layer's products use in one training step: W itself, or Q(W) with the layer's
 * {@link QuantizedWeightNoise#getTrainBits() training bits} (straight-through estimator: the gradient computed
 * with Q(W) is applied to W), computed by the same {@link Quantizer} functions and channel blocks as the DL4J noise
 * (bit-identical: {@link Quantizer#scales} and {@link Quantizer#apply} are {@code quantize} split in two).
 *
 * <p>Q(W) goes to the native operand a chunk at a time: the scales come from one pass over W, then each chunk of
 * {@value #CHUNK} values is copied into a small Java buffer, quantized there in place and copied to native memory
 * while it is still in the cache. Measured on the MLP, that is one read of W fewer and no write of a tensor-sized
 * Java array compared with quantizing the whole tensor first; the k-bit grid's max|W| is Quantizer's vectorised
 * maximum (exact, as the noise's).
 */
final class WeightPrep implements AutoCloseable {
    /** Values per chunk: 16 KiB, so the chunk stays in the L1 cache between the quantizer and the copy. */
    static final int CHUNK = 4096;
    private final QuantizedWeightNoise noise;
    private final int offset, length, channels;
    private final float[] chunk;
    final NativeFloats weights;

    /**
     * @param offset   start of W in the flat parameter array
     * @param length   values of W
     * @param channels output channels (contiguous blocks of W in DL4J's layout)
     */
    WeightPrep(QuantizedWeightNoise noise, int offset, int length, int channels) {
        this.noise = noise;
        this.offset = offset;
        this.length = length;
        this.channels = channels;
        this.chunk = new float[Math.min(CHUNK, length)];
        this.weights = new NativeFloats(length);
    }

    /** The training bits of the next step: 32 when the layer has no quantizing noise. */
    int trainBits() { return noise == null ? 32 : noise.getTrainBits(); }

    /** Writes the step's weights into {@link #weights}; returns the bits used. */
    int prepare(float[] params) {
        int bits = trainBits();
        if (bits == 32) {
            weights.put(params, offset, length);
            return bits;
        }
        Quantizer.Scales scales = Quantizer.scales(params, offset, offset + length, noise.isPerChannel() ? channels : 1, bits);
        for (int i = 0; i < length; i += CHUNK) {
            int n = Math.min(CHUNK, length - i);
            System.arraycopy(params, offset + i, chunk, 0, n);
            Quantizer.apply(scales, chunk, 0, n, i);
            weights.pointer.position(i).put(chunk, 0, n);
        }
        weights.pointer.position(0);
        return bits;
    }

    @Override public void close() { weights.close(); }
}
