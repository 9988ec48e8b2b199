package org.bitsearch.search.sampler;

import org.bitsearch.search.pareto.Pareto;
import org.bitsearch.search.rng.SplitMix64;
import org.bitsearch.search.space.BitAllocationSpace;
import org.bitsearch.search.space.Dimension;
import org.bitsearch.search.space.Dimensions;
import org.bitsearch.search.space.FeasibleAllocations;
import org.bitsearch.search.space.SearchSpace;
import org.bitsearch.search.trial.Candidate;
import org.bitsearch.search.trial.TrialRecord;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * NSGA-II (Deb, Pratap, Agarwal and Meyarivan, "A fast and elitist multiobjective genetic algorithm: NSGA-II",
 * IEEE TEVC 2002) over (final validation accuracy up, model size down; {@link TrialRecord#finalValAccuracy()},
 * the same accuracy the engine's Pareto front uses), hyperparameters and bit allocations
 * (and, with {@code activationBits}, activation bit allocations: one more gene per layer, crossed, mutated and
 * repaired like the weight bits) together, written for the asynchronous ask/tell setting:
 * <ul>
 *   <li>Trial t belongs to generation ⌊t / N⌋ (N = populationSize). Generation 0 is a space-filling design
 *   ({@link SpaceFillingDesign}, from the search's design seed {@link ProposalContext#designSeed()}): per layer each
 *   allowed bit-width equally often (following the depth prior's marginal when {@code bits.depthPrior} > 0), each
 *   numeric hyperparameter one draw per 1/N stratum, each column shuffled on its own, every row feasible (pins,
 *   non-increasing widths, the size budget by repair). Trial t of generation 0 is row t, so the generation is the
 *   same whichever trials ask first or after a resume; a row equal to an earlier candidate (a space too small for
 *   N distinct rows) is replaced by a random draw from the trial's generator. Independent uniform draws, as
 *   before, can leave a width of a layer out of the whole first generation, and with it the region of the front
 *   that needs it: NSGA-II's parents are then drawn from the rest.</li>
 *   <li>A trial of generation g >= 1 is proposed only once every trial of generations &lt; g has finished;
 *   until then {@link #propose} returns empty (the engine's {@code ask()} waits). So the parents of a generation
 *   are fixed by the history alone, however the trials interleaved in time.</li>
 *   <li>Parents (the elitist (μ+λ) step, §III-C): among the finished trials of generations &lt; g that have an
 *   accuracy (COMPLETED or PRUNED), the best N by non-dominated rank, then crowding distance. Ranks are computed
 *   in the tiers of {@link Observed}: first the COMPLETED trials (final accuracy), then the PRUNED ones grouped by
 *   how many epochs they trained, more first, each group sorted on its own (accuracies after the same training
 *   compare) and ranked after every earlier group. A trial stopped at an early rung has an early epoch's
 *   accuracy, which is not its final one; ranked with the completed trials it would dominate them by luck of
 *   the learning curve, so it is a parent only when fewer than N trials completed.</li>
 *   <li>A child: two binary tournaments by (rank, crowding distance, trial number) pick the parents; with
 *   probability crossoverRate uniform crossover (each gene from either parent), else a copy of the first; each
 *   gene mutates with probability mutationRate (categorical and bit-width genes redraw a choice, numeric genes
 *   move by a normal step of σ = 0.1 in the unit encoding); the bit allocation is then repaired to feasibility
 *   ({@link FeasibleAllocations#repair}). A child equal to an earlier candidate is bred again (with at least one
 *   mutation) up to 64 times, then a random candidate is drawn.</li>
 * </ul>
 * If no finished trial has an accuracy (all failed), children are random. The parent pool of a generation is
 * computed once and cached: O(n log n) per generation, O(N) per proposal.
 */
public final class Nsga2Sampler implements Sampler {
    private static final double STEP = 0.1;
    private final SearchSpace space;
    private final SamplerConfig.Nsga2 config;
    private final FeasibleAllocations allocations;
    private final FeasibleAllocations activations;
    private final RandomSampler random;
    private int cachedGeneration = -1;
    private int finishedPrefix; // trials 0 .. finishedPrefix-1 are all finished (finished states never change)
    private List<Parent> cachedPool = List.of();
    private List<Candidate> design;   // generation 0, made on its first proposal
    private long designSeed;

    record Parent(TrialRecord trial, int rank, double crowding) {}

    public Nsga2Sampler(SearchSpace space, SamplerConfig.Nsga2 config) {
        this.space = space;
        this.config = config;
        this.allocations = new FeasibleAllocations(space.bits());
        this.activations = space.activationBits().map(FeasibleAllocations::new).orElse(null);
        this.random = new RandomSampler(space);
    }

    @Override public Optional<Candidate> propose(ProposalContext ctx) {
        int n = config.populationSize();
        int generation = ctx.number() / n;
        if (generation == 0) return Optional.of(firstGeneration(ctx));
        int previous = generation * n;
        while (finishedPrefix < ctx.trials().size() && ctx.trials().get(finishedPrefix).state().isFinished()) finishedPrefix++;
        if (finishedPrefix < previous) return Optional.empty();
        List<Parent> pool = pool(generation, ctx.trials());
        if (pool.isEmpty()) return random.propose(ctx);
        SplitMix64 rng = ctx.rng();
        for (int attempt = 0; attempt < RandomSampler.TRIES; attempt++) {
            Candidate child = breed(pool, rng, attempt > 0);
            if (!ctx.isDuplicate(child)) return Optional.of(child);
        }
        return random.propose(ctx);
    }

    /** Row {@code ctx.number()} of the first generation's design, or a random draw if it was proposed before. */
    private Candidate firstGeneration(ProposalContext ctx) {
        if (design == null || designSeed != ctx.designSeed()) {
            design = SpaceFillingDesign.of(space, config.populationSize(), ctx.designSeed());
            designSeed = ctx.designSeed();
        }
        Candidate row = design.get(ctx.number());
        return ctx.isDuplicate(row) ? random.propose(ctx).orElseThrow() : row;
    }

    private List<Parent> pool(int generation, List<TrialRecord> trials) {
        if (generation == cachedGeneration) return cachedPool;
        cachedPool = parents(trials.subList(0, generation * config.populationSize()), config.populationSize());
        cachedGeneration = generation;
        return cachedPool;
    }

    /**
     * The best {@code n} observations of {@code trials} in NSGA-II order, ranked tier by tier ({@link Observed}):
     * within a tier by non-dominated rank of (accuracy, size), offset by the ranks of the tiers before, then by
     * crowding distance and trial number.
     */
    static List<Parent> parents(List<TrialRecord> trials, int n) {
        List<TrialRecord> observed = trials.stream().filter(Observed::isObservation)
                .sorted(Comparator.comparingInt(Observed::tier).thenComparingInt(TrialRecord::number)).toList();
        List<Parent> pool = new ArrayList<>();
        int offset = 0;
        for (int from = 0; from < observed.size() && pool.size() < n; ) {
            int tier = Observed.tier(observed.get(from));
            int to = from;
            while (to < observed.size() && Observed.tier(observed.get(to)) == tier) to++;
            List<TrialRecord> group = observed.subList(from, to);
            double[] acc = group.stream().mapToDouble(TrialRecord::finalValAccuracy).toArray();
            long[] size = group.stream().mapToLong(TrialRecord::sizeBits).toArray();
            long[] number = group.stream().mapToLong(TrialRecord::number).toArray();
            int[] rank = Pareto.ranks(acc, size);
            double[] crowding = Pareto.crowding(acc, size, rank);
            Integer[] order = Pareto.order(acc, size, number);
            for (int i = 0; i < order.length && pool.size() < n; i++)
                pool.add(new Parent(group.get(order[i]), offset + rank[order[i]], crowding[order[i]]));
            offset += Arrays.stream(rank).max().orElse(-1) + 1;
            from = to;
        }
        return List.copyOf(pool);
    }

    private Parent tournament(List<Parent> pool, SplitMix64 rng) {
        Parent a = pool.get(rng.nextInt(pool.size()));
        Parent b = pool.get(rng.nextInt(pool.size()));
        if (a.rank != b.rank) return a.rank < b.rank ? a : b;
        if (a.crowding != b.crowding) return a.crowding > b.crowding ? a : b;
        return a.trial.number() <= b.trial.number() ? a : b;
    }

    private Candidate breed(List<Parent> pool, SplitMix64 rng, boolean forceMutation) {
        Candidate a = tournament(pool, rng).trial.candidate();
        Candidate b = tournament(pool, rng).trial.candidate();
        boolean cross = rng.nextBoolean(config.crossoverRate());
        int genes = space.dimensions().size() + space.bits().size() + space.activationBits().map(BitAllocationSpace::size).orElse(0);
        int forced = forceMutation ? rng.nextInt(genes) : -1;
        Map<String, Object> params = new LinkedHashMap<>();
        int gene = 0;
        for (Dimension d : space.dimensions()) {
            Object v = (cross && rng.nextBoolean(0.5) ? b : a).params().get(d.name());
            if (v == null || !d.contains(v)) v = Dimensions.sample(d, rng); // a parent from an older space
            if (gene == forced || rng.nextBoolean(config.mutationRate())) v = mutate(d, v, rng);
            params.put(d.name(), v);
            gene++;
        }
        BitAllocationSpace bits = space.bits();
        List<Integer> widths = new ArrayList<>();
        for (int l = 0; l < bits.size(); l++) {
            int w = (cross && rng.nextBoolean(0.5) ? b : a).bits().get(l);
            if (gene == forced || rng.nextBoolean(config.mutationRate())) {
                List<Integer> choices = bits.choicesAt(l);
                w = choices.get(rng.nextInt(choices.size()));
            }
            widths.add(w);
            gene++;
        }
        var weightBits = allocations.repair(widths, rng);
        if (activations == null) return new Candidate(params, weightBits);
        BitAllocationSpace acts = space.activationBits().get();
        List<Integer> aw = new ArrayList<>();
        for (int l = 0; l < acts.size(); l++) {
            Candidate from = cross && rng.nextBoolean(0.5) ? b : a;
            int w = from.activationBits().isPresent() ? from.activationBits().get().get(l) : acts.choicesAt(l).get(acts.choicesAt(l).size() - 1);
            if (gene == forced || rng.nextBoolean(config.mutationRate())) {
                List<Integer> choices = acts.choicesAt(l);
                w = choices.get(rng.nextInt(choices.size()));
            }
            aw.add(w);
            gene++;
        }
        return new Candidate(params, weightBits, activations.repair(aw, rng));
    }

    private static Object mutate(Dimension d, Object v, SplitMix64 rng) {
        if (!Dimensions.isNumeric(d)) return Dimensions.sample(d, rng);
        double u = Dimensions.toUnit(d, v) + STEP * rng.nextGaussian();
        return Dimensions.fromUnit(d, u);
    }
}
