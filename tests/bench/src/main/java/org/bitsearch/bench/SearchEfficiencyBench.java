package org.bitsearch.bench;

import org.bitsearch.trainers.dl4j.Dl4jTrainer;
import org.bitsearch.search.pruner.PrunerConfig;
import org.bitsearch.search.sampler.SamplerConfig;
import org.bitsearch.search.engine.SearchSettings;
import org.bitsearch.trainers.sim.SimulatedTrainer;
import org.bitsearch.trainers.sim.SimulatedTrainerConfig;
import org.bitsearch.search.space.BitAllocationSpace;
import org.bitsearch.search.space.Dimension;
import org.bitsearch.search.space.SearchSpace;
import org.bitsearch.search.trainer.Trainer;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Figure 4: search efficiency of Pareto-ASHA against no pruning, with the same random sampler and seed (so both
 * searches see the same candidates in the same order), on the simulated trainer (many seeds) and on the real DL4J
 * trainer (a small Fashion-MNIST subset and a small MLP, few seeds). Per seed the two searches run back to back,
 * alternating which goes first. Reports epochs spent, wall time and the hypervolume reached as a fraction of the
 * unpruned search's.
 */
final class SearchEfficiencyBench {
    /** One trainer's comparison over seeds. */
    record Result(String trainer, String setup, int seeds, Summary epochsAsha, Summary epochsNone, Summary epochRatio,
                  Summary wallAsha, Summary wallNone, Summary wallRatio, Summary hypervolumeFraction) {}

    private final BenchConfig config;

    SearchEfficiencyBench(BenchConfig config) { this.config = config; }

    Result simulated() throws Exception {
        SimulatedTrainer trainer = new SimulatedTrainer(SimulatedTrainerConfig.defaults());
        int trials = config.pick(200, 60), seeds = config.pick(8, 4);
        return compare("simulated", trainer, trials, 9, 3, seeds,
                trials + " trials of at most 9 epochs; Pareto-ASHA r=1, R=9, η=3; simulated 784-256-128-10 MLP, bits {1,2,4,8}; its epochs cost nothing, so wall time here is engine time only");
    }

    Result real() throws Exception {
        int subset = config.pick(4000, 3000);
        Dl4jTrainer trainer = new Dl4jTrainer(Dl4jBench.config(config.dataDir(), List.of(64, 32), subset, 1000));
        int trials = config.pick(12, 8), seeds = config.pick(2, 1);
        trainer.data(); // load and split once, outside the timed searches
        ThroughputBench.epoch(trainer, 4, 0); // warm-up: JIT and native libraries
        return compare("DL4J", trainer, trials, 4, 2, seeds,
                trials + " trials of at most 4 epochs; Pareto-ASHA r=1, R=4, η=2; MLP 784-64-32-10 on " + subset
                        + " training / 1,000 validation samples of Fashion-MNIST, bits {1,2,4,8}, learning rate log-uniform [3e-4, 1e-2]");
    }

    private Result compare(String name, Trainer trainer, int trials, int maxEpochs, int eta, int seeds, String setup) throws Exception {
        List<Double> eA = new ArrayList<>(), eN = new ArrayList<>(), eR = new ArrayList<>(), wA = new ArrayList<>(), wN = new ArrayList<>(),
                wR = new ArrayList<>(), hv = new ArrayList<>();
        SearchSpace space = new SearchSpace(List.of(new Dimension.LogFloatRange("learningRate", 3e-4, 1e-2)),
                new BitAllocationSpace(trainer.layers(), List.of(1, 2, 4, 8), false, OptionalInt.empty(), OptionalInt.empty(), Optional.empty()));
        PrunerConfig asha = new PrunerConfig.Asha(1, maxEpochs, eta, 0, true);
        for (int s = 0; s < seeds; s++) {
            long seed = 100 + s;
            SearchSettings a = SearchSettings.of(space, new SamplerConfig.Random(), asha, seed, trials, 1, maxEpochs);
            SearchSettings n = SearchSettings.of(space, new SamplerConfig.Random(), new PrunerConfig.None(), seed, trials, 1, maxEpochs);
            SequentialSearch.Outcome oa, on;
            if (s % 2 == 0) {
                oa = SequentialSearch.run(a, trainer, null);
                on = SequentialSearch.run(n, trainer, null);
            } else {
                on = SequentialSearch.run(n, trainer, null);
                oa = SequentialSearch.run(a, trainer, null);
            }
            eA.add((double) oa.epochs());
            eN.add((double) on.epochs());
            eR.add(oa.epochs() / (double) on.epochs());
            wA.add(oa.wallSeconds());
            wN.add(on.wallSeconds());
            wR.add(oa.wallSeconds() / on.wallSeconds());
            hv.add(on.hypervolume() > 0 ? oa.hypervolume() / on.hypervolume() : Double.NaN);
            config.progress("efficiency %s seed %d: ASHA %d epochs %.2f s hv %.4f; none %d epochs %.2f s hv %.4f", name, seed,
                    oa.epochs(), oa.wallSeconds(), oa.hypervolume(), on.epochs(), on.wallSeconds(), on.hypervolume());
        }
        hv.removeIf(d -> d.isNaN());
        if (hv.isEmpty()) throw new IllegalStateException(name + ": no unpruned search reached a hypervolume above 0");
        return new Result(name, setup, seeds, Summary.of(eA), Summary.of(eN), Summary.of(eR), Summary.of(wA), Summary.of(wN),
                Summary.of(wR), Summary.of(hv));
    }

    void report(List<Result> results, BenchReport out) {
        out.heading(2, "4. Search efficiency: Pareto-ASHA against no pruning");
        out.paragraph("Same random sampler and seed for both searches (identical candidates in identical order), one trial at a time "
                + "through the SearchEngine (no actors), the two searches of a seed back to back, alternating which runs first. "
                + "Hypervolume: normalised 2-D hypervolume of the final front (validation accuracy vs size, reference: accuracy 0 "
                + "and the FP32 size); the fraction is ASHA's ÷ the unpruned search's for the same seed. Median (min–max) over seeds.");
        List<List<String>> rows = new ArrayList<>();
        for (Result r : results)
            rows.add(List.of(r.trainer(), String.valueOf(r.seeds()), r.epochsAsha().format(0), r.epochsNone().format(0), r.epochRatio().format(3),
                    r.wallAsha().format(2), r.wallNone().format(2), r.wallRatio().format(3), r.hypervolumeFraction().format(4)));
        out.table(List.of("trainer", "seeds", "epochs ASHA", "epochs none", "epoch ratio", "wall s ASHA", "wall s none", "wall ratio",
                "hypervolume ASHA ÷ none"), rows);
        for (Result r : results) out.paragraph("Setup (" + r.trainer() + "): " + r.setup() + ".");
    }
}
