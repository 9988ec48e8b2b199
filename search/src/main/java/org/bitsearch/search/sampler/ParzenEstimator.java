package org.bitsearch.search.sampler;

import org.bitsearch.search.rng.SplitMix64;

import java.util.Arrays;

/**
 * A one-dimensional Parzen estimator on [0, 1] as in TPE (Bergstra, Bardenet, Bengio and Kégl, "Algorithms for
 * hyper-parameter optimization", NeurIPS 2011, §4): an equally weighted mixture of a prior (a normal at 0.5 with
 * σ = 1) and one normal per observation, each truncated to [0, 1]; an observation's σ is the larger distance to
 * its left and right neighbours (the interval ends count as neighbours), clipped to [1 / min(100, n + 1), 1].
 */
final class ParzenEstimator {
    private final double[] mu;
    private final double[] sigma;
    private final double[] mass; // probability mass of each normal inside [0, 1]

    ParzenEstimator(double[] observations) {
        double[] obs = observations.clone();
        Arrays.sort(obs);
        int n = obs.length;
        mu = new double[n + 1];
        sigma = new double[n + 1];
        mass = new double[n + 1];
        double minSigma = 1.0 / Math.min(100, n + 1);
        for (int i = 0; i < n; i++) {
            double left = obs[i] - (i == 0 ? 0 : obs[i - 1]);
            double right = (i == n - 1 ? 1 : obs[i + 1]) - obs[i];
            mu[i] = obs[i];
            sigma[i] = Math.max(minSigma, Math.min(1, Math.max(left, right)));
        }
        mu[n] = 0.5;
        sigma[n] = 1;
        for (int i = 0; i <= n; i++) mass[i] = phi((1 - mu[i]) / sigma[i]) - phi((0 - mu[i]) / sigma[i]);
    }

    /** A draw: a uniformly chosen component, then its truncated normal (rejection, then clamping). */
    double sample(SplitMix64 rng) {
        int k = rng.nextInt(mu.length);
        for (int attempt = 0; attempt < 64; attempt++) {
            double x = mu[k] + sigma[k] * rng.nextGaussian();
            if (x >= 0 && x <= 1) return x;
        }
        return Math.max(0, Math.min(1, mu[k]));
    }

    /** Log density at {@code x} in [0, 1]. */
    double logDensity(double x) {
        double sum = 0;
        for (int i = 0; i < mu.length; i++) {
            double z = (x - mu[i]) / sigma[i];
            sum += StrictMath.exp(-0.5 * z * z) / (sigma[i] * StrictMath.sqrt(2 * StrictMath.PI) * mass[i]);
        }
        return StrictMath.log(sum / mu.length);
    }

    /** Standard normal CDF via erfc (Numerical Recipes' Chebyshev fit, |error| < 1.2e-7). */
    static double phi(double z) { return 0.5 * erfc(-z / StrictMath.sqrt(2)); }

    private static double erfc(double x) {
        double z = Math.abs(x);
        double t = 1 / (1 + 0.5 * z);
        double r = t * StrictMath.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? r : 2 - r;
    }
}
