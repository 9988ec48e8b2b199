package org.bitsearch.search.sampler;

import org.bitsearch.search.rng.SplitMix64;

import java.util.List;

/**
 * TPE's estimator for a categorical dimension (Bergstra et al. 2011): the observed frequency of each choice
 * plus a prior count of 1 per choice, or, with {@code prior} probabilities, a prior count of k · prior[i] (the
 * same total prior weight k, spread by the prior: how {@code bits.depthPrior} enters TPE).
 */
final class CategoricalEstimator {
    private final List<?> choices;
    private final double[] weight;
    private final double total;

    CategoricalEstimator(List<?> choices, List<?> observations) {
        this(choices, observations, null);
    }

    /** @param prior probabilities of the choices (summing to 1), or null for the uniform prior count of 1 each */
    CategoricalEstimator(List<?> choices, List<?> observations, double[] prior) {
        this.choices = choices;
        this.weight = new double[choices.size()];
        double t = 0;
        for (int i = 0; i < weight.length; i++) {
            weight[i] = prior == null ? 1 : weight.length * prior[i];
            t += weight[i];
        }
        for (Object o : observations) {
            int i = choices.indexOf(o);
            if (i >= 0) { weight[i] += 1; t += 1; }
        }
        this.total = t;
    }

    Object sample(SplitMix64 rng) {
        double u = rng.nextDouble() * total;
        for (int i = 0; i < weight.length; i++) {
            if (u < weight[i]) return choices.get(i);
            u -= weight[i];
        }
        return choices.get(choices.size() - 1);
    }

    double logProbability(Object value) {
        int i = choices.indexOf(value);
        return i < 0 ? Double.NEGATIVE_INFINITY : StrictMath.log(weight[i] / total);
    }
}
