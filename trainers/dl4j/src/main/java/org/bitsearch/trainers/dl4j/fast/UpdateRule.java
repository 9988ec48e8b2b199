package org.bitsearch.trainers.dl4j.fast;

import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * One DL4J updater block's update, in Java loops over the flat parameter and gradient arrays, in the order and
 * float arithmetic of DL4J 1.0.0-M2.1 ({@code BaseMultiLayerUpdater.update}, {@code UpdaterBlock.update} and
 * libnd4j's updater ops): the summed gradient is divided by the minibatch size, the rule turns it into an update
 * u, each {@code WeightDecay} of a parameter adds {@code coeff·lr·θ} to u (post-updater, decoupled: Loshchilov &amp;
 * Hutter 2019), and θ ← θ − u.
 * <ul>
 *   <li>Adam (Kingma &amp; Ba 2015), libnd4j's {@code adam_updater}: m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g²,
 *       u = α_t·m / (√v + ε) with α_t = α·√(1−β2^(t+1)) / (1−β1^(t+1)), t the iteration count.</li>
 *   <li>Nesterov momentum, libnd4j's {@code nesterovs_updater}: p = μ·v_prev, v ← p − α·g, u = p + (−μ−1)·v.</li>
 *   <li>SGD: u = α·g.</li>
 * </ul>
 * The state arrays are indexed like the parameters (m[i] belongs to θ[i]); {@link FastStep} copies them from and
 * to DL4J's updater-state view, whose block layout is [m of the block, v of the block].
 */
final class UpdateRule {
    enum Kind { ADAM, NESTEROVS, SGD }

    final Kind kind;
    final IUpdater config;
    /** Parameter range of the block in the flat array. */
    final int from, to;
    /** Decayed sub-ranges of the block and their scales (coefficient of each WeightDecay entry, applyLR flag). */
    final int[][] decayRanges;
    final double[][] decayCoefficients;
    final boolean[][] decayApplyLr;

    UpdateRule(IUpdater config, int from, int to, int[][] decayRanges, double[][] decayCoefficients, boolean[][] decayApplyLr) {
        this.config = config;
        this.kind = kindOf(config);
        this.from = from;
        this.to = to;
        this.decayRanges = decayRanges;
        this.decayCoefficients = decayCoefficients;
        this.decayApplyLr = decayApplyLr;
    }

    /** The rule of {@code config}, or null if the fast step does not implement it. */
    static Kind kindOf(IUpdater config) {
        if (config.getClass() == Adam.class) return Kind.ADAM;
        if (config.getClass() == Nesterovs.class) return Kind.NESTEROVS;
        if (config.getClass() == Sgd.class) return Kind.SGD;
        return null;
    }

    /** Values of state per parameter: 2 (Adam's m and v), 1 (Nesterov's v), 0 (SGD). */
    int stateArrays() {
        return switch (kind) { case ADAM -> 2; case NESTEROVS -> 1; case SGD -> 0; };
    }

    /**
     * Updates θ[from, to) from the summed gradient g (overwritten with the update).
     *
     * @param s0 first state array (Adam's m, Nesterov's v), indexed like θ; null for SGD
     * @param s1 second state array (Adam's v), indexed like θ; null otherwise
     */
    void apply(float[] theta, float[] g, float[] s0, float[] s1, int batch, int iteration, int epoch) {
        double lrD = config.hasLearningRate() ? config.getLearningRate(iteration, epoch) : 1.0;
        boolean decay = decayRanges.length > 0;
        float b = batch;
        switch (kind) {
            case ADAM -> {
                Adam a = (Adam) config;
                float lr = (float) lrD, beta1 = (float) a.getBeta1(), beta2 = (float) a.getBeta2(), eps = (float) a.getEpsilon();
                float it = iteration;
                float beta1T = (float) Math.pow(beta1, it + 1), beta2T = (float) Math.pow(beta2, it + 1);
                float epsT = (float) (lr * (float) Math.sqrt((float) (1. - beta2T)) / (1.0 - beta1T));
                if (Float.isNaN(epsT) || epsT == 0 || Float.isInfinite(epsT)) epsT = eps;
                float c1 = 1 - beta1, c2 = 1 - beta2;
                if (decay) adam(theta, g, s0, s1, from, to, b, beta1, beta2, c1, c2, epsT, eps);
                else adamStep(theta, g, s0, s1, from, to, b, beta1, beta2, c1, c2, epsT, eps);
            }
            case NESTEROVS -> {
                float lr = (float) lrD, mu = (float) ((Nesterovs) config).currentMomentum(iteration, epoch), muT = -mu - 1;
                for (int i = from; i < to; i++) {
                    float gi = g[i] / b, prev = mu * s0[i], v = prev - lr * gi;
                    s0[i] = v;
                    g[i] = prev + muT * v;
                }
                if (!decay) subtract(theta, g, from, to);
            }
            case SGD -> {
                float lr = (float) lrD;
                for (int i = from; i < to; i++) g[i] = g[i] / b * lr;
                if (!decay) subtract(theta, g, from, to);
            }
        }
        if (!decay) return;
        for (int r = 0; r < decayRanges.length; r++)
            for (int k = 0; k < decayCoefficients[r].length; k++) {
                float scale = (float) (decayCoefficients[r][k] * (decayApplyLr[r][k] ? lrD : 1.0));
                int lo = decayRanges[r][0], hi = decayRanges[r][1];
                for (int i = lo; i < hi; i++) g[i] = scale * theta[i] + g[i];
            }
        subtract(theta, g, from, to);
    }

    /** Adam without decay: the update goes straight into θ. */
    private static void adamStep(float[] theta, float[] g, float[] m, float[] v, int from, int to, float b, float beta1,
                                 float beta2, float c1, float c2, float epsT, float eps) {
        for (int i = from; i < to; i++) {
            float gi = g[i] / b;
            float mi = beta1 * m[i] + gi * c1;
            float vi = beta2 * v[i] + gi * gi * c2;
            m[i] = mi;
            v[i] = vi;
            theta[i] -= (mi * epsT) / ((float) Math.sqrt(vi) + eps);
        }
    }

    /** Adam writing the update into g (decay follows). */
    private static void adam(float[] theta, float[] g, float[] m, float[] v, int from, int to, float b, float beta1,
                             float beta2, float c1, float c2, float epsT, float eps) {
        for (int i = from; i < to; i++) {
            float gi = g[i] / b;
            float mi = beta1 * m[i] + gi * c1;
            float vi = beta2 * v[i] + gi * gi * c2;
            m[i] = mi;
            v[i] = vi;
            g[i] = (mi * epsT) / ((float) Math.sqrt(vi) + eps);
        }
    }

    private static void subtract(float[] theta, float[] u, int from, int to) {
        for (int i = from; i < to; i++) theta[i] -= u[i];
    }

    /** The WeightDecay score of the block's parameters: Σ coeff · ½‖θ‖² (DL4J's {@code WeightDecay.score}). */
    double decayScore(float[] theta) {
        double score = 0;
        for (int r = 0; r < decayRanges.length; r++) {
            double sq = 0;
            for (int i = decayRanges[r][0]; i < decayRanges[r][1]; i++) sq += (double) theta[i] * theta[i];
            for (double c : decayCoefficients[r]) score += c * 0.5 * sq;
        }
        return score;
    }
}
