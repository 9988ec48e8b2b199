package org.bitsearch.search.pruner;

/** Which pruner judges epoch reports, with its settings. */
public sealed interface PrunerConfig {
    /** Never stops a trial early. */
    record None() implements PrunerConfig {}

    /**
     * Median stopping: after {@code warmupEpochs}, stop a trial whose best accuracy so far is below the median of
     * other trials' accuracies at the same epoch, once at least {@code minTrials} have reported it.
     */
    record Median(int warmupEpochs, int minTrials) implements PrunerConfig {
        public Median {
            if (warmupEpochs < 0) throw new IllegalArgumentException("pruner.warmupEpochs is " + warmupEpochs + ", but must be >= 0");
            if (minTrials < 1) throw new IllegalArgumentException("pruner.minTrials is " + minTrials + ", but must be >= 1");
        }
    }

    /**
     * ASHA (Li et al., 2020): rungs at epochs r·η^(k+s); a trial continues past rung k only if it is in the
     * top 1/η of the results recorded at that rung. {@code paretoAware} ranks by non-dominated rank of
     * (accuracy at the rung, model size), ties broken by crowding distance, instead of by accuracy alone.
     *
     * @param minResource          r, epochs before the first rung (>= 1)
     * @param maxResource          R, the most epochs a trial trains (>= r)
     * @param reductionFactor      η (>= 2)
     * @param earlyStoppingRate    s (>= 0)
     * @param paretoAware          rank by (accuracy, size) Pareto rank instead of accuracy
     * @param keepFront            Pareto-ASHA only: a trial on its rung's first non-dominated front continues even
     *                             outside the top ⌊n/η⌋ ({@link ParetoAshaPruner})
     */
    record Asha(int minResource, int maxResource, int reductionFactor, int earlyStoppingRate, boolean paretoAware,
                boolean keepFront) implements PrunerConfig {
        /** Without {@code keepFront}: the quota alone decides. */
        public Asha(int minResource, int maxResource, int reductionFactor, int earlyStoppingRate, boolean paretoAware) {
            this(minResource, maxResource, reductionFactor, earlyStoppingRate, paretoAware, false);
        }

        public Asha {
            if (keepFront && !paretoAware)
                throw new IllegalArgumentException("pruner.keepFront is true, but applies only to pareto-asha (paretoAware)");
            if (minResource < 1) throw new IllegalArgumentException("pruner.minResource is " + minResource + ", but must be >= 1");
            if (maxResource < minResource) throw new IllegalArgumentException("pruner.maxResource is " + maxResource + ", but must be >= minResource (" + minResource + ")");
            if (reductionFactor < 2) throw new IllegalArgumentException("pruner.reductionFactor is " + reductionFactor + ", but must be >= 2");
            if (earlyStoppingRate < 0) throw new IllegalArgumentException("pruner.earlyStoppingRate is " + earlyStoppingRate + ", but must be >= 0");
        }
    }
}
