package org.bitsearch.trainers.dl4j.quant;

import java.util.SplittableRandom;

/**
 * The CPQ training state of one layer on DL4J's {@code fit} path: its forward ({@link CpqQuantizer#sample}, called
 * by {@link QuantizedWeightNoise#getParameter} once per iteration), what the backward needs from that forward (the
 * full-precision weights, the multi-class STE's slopes, the bits trained), and the layer's DropBits gates.
 * {@link CpqGradientListener} completes the backward: it multiplies DL4J's ∂L/∂x̂ by the slopes and updates the
 * gates. Not thread-safe: one run, one thread at a time.
 *
 * <p>Every draw comes from a generator seeded by (trial seed, layer, iteration): a resumed trial draws the same.
 */
public final class CpqTraining {
    private static final long LAYER_STREAM = 0xBF58476D1CE4E5B9L, ITERATION_STREAM = 0x94D049BB133111EBL;
    private final double rho;
    private final boolean sampled;
    private final long seed;
    private final int layer;
    private final BitDropGates gates;
    private final boolean learnBits;
    private final double lambdaShare, gateLearningRate;
    private float[] weights, slope;
    private int channels, bits;
    private char order;
    private boolean fresh;

    /**
     * @param rho              the logistic noise's scale in grid spacings
     * @param sampled          forward draws from π (true) or takes its mode
     * @param seed             the trial's seed
     * @param layer            the layer's index among the quantizable layers
     * @param gates            DropBits' gates, or null without DropBits
     * @param learnBits        train the gates (DropBits' regulariser) or keep them fixed
     * @param lambdaShare      λ·n_l / N, the layer's weight in the bit regulariser
     * @param gateLearningRate Adam's step size for the gates
     */
    public CpqTraining(double rho, boolean sampled, long seed, int layer, BitDropGates gates, boolean learnBits,
                       double lambdaShare, double gateLearningRate) {
        if (learnBits && gates == null) throw new IllegalArgumentException("learnBits needs DropBits' gates");
        this.rho = rho;
        this.sampled = sampled;
        this.seed = seed;
        this.layer = layer;
        this.gates = gates;
        this.learnBits = learnBits;
        this.lambdaShare = lambdaShare;
        this.gateLearningRate = gateLearningRate;
    }

    public BitDropGates gates() { return gates; }

    public boolean learnBits() { return learnBits; }

    /** The bits of the next step: DropBits' draw from the gates, or {@code gridBits} without DropBits. */
    public int drawBits(int gridBits, SplittableRandom rng) { return gates == null ? gridBits : gates.sample(rng); }

    float[] weights(int length) {
        if (weights == null || weights.length != length) {
            weights = new float[length];
            slope = new float[length];
        }
        return weights;
    }

    void forward(float[] w, float[] out, int channels, char order, int gridBits, int bits, int iteration) {
        this.channels = channels;
        this.order = order;
        this.bits = bits;
        SplittableRandom rng = new SplittableRandom(seed ^ (LAYER_STREAM * (layer + 1L)) ^ (ITERATION_STREAM * (iteration + 1L)));
        CpqQuantizer.sample(w, out, slope, channels, gridBits, bits, rho, sampled, rng);
        fresh = true;
    }

    /**
     * The backward of the step whose forward ran last: updates the gates (with learned bits) from ∂L/∂x̂ and
     * returns the slopes to multiply it by, or null if no forward ran since the last call.
     *
     * @param gradient ∂L/∂x̂ in the forward's layout (see {@link #order()})
     */
    float[] backward(float[] gradient) {
        if (!fresh) return null;
        fresh = false;
        if (learnBits) gates.update(gates.lossDelta(weights, gradient, channels, bits), lambdaShare, gateLearningRate);
        return slope;
    }

    /** True when a forward ran since the last {@link #backward}. */
    boolean pending() { return fresh; }

    /** The layout of the forward's arrays: 'f' (dense, columns = output channels) or 'c' (convolution). */
    char order() { return order; }
}
