package org.bitsearch.search.sampler;

import org.bitsearch.search.engine.SearchEngine;
import org.bitsearch.search.engine.SearchSettings;
import org.bitsearch.search.pruner.PrunerConfig;
import org.bitsearch.search.space.BitAllocationSpace;
import org.bitsearch.search.space.DepthPrior;
import org.bitsearch.search.space.Dimension;
import org.bitsearch.search.space.QuantLayer;
import org.bitsearch.search.space.SearchSpace;
import org.bitsearch.search.trial.Candidate;
import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.search.trial.TrialState;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue 15 item 3 (Chu et al. 2019's soft prior, {@code bits.depthPrior}) seen through the samplers the issue names:
 * random sampling, NSGA-II's initial population and TPE's start-up draws all propose bit-widths with the per-layer
 * frequencies of {@link DepthPrior#probabilities} (fewer bits deeper), and with ρ = 0 uniformly. Checked on the
 * proposals the search engine hands out, so a sampler that stops drawing its first candidates from the prior fails
 * here even where {@code FeasibleAllocations} itself is unchanged ({@code DepthPriorTest} checks the draw, and
 * {@code TpeDepthPriorTest} TPE's prior weight after the start-up trials).
 */
class DepthPriorSamplersTest {
    static final int TRIALS = 1500;
    static final List<Integer> ALLOWED = List.of(1, 2, 4, 8);

    static SearchSpace space(double rho) {
        List<QuantLayer> layers = new ArrayList<>();
        for (int i = 0; i < 4; i++) layers.add(new QuantLayer(i, "l" + i, 100, 0));
        return new SearchSpace(List.of(new Dimension.LogFloatRange("lr", 1e-4, 1e-1)),
                new BitAllocationSpace(layers, ALLOWED, false, OptionalInt.empty(), OptionalInt.empty(), Optional.empty(), rho));
    }

    /** Every trial lies in the sampler's prior-driven phase: NSGA-II's generation 0, TPE's start-up trials. */
    static Stream<SamplerConfig> samplers() {
        return Stream.of(new SamplerConfig.Random(), new SamplerConfig.Nsga2(TRIALS, 0.2, 0.9),
                new SamplerConfig.Tpe(TRIALS, 24, 0.25));
    }

    /** counts[l][j]: how often layer l was proposed ALLOWED[j] bits in TRIALS sequential trials. */
    static int[][] counts(SamplerConfig sampler, double rho, long seed) {
        SearchEngine e = new SearchEngine(SearchSettings.of(space(rho), sampler, new PrunerConfig.None(), seed, TRIALS, 1, 1));
        int[][] counts = new int[4][ALLOWED.size()];
        for (int i = 0; i < TRIALS; i++) {
            Candidate c = e.ask().orElseThrow().candidate();
            for (int l = 0; l < 4; l++) counts[l][ALLOWED.indexOf(c.bits().get(l))]++;
            // an accuracy that rewards more bits, so nothing but the prior pulls the proposals towards fewer bits
            double acc = c.bits().bits().stream().mapToDouble(b -> Math.log(b) / Math.log(8)).average().orElse(0);
            e.report(i, new EpochMetrics(1, 0.5 + 0.4 * acc, 1, 1, 0, 0));
            e.finish(i, TrialState.COMPLETED);
        }
        return counts;
    }

    @ParameterizedTest @MethodSource("samplers")
    void proposalsFollowTheDepthPriorPerLayer(SamplerConfig sampler) {
        BitAllocationSpace bits = space(1.0).bits();
        int[][] counts = counts(sampler, 1.0, 11);
        double[] meanBits = new double[4];
        for (int l = 0; l < 4; l++) {
            double[] p = DepthPrior.probabilities(bits, l);
            for (int j = 0; j < ALLOWED.size(); j++) {
                double f = counts[l][j] / (double) TRIALS;
                // binomial standard deviation at n = 1500 is at most 0.013; 0.045 is about 3.5 of them
                assertEquals(p[j], f, 0.045, sampler + ": layer " + l + " " + ALLOWED.get(j) + " bits, " + Arrays.toString(counts[l]));
                meanBits[l] += f * ALLOWED.get(j);
            }
        }
        for (int l = 1; l < 4; l++)
            assertTrue(meanBits[l] < meanBits[l - 1], sampler + ": mean bits must fall with depth, " + Arrays.toString(meanBits));
        assertTrue(counts[3][3] / (double) TRIALS < 0.06, sampler + ": the last layer rarely takes 8 bits at rho 1, " + Arrays.toString(counts[3]));
    }

    @ParameterizedTest @MethodSource("samplers")
    void withoutThePriorEveryLayerIsUniform(SamplerConfig sampler) {
        int[][] counts = counts(sampler, 0.0, 11);
        for (int l = 0; l < 4; l++)
            for (int j = 0; j < ALLOWED.size(); j++)
                assertEquals(0.25, counts[l][j] / (double) TRIALS, 0.045, sampler + ": layer " + l + ", " + Arrays.toString(counts[l]));
    }
}
