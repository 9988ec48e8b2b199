package org.bitsearch.search.sampler;

import org.bitsearch.search.space.BitAllocation;
import org.bitsearch.search.space.BitAllocationSpace;
import org.bitsearch.search.space.Dimension;
import org.bitsearch.search.space.Dimensions;
import org.bitsearch.search.space.FeasibleAllocations;
import org.bitsearch.search.space.SearchSpace;
import org.bitsearch.search.trial.Candidate;
import org.bitsearch.search.trial.TrialRecord;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The tree-structured Parzen estimator for one objective, maximising validation accuracy (Bergstra, Bardenet,
 * Bengio and Kégl, "Algorithms for hyper-parameter optimization", NeurIPS 2011). Observations are the finished
 * trials (COMPLETED or PRUNED) with a validation accuracy y ({@link TrialRecord#finalValAccuracy()}, the accuracy
 * of the weights the trial ended with), ordered as {@link Observed} says: completed trials by y first, then
 * pruned trials, those stopped later first (a pruned trial's y is from an early epoch and does not compare with a
 * completed trial's; Optuna's TPE orders them the same way). The ordered list is split at the γ-quantile: the best
 * ⌈γ·n⌉ form the "good" set that defines l(x), the rest g(x). Each dimension gets an independent estimator
 * (numeric ones in the unit encoding of {@link Dimensions}, categorical ones and every layer's bit-width as
 * categoricals; with {@code activationBits} every layer's activation bit-width too). {@code candidates} draws from l(x) are scored by Σ log l(x_d) − log g(x_d) (proportional to
 * expected improvement, §4.1) and the best new one is proposed. Drawn bit allocations are repaired to
 * feasibility (pins, non-increasing, budget; activation allocations likewise) before scoring, so constraints always hold. Until
 * {@code startupTrials} observations exist, proposals are uniform ({@link RandomSampler}). Unfinished trials are
 * ignored. Each estimator uses at most {@link #MAX_COMPONENTS} observations (evenly spaced by rank), so a proposal
 * costs O(candidates · dimensions · MAX_COMPONENTS) plus O(n) bookkeeping.
 */
public final class TpeSampler implements Sampler {
    private final SearchSpace space;
    private final SamplerConfig.Tpe config;
    private final FeasibleAllocations allocations;
    private final FeasibleAllocations activations;
    private final RandomSampler random;
    private final Observations observations = new Observations();

    /**
     * The most observations one estimator uses; a larger good or bad set is thinned to evenly spaced ranks, which
     * keeps a proposal at O(candidates · dimensions · MAX_COMPONENTS) in searches of thousands of trials.
     */
    public static final int MAX_COMPONENTS = 128;

    public TpeSampler(SearchSpace space, SamplerConfig.Tpe config) {
        this.space = space;
        this.config = config;
        this.allocations = new FeasibleAllocations(space.bits());
        this.activations = space.activationBits().map(FeasibleAllocations::new).orElse(null);
        this.random = new RandomSampler(space);
    }

    @Override public Optional<Candidate> propose(ProposalContext ctx) {
        List<TrialRecord> observed = observations.update(ctx.trials());
        if (observed.size() < config.startupTrials()) return random.propose(ctx);
        int nGood = Math.min(observed.size(), Math.max(1, (int) Math.ceil(config.gamma() * observed.size())));
        Model good = new Model(stride(observed.subList(0, nGood)));
        Model bad = new Model(stride(observed.subList(nGood, observed.size())));

        Candidate best = null;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < config.candidates(); i++) {
            Candidate c = good.sample(ctx);
            if (ctx.isDuplicate(c)) continue;
            double score = good.logDensity(c) - bad.logDensity(c);
            if (best == null || score > bestScore) {
                best = c;
                bestScore = score;
            }
        }
        return best != null ? Optional.of(best) : random.propose(ctx);
    }

    /** At most {@link #MAX_COMPONENTS} evenly spaced trials of a set sorted by accuracy (all if it is smaller). */
    private static List<TrialRecord> stride(List<TrialRecord> sorted) {
        if (sorted.size() <= MAX_COMPONENTS) return sorted;
        List<TrialRecord> out = new ArrayList<>(MAX_COMPONENTS);
        for (int i = 0; i < MAX_COMPONENTS; i++) out.add(sorted.get((int) ((long) i * sorted.size() / MAX_COMPONENTS)));
        return out;
    }

    /**
     * The finished trials with an accuracy, sorted by {@link Observed#ORDER}, kept up to date incrementally:
     * trials never seen are looked at once, unfinished ones again at each proposal until they finish. The result
     * is the same as a full scan of the history (a function of the history alone).
     */
    private static final class Observations {
        private final List<TrialRecord> sorted = new ArrayList<>();
        private final TreeSet<Integer> pending = new TreeSet<>();
        private int seen;
        private static final Comparator<TrialRecord> ORDER = Observed.ORDER;

        List<TrialRecord> update(List<TrialRecord> trials) {
            for (; seen < trials.size(); seen++) pending.add(seen);
            for (Iterator<Integer> it = pending.iterator(); it.hasNext(); ) {
                TrialRecord t = trials.get(it.next());
                if (!t.state().isFinished()) continue;
                it.remove();
                if (Observed.isObservation(t)) {
                    int at = Collections.binarySearch(sorted, t, ORDER);
                    sorted.add(at < 0 ? -at - 1 : at, t);
                }
            }
            return sorted;
        }
    }

    /** Independent per-dimension estimators over one set of observations. */
    private final class Model {
        private final List<Object> estimators = new ArrayList<>();      // per hyperparameter dimension
        private final List<CategoricalEstimator> layerBits = new ArrayList<>();
        private final List<CategoricalEstimator> layerActivationBits = new ArrayList<>();

        Model(List<TrialRecord> trials) {
            for (Dimension d : space.dimensions()) {
                if (Dimensions.isNumeric(d)) {
                    double[] xs = trials.stream().filter(t -> t.candidate().params().containsKey(d.name()))
                            .mapToDouble(t -> Dimensions.toUnit(d, t.candidate().params().get(d.name()))).toArray();
                    estimators.add(new ParzenEstimator(xs));
                } else {
                    List<Object> obs = trials.stream().map(t -> t.candidate().params().get(d.name())).toList();
                    estimators.add(new CategoricalEstimator(((Dimension.Categorical) d).choices(), obs));
                }
            }
            BitAllocationSpace bits = space.bits();
            for (int l = 0; l < bits.size(); l++) {
                int layer = l;
                List<Object> obs = trials.stream().filter(t -> t.candidate().bits().layers() == bits.size())
                        .map(t -> (Object) t.candidate().bits().get(layer)).toList();
                layerBits.add(new CategoricalEstimator(bits.choicesAt(l), obs,
                        bits.depthPrior() == 0 ? null : org.bitsearch.search.space.DepthPrior.probabilities(bits, l)));
            }
            if (space.activationBits().isPresent()) {
                BitAllocationSpace acts = space.activationBits().get();
                for (int l = 0; l < acts.size(); l++) {
                    int layer = l;
                    List<Object> obs = trials.stream().filter(t -> t.candidate().activationBits().isPresent())
                            .map(t -> (Object) t.candidate().activationBits().get().get(layer)).toList();
                    layerActivationBits.add(new CategoricalEstimator(acts.choicesAt(l), obs,
                            acts.depthPrior() == 0 ? null : org.bitsearch.search.space.DepthPrior.probabilities(acts, l)));
                }
            }
        }

        Candidate sample(ProposalContext ctx) {
            Map<String, Object> params = new LinkedHashMap<>();
            for (int i = 0; i < space.dimensions().size(); i++) {
                Dimension d = space.dimensions().get(i);
                Object e = estimators.get(i);
                params.put(d.name(), e instanceof ParzenEstimator p ? Dimensions.fromUnit(d, p.sample(ctx.rng()))
                        : ((CategoricalEstimator) e).sample(ctx.rng()));
            }
            List<Integer> bits = new ArrayList<>();
            for (CategoricalEstimator e : layerBits) bits.add((Integer) e.sample(ctx.rng()));
            BitAllocation repaired = allocations.repair(bits, ctx.rng());
            if (activations == null) return new Candidate(params, repaired);
            List<Integer> acts = new ArrayList<>();
            for (CategoricalEstimator e : layerActivationBits) acts.add((Integer) e.sample(ctx.rng()));
            return new Candidate(params, repaired, activations.repair(acts, ctx.rng()));
        }

        double logDensity(Candidate c) {
            double sum = 0;
            for (int i = 0; i < space.dimensions().size(); i++) {
                Dimension d = space.dimensions().get(i);
                Object e = estimators.get(i);
                Object v = c.params().get(d.name());
                sum += e instanceof ParzenEstimator p ? p.logDensity(Dimensions.toUnit(d, v)) : ((CategoricalEstimator) e).logProbability(v);
            }
            for (int l = 0; l < layerBits.size(); l++) sum += layerBits.get(l).logProbability(c.bits().get(l));
            for (int l = 0; l < layerActivationBits.size(); l++) sum += layerActivationBits.get(l).logProbability(c.activationBitsAt(l));
            return sum;
        }
    }
}
