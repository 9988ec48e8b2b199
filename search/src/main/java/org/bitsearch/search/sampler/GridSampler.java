package org.bitsearch.search.sampler;

import org.bitsearch.search.space.BitAllocation;
import org.bitsearch.search.space.Dimension;
import org.bitsearch.search.space.Dimensions;
import org.bitsearch.search.space.FeasibleAllocations;
import org.bitsearch.search.space.SearchSpace;
import org.bitsearch.search.trial.Candidate;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Exhaustive enumeration in a stable order: trial t gets grid point t. The grid is the product of every
 * dimension's {@link Dimensions#grid grid values}, every feasible bit allocation (lexicographic) and, with
 * {@code activationBits}, every feasible activation allocation; the last dimension varies fastest, then the
 * activation allocation, and the weight allocation slowest. Once all points are proposed the sampler has nothing
 * more ({@link #size()}), and the engine ends the search's budget there.
 */
public final class GridSampler implements Sampler {
    /** The most bit allocations (and grid points) a grid may have. */
    public static final int LIMIT = 1_000_000;
    private final SearchSpace space;
    private final List<List<Object>> values = new ArrayList<>();
    private final List<BitAllocation> allocations;
    /** The activation allocations, or a list holding only null when activations stay FP32. */
    private final List<BitAllocation> activations;
    private final long size;

    public GridSampler(SearchSpace space, int pointsPerFloat) {
        this.space = space;
        long n = 1;
        for (Dimension d : space.dimensions()) {
            List<Object> v = Dimensions.grid(d, pointsPerFloat);
            values.add(v);
            n = multiply(n, v.size());
        }
        this.allocations = new FeasibleAllocations(space.bits()).enumerate(LIMIT);
        this.activations = space.activationBits().isPresent()
                ? new FeasibleAllocations(space.activationBits().get()).enumerate(LIMIT) : java.util.Collections.singletonList(null);
        this.size = multiply(multiply(n, allocations.size()), activations.size());
    }

    private static long multiply(long a, long b) {
        long p = a * b;
        if (p > LIMIT || p < 0)
            throw new IllegalArgumentException("the grid has more than " + LIMIT + " points, but a grid sampler needs at most "
                    + LIMIT + ": lower sampler.pointsPerFloat, narrow the space, or use the random, TPE or NSGA-II sampler");
        return p;
    }

    @Override public OptionalLong size() { return OptionalLong.of(size); }

    @Override public Optional<Candidate> propose(ProposalContext ctx) {
        long index = ctx.number();
        if (index >= size) return Optional.empty();
        Map<String, Object> params = new LinkedHashMap<>();
        Object[] chosen = new Object[values.size()];
        for (int d = values.size() - 1; d >= 0; d--) {
            List<Object> v = values.get(d);
            chosen[d] = v.get((int) (index % v.size()));
            index /= v.size();
        }
        for (int d = 0; d < values.size(); d++) params.put(space.dimensions().get(d).name(), chosen[d]);
        BitAllocation acts = activations.get((int) (index % activations.size()));
        index /= activations.size();
        return Optional.of(new Candidate(params, allocations.get((int) index), acts));
    }
}
