package org.bitsearch.search.space;

import java.util.List;

/**
 * A soft prior that prefers fewer bits deeper in the network (after Chu et al., 2019, "Mixed-precision quantized
 * neural networks with progressively decreasing bitwidth", whose finding is that later layers tolerate fewer bits;
 * the paper imposes it as a hard constraint, see {@link BitAllocationSpace#nonIncreasing()}; this is the soft
 * version). With strength ρ = {@code bits.depthPrior} in [0, 1], layer l of L (depth d = l / (L − 1), 0 for a
 * one-layer model) choosing the j-th of k allowed bit-widths (relative level r = j / (k − 1)) gets the weight
 * <pre>  w(l, j) = exp(−β · ρ · d · r),  β = {@value #BETA}</pre>
 * The first layer is uniform; at ρ = 1 the last layer's widest choice is e^−β ≈ 1/55 as likely as its narrowest.
 * ρ = 0 is the uniform prior. The weights are relative; samplers normalise them.
 */
public final class DepthPrior {
    /** The log-odds between the fewest and the most bits of the deepest layer at ρ = 1. */
    public static final double BETA = 4.0;

    private DepthPrior() {}

    /**
     * The weight of the {@code choice}-th of {@code choices} bit-widths at layer {@code layer} of {@code layers}.
     *
     * @throws IllegalArgumentException if an index is out of range or {@code rho} is not in [0, 1]
     */
    public static double weight(double rho, int layer, int layers, int choice, int choices) {
        if (!(rho >= 0 && rho <= 1)) throw new IllegalArgumentException("bits.depthPrior is " + rho + ", but must be in [0, 1]");
        if (layer < 0 || layer >= layers) throw new IllegalArgumentException("layer is " + layer + ", but must be in 0.." + (layers - 1));
        if (choice < 0 || choice >= choices) throw new IllegalArgumentException("choice is " + choice + ", but must be in 0.." + (choices - 1));
        if (rho == 0 || layers == 1 || choices == 1) return 1;
        double d = (double) layer / (layers - 1);
        double r = (double) choice / (choices - 1);
        return StrictMath.exp(-BETA * rho * d * r);
    }

    /** The normalised prior over {@code space.choicesAt(layer)} (uniform for a pinned layer or ρ = 0). */
    public static double[] probabilities(BitAllocationSpace space, int layer) {
        List<Integer> choices = space.choicesAt(layer);
        double[] p = new double[choices.size()];
        double total = 0;
        for (int j = 0; j < p.length; j++) {
            p[j] = weight(space.depthPrior(), layer, space.size(), j, p.length);
            total += p[j];
        }
        for (int j = 0; j < p.length; j++) p[j] /= total;
        return p;
    }
}
