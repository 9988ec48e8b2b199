package org.bitsearch.search.sampler;

import org.bitsearch.search.pareto.Pareto;
import org.bitsearch.search.rng.SplitMix64;
import org.bitsearch.search.space.BitAllocation;
import org.bitsearch.search.space.BitAllocationSpace;
import org.bitsearch.search.space.Dimension;
import org.bitsearch.search.space.Dimensions;
import org.bitsearch.search.space.FeasibleAllocations;
import org.bitsearch.search.space.SearchSpace;
import org.bitsearch.search.trainer.LayerSensitivity;
import org.bitsearch.search.trial.Candidate;
import org.bitsearch.search.trial.TrialRecord;
import org.bitsearch.search.trial.TrialState;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The sensitivity-guided sampler. From the trainer's per-layer, per-bit-width sensitivity table Ω_l(b) it solves
 * the knapsack "least predicted loss increase Σ_l Ω_l(b_l) under a size budget" exactly for every budget
 * ({@link SensitivityKnapsack#front}), and proposes, as trials 0 .. m−1, the optimal allocations of a ladder of
 * {@code budgets} budgets evenly spaced across the feasible sizes (smallest model to the least-loss one). After
 * the ladder it makes local moves around the current Pareto front of finished trials (final validation
 * accuracy up, size down): a front member, chosen uniformly, changes one layer's width by one allowed step:
 * half the time a guided step (the layer whose step up buys the most predicted loss per added bit, or whose
 * step down costs the least per saved bit, up or down at random), half the time a random layer and direction;
 * the result is repaired onto the feasible set. While no trial has finished, local moves start from the ladder.
 *
 * <p>With {@code activationBits} (the table measures weights only): a ladder candidate's activation allocation is
 * a uniform feasible draw; a local move keeps the parent's activation allocation, except that half the time one
 * free layer's activation width moves one allowed step up or down (then repaired).
 *
 * <p>A proposal is a pure function of (table, trial number, history, the trial's generator); the table is asked
 * from {@link SamplerConfig.Sensitivity#table()} once, at the first proposal. Not thread-safe.
 */
public final class SensitivitySampler implements Sampler {
    private final SearchSpace space;
    private final SamplerConfig.Sensitivity config;
    private final FeasibleAllocations allocations;
    private final FeasibleAllocations activations;
    private final RandomSampler random;
    private LayerSensitivity table;
    private List<SensitivityKnapsack.Solution> ladder;

    public SensitivitySampler(SearchSpace space, SamplerConfig.Sensitivity config) {
        this.space = space;
        this.config = config;
        this.allocations = new FeasibleAllocations(space.bits());
        this.activations = space.activationBits().map(FeasibleAllocations::new).orElse(null);
        this.random = new RandomSampler(space);
    }

    /** The ladder's allocations, computing the table and the knapsack front on first use. */
    public List<SensitivityKnapsack.Solution> ladder() {
        if (ladder == null) {
            table = config.table().get();
            if (table.layers() != space.bits().size())
                throw new IllegalStateException("the sensitivity table has " + table.layers() + " layers, but the model has " + space.bits().size());
            ladder = SensitivityKnapsack.ladder(SensitivityKnapsack.front(space.bits(), table), config.budgets());
        }
        return ladder;
    }

    @Override public Optional<Candidate> propose(ProposalContext ctx) {
        List<SensitivityKnapsack.Solution> ladder = ladder();
        SplitMix64 rng = ctx.rng();
        if (ctx.number() < ladder.size()) {
            Map<String, Object> params = randomParams(rng);
            Candidate c = new Candidate(params, ladder.get(ctx.number()).bits(), activations == null ? null : activations.sample(rng));
            if (!ctx.isDuplicate(c)) return Optional.of(c);
        }
        List<Candidate> parents = front(ctx.trials());
        if (parents.isEmpty()) for (SensitivityKnapsack.Solution s : ladder) {
            Map<String, Object> params = randomParams(rng);
            parents.add(new Candidate(params, s.bits(), activations == null ? null : activations.sample(rng)));
        }
        for (int attempt = 0; attempt < RandomSampler.TRIES; attempt++) {
            Candidate parent = parents.get(rng.nextInt(parents.size()));
            Map<String, Object> params = mutateParams(parent.params(), rng);
            BitAllocation bits = move(parent.bits(), rng);
            Candidate child = new Candidate(params, bits, activations == null ? null : moveActivations(parent, rng));
            if (!ctx.isDuplicate(child)) return Optional.of(child);
        }
        return random.propose(ctx);
    }

    private Map<String, Object> randomParams(SplitMix64 rng) {
        Map<String, Object> params = new LinkedHashMap<>();
        for (Dimension d : space.dimensions()) params.put(d.name(), Dimensions.sample(d, rng));
        return params;
    }

    private Map<String, Object> mutateParams(Map<String, Object> parent, SplitMix64 rng) {
        Map<String, Object> params = new LinkedHashMap<>();
        for (Dimension d : space.dimensions()) {
            Object v = parent.get(d.name());
            params.put(d.name(), v == null || rng.nextDouble() < config.mutationRate() ? Dimensions.sample(d, rng) : v);
        }
        return params;
    }

    /** The candidates of the non-dominated finished trials (rank 0 by final accuracy and size), in number order. */
    static List<Candidate> front(List<TrialRecord> trials) {
        List<TrialRecord> done = new ArrayList<>();
        for (TrialRecord t : trials)
            if ((t.state() == TrialState.COMPLETED || t.state() == TrialState.PRUNED) && !Double.isNaN(t.finalValAccuracy())) done.add(t);
        double[] acc = done.stream().mapToDouble(TrialRecord::finalValAccuracy).toArray();
        long[] size = done.stream().mapToLong(TrialRecord::sizeBits).toArray();
        int[] rank = Pareto.ranks(acc, size);
        List<Candidate> out = new ArrayList<>();
        for (int i = 0; i < done.size(); i++) if (rank[i] == 0) out.add(done.get(i).candidate());
        return out;
    }

    /** The parent's activation allocation, half the time with one free layer one allowed step up or down; repaired. */
    private BitAllocation moveActivations(Candidate parent, SplitMix64 rng) {
        BitAllocationSpace acts = space.activationBits().orElseThrow();
        List<Integer> widths = new ArrayList<>();
        for (int l = 0; l < acts.size(); l++) widths.add(parent.activationBitsAt(l));
        List<Integer> free = new ArrayList<>();
        for (int l = 0; l < acts.size(); l++) if (!acts.isPinned(l)) free.add(l);
        List<Integer> allowed = acts.allowedBits();
        if (!free.isEmpty() && allowed.size() > 1 && rng.nextDouble() < 0.5) {
            int layer = free.get(rng.nextInt(free.size()));
            int j = Math.max(0, allowed.indexOf(widths.get(layer)));
            int to = rng.nextDouble() < 0.5 ? j + 1 : j - 1;
            if (to < 0 || to >= allowed.size()) to = j + (j + 1 < allowed.size() ? 1 : -1);
            widths.set(layer, allowed.get(to));
        }
        return activations.repair(widths, rng);
    }

    /** One allowed step of one free layer (guided or random), repaired onto the feasible set. */
    BitAllocation move(BitAllocation parent, SplitMix64 rng) {
        BitAllocationSpace bits = space.bits();
        List<Integer> allowed = bits.allowedBits();
        List<Integer> free = new ArrayList<>();
        for (int l = 0; l < bits.size(); l++) if (!bits.isPinned(l)) free.add(l);
        List<Integer> widths = new ArrayList<>(parent.bits());
        if (free.isEmpty() || allowed.size() < 2) return allocations.repair(widths, rng);
        boolean up = rng.nextDouble() < 0.5;
        int layer = -1;
        if (rng.nextDouble() < 0.5) {
            double best = Double.NEGATIVE_INFINITY;
            for (int l : free) {
                int j = allowed.indexOf(widths.get(l));
                int to = up ? j + 1 : j - 1;
                if (j < 0 || to < 0 || to >= allowed.size()) continue;
                var q = bits.layers().get(l);
                double dCost = table.cost(l, allowed.get(to)) - table.cost(l, allowed.get(j));
                double dSize = Math.max(1, Math.abs(q.weightBits(allowed.get(to)) - q.weightBits(allowed.get(j))));
                double gain = -dCost / dSize; // up: loss saved per added bit; down: minus the loss added per saved bit
                if (gain > best) { best = gain; layer = l; }
            }
        }
        if (layer < 0) layer = free.get(rng.nextInt(free.size()));
        int j = Math.max(0, allowed.indexOf(widths.get(layer)));
        int to = up ? j + 1 : j - 1;
        if (to < 0 || to >= allowed.size()) to = up ? j - 1 : j + 1;
        widths.set(layer, allowed.get(Math.max(0, Math.min(allowed.size() - 1, to))));
        return allocations.repair(widths, rng);
    }
}
