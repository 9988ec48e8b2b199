package org.bitsearch.search.sampler;

/** Which sampler proposes candidates, with its settings. All samplers are seeded by (search seed, trial number). */
public sealed interface SamplerConfig {
    /** Independent uniform draws from the space. */
    record Random() implements SamplerConfig {}

    /** Exhaustive enumeration in a stable order; float ranges are cut into {@code pointsPerFloat} points. */
    record Grid(int pointsPerFloat) implements SamplerConfig {
        public Grid {
            if (pointsPerFloat < 1) throw new IllegalArgumentException("sampler.pointsPerFloat is " + pointsPerFloat + ", but must be >= 1");
        }
    }

    /** Tree-structured Parzen estimator for one objective (validation accuracy); random for the first {@code startupTrials}. */
    record Tpe(int startupTrials, int candidates, double gamma) implements SamplerConfig {
        public Tpe {
            if (startupTrials < 1) throw new IllegalArgumentException("sampler.startupTrials is " + startupTrials + ", but must be >= 1");
            if (candidates < 1) throw new IllegalArgumentException("sampler.candidates is " + candidates + ", but must be >= 1");
            if (!(gamma > 0 && gamma < 1)) throw new IllegalArgumentException("sampler.gamma is " + gamma + ", but must be in (0, 1)");
        }
    }

    /** NSGA-II over (accuracy up, size down): generations of {@code populationSize} candidates. */
    record Nsga2(int populationSize, double mutationRate, double crossoverRate) implements SamplerConfig {
        public Nsga2 {
            if (populationSize < 2) throw new IllegalArgumentException("sampler.populationSize is " + populationSize + ", but must be >= 2");
            if (!(mutationRate >= 0 && mutationRate <= 1)) throw new IllegalArgumentException("sampler.mutationRate is " + mutationRate + ", but must be in [0, 1]");
            if (!(crossoverRate >= 0 && crossoverRate <= 1)) throw new IllegalArgumentException("sampler.crossoverRate is " + crossoverRate + ", but must be in [0, 1]");
        }
    }
}
