package org.bitsearch.trainers.dl4j.quant;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * DropBits on the CPQ grid of one layer, and its learnable form (Lee et al., ICCV 2021, arXiv:2109.02100: DropBits
 * drops bits instead of neurons; "learning heterogeneous quantization levels ... by imposing an additional
 * regularization on DropBits"). Not thread-safe: the run's thread calls it between and inside steps.
 *
 * <p>A layer of grid width B and smallest width b₀ has one gate z_c per bit level c = b₀+1..B. At each training
 * step the gates are drawn in order, z_c ~ Bernoulli(κ_c), and the layer trains on G_b with b = b₀ + the number of
 * gates kept before the first dropped one: dropping level c drops every finer level too, so the active grid is
 * always one of the nested grids G_b₀ ⊂ … ⊂ G_B of {@link CpqQuantizer} (the paper's grid points removed level by
 * level). κ_c = S(θ_c); with fixed DropBits θ stays where it started (κ = 1 − p); with learned bits θ is trained by
 * Adam on
 * <pre>  ∂/∂θ_c [ L + λ·(n_l / N)·E[b_l] ],   E[b_l] = b₀ + Σ_c Π_{c' ≤ c} κ_{c'}</pre>
 * where n_l / N is the layer's share of the quantized weights (the regulariser is λ times the expected average
 * bit-width of the model) and the loss term uses the straight-through Bernoulli estimator
 * ∂L/∂θ_c ≈ (L(z_c = 1) − L(z_c = 0))·κ_c(1 − κ_c), the difference estimated to first order from the step's
 * gradient ∂L/∂x̂ ({@link #lossDelta}). The learned bit-width is the gates' mode: b₀ plus the levels with κ &gt; ½
 * before the first with κ ≤ ½ ({@link #mode()}).
 *
 * <p>Provenance: the abstracts say only that DropBits drops bits instead of neurons (to reduce the multi-class
 * STE's bias) and that heterogeneous levels are learned through "an additional regularization on DropBits". The
 * nesting of the gates (one per bit level, a dropped level dropping every finer one), one draw per layer and step
 * (not per weight), κ = S(θ), the regulariser λ·(n_l/N)·E[b_l] and the first-order straight-through estimate are
 * our assumptions (README, "Cluster-Promoting Quantization").
 *
 * <p>State (θ, Adam's moments and step count) is one array, {@link #state()}, kept in the layer's
 * {@link QuantizedWeightNoise} so that checkpoints carry it.
 */
public final class BitDropGates {
    static final double BETA1 = 0.9, BETA2 = 0.999, EPS = 1e-8;
    private final int gridBits, minBits, gates;
    /** [θ_0..θ_{g-1}, m_0.., v_0.., t]. */
    private final double[] state;

    /** Gates of a layer of grid width {@code gridBits} down to {@code minBits}, each kept with {@code keep}. */
    public BitDropGates(int gridBits, int minBits, double keep) {
        this(gridBits, minBits, initial(gridBits, minBits, keep));
    }

    /** Gates restored from {@link #state()}. */
    public BitDropGates(int gridBits, int minBits, double[] state) {
        if (minBits < 1 || minBits > gridBits)
            throw new IllegalArgumentException("minBits is " + minBits + ", but must be in 1.." + gridBits);
        this.gridBits = gridBits;
        this.minBits = minBits;
        this.gates = gridBits - minBits;
        if (state.length != 3 * gates + 1)
            throw new IllegalArgumentException("state has " + state.length + " values, but " + gates + " gates need " + (3 * gates + 1));
        this.state = state;
    }

    private static double[] initial(int gridBits, int minBits, double keep) {
        if (!(keep > 0 && keep < 1)) throw new IllegalArgumentException("keep is " + keep + ", but must be in (0, 1)");
        int g = Math.max(0, gridBits - minBits);
        double[] s = new double[3 * g + 1];
        Arrays.fill(s, 0, g, Math.log(keep / (1 - keep)));
        return s;
    }

    /** The live state array (θ, Adam's m and v, step count): stored in the noise, written to checkpoints. */
    public double[] state() { return state; }

    public int gridBits() { return gridBits; }

    public int minBits() { return minBits; }

    /** κ_c of level c (b₀ &lt; c ≤ B). */
    public double keep(int level) { return CpqQuantizer.sigmoid(state[level - minBits - 1]); }

    /** Draws the gates in order and returns the bits of this step (b₀..B). */
    public int sample(SplittableRandom rng) {
        int b = minBits;
        for (int c = minBits + 1; c <= gridBits; c++) {
            if (rng.nextDouble() < keep(c)) b = c;
            else break;
        }
        return b;
    }

    /** The learned bit-width: b₀ plus the levels with κ &gt; ½ before the first with κ ≤ ½. */
    public int mode() {
        int b = minBits;
        for (int c = minBits + 1; c <= gridBits && keep(c) > 0.5; c++) b = c;
        return b;
    }

    /** E[b] = b₀ + Σ_c Π_{c' ≤ c} κ_{c'}. */
    public double expectedBits() {
        double e = minBits, p = 1;
        for (int c = minBits + 1; c <= gridBits; c++) {
            p *= keep(c);
            e += p;
        }
        return e;
    }

    /**
     * First-order estimates of L(z_c = 1) − L(z_c = 0) for each level c, after a step trained at {@code bits}:
     * Σ_i g_i·(Q_on(w)_i − Q_off(w)_i) with g = ∂L/∂x̂ and Q the nearest point of the grid the step would have used
     * with gate c on (bits, or c when c = bits + 1) and off (c − 1). Gates above bits + 1 were not drawn: 0.
     *
     * @param w    the layer's full-precision weights, channel blocks contiguous
     * @param grad ∂L/∂x̂ in the same layout
     */
    public double[] lossDelta(float[] w, float[] grad, int channels, int bits) {
        double[] delta = new double[gates];
        if (gates == 0) return delta;
        float[] on = new float[w.length], off = new float[w.length];
        for (int c = minBits + 1; c <= Math.min(gridBits, bits + 1); c++) {
            int onBits = c <= bits ? bits : c;
            CpqQuantizer.round(w, on, channels, gridBits, onBits);
            CpqQuantizer.round(w, off, channels, gridBits, c - 1);
            double d = 0;
            for (int i = 0; i < w.length; i++) d += (double) grad[i] * (on[i] - off[i]);
            delta[c - minBits - 1] = d;
        }
        return delta;
    }

    /**
     * One Adam step on θ with the loss differences of {@link #lossDelta} and the regulariser weight
     * {@code lambdaShare} = λ·n_l / N.
     */
    public void update(double[] lossDelta, double lambdaShare, double learningRate) {
        if (gates == 0) return;
        double[] grad = new double[gates];
        double[] k = new double[gates];
        for (int i = 0; i < gates; i++) k[i] = CpqQuantizer.sigmoid(state[i]);
        for (int i = 0; i < gates; i++) {
            double dk = k[i] * (1 - k[i]);
            // ∂E[b]/∂κ_i = Σ_{c ≥ i} Π_{c' ≤ c, c' ≠ i} κ_{c'}
            double sum = 0, prefix = 1;
            for (int c = 0; c < gates; c++) {
                if (c != i) prefix *= k[c];
                if (c >= i) sum += prefix;
            }
            grad[i] = lossDelta[i] * dk + lambdaShare * sum * dk;
        }
        double t = state[3 * gates] + 1;
        state[3 * gates] = t;
        for (int i = 0; i < gates; i++) {
            double m = state[gates + i] = BETA1 * state[gates + i] + (1 - BETA1) * grad[i];
            double v = state[2 * gates + i] = BETA2 * state[2 * gates + i] + (1 - BETA2) * grad[i] * grad[i];
            double mHat = m / (1 - Math.pow(BETA1, t)), vHat = v / (1 - Math.pow(BETA2, t));
            state[i] -= learningRate * mHat / (Math.sqrt(vHat) + EPS);
        }
    }
}
