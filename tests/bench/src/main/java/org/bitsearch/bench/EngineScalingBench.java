package org.bitsearch.bench;

import org.bitsearch.search.pruner.PrunerConfig;
import org.bitsearch.search.sampler.SamplerConfig;
import org.bitsearch.search.engine.SearchSettings;
import org.bitsearch.trainers.sim.SimulatedTrainer;
import org.bitsearch.trainers.sim.SimulatedTrainerConfig;
import org.bitsearch.search.space.BitAllocationSpace;
import org.bitsearch.search.space.Dimension;
import org.bitsearch.search.space.SearchSpace;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Figure 6: the pure engine's cost per operation as the number of trials grows (100, 1,000, 10,000): a
 * {@link org.bitsearch.search.engine.SearchEngine} with the random sampler and Pareto-ASHA, fed by the simulated
 * trainer (whose time is not counted), timing each ask, report and finish. If the per-report cost grows much faster
 * than log n between sizes, the report says so.
 */
final class EngineScalingBench {
    record Row(String pruner, int trials, Summary askMicros, Summary reportMicros, Summary finishMicros, Summary reportsPerTrial, Summary totalSeconds) {}

    record Result(List<Row> rows, int repeats) {}

    static final List<Integer> SIZES = List.of(100, 1000, 10000);
    private final BenchConfig config;

    EngineScalingBench(BenchConfig config) { this.config = config; }

    Result run() throws Exception {
        SimulatedTrainer trainer = new SimulatedTrainer(SimulatedTrainerConfig.defaults());
        SearchSpace space = new SearchSpace(List.of(new Dimension.LogFloatRange("learningRate", 1e-4, 1e-1)),
                new BitAllocationSpace(trainer.layers(), List.of(1, 2, 4, 8, 32), false, OptionalInt.empty(), OptionalInt.empty(), Optional.empty()));
        List<Row> rows = new ArrayList<>();
        for (boolean paretoAware : new boolean[] {true, false}) {
            PrunerConfig.Asha asha = new PrunerConfig.Asha(1, 9, 3, 0, paretoAware);
            SequentialSearch.run(SearchSettings.of(space, new SamplerConfig.Random(), asha, 1, 1000, 1, 9), trainer, null); // warm-up
            for (int n : SIZES) rows.add(measure(space, trainer, asha, n));
        }
        return new Result(rows, config.repeats());
    }

    private Row measure(SearchSpace space, SimulatedTrainer trainer, PrunerConfig.Asha asha, int n) throws Exception {
        String pruner = asha.paretoAware() ? "Pareto-ASHA" : "ASHA";
            int repeats = n >= 10000 ? Math.min(config.repeats(), config.pick(2, 1)) : config.repeats();
            double[] ask = new double[repeats], rep = new double[repeats], fin = new double[repeats], per = new double[repeats], tot = new double[repeats];
            for (int r = 0; r < repeats; r++) {
                SequentialSearch.Timing t = new SequentialSearch.Timing();
                SequentialSearch.Outcome o = SequentialSearch.run(SearchSettings.of(space, new SamplerConfig.Random(), asha, 7 + r, n, 1, 9), trainer, t);
                ask[r] = t.askNanos / 1e3 / t.asks;
                rep[r] = t.reportNanos / 1e3 / t.reports;
                fin[r] = t.finishNanos / 1e3 / t.finishes;
                per[r] = t.reports / (double) o.trials();
                tot[r] = (t.askNanos + t.reportNanos + t.finishNanos) / 1e9;
                config.progress("engine: %s, %d trials: ask %.1f µs, report %.1f µs, finish %.1f µs", pruner, n, ask[r], rep[r], fin[r]);
            }
            return new Row(pruner, n, Summary.of(ask), Summary.of(rep), Summary.of(fin), Summary.of(per), Summary.of(tot));
    }

    /**
     * How a per-operation cost grows from one size to the next, as the exponent b of cost ∝ n^b (0: constant,
     * near 0 also for log n; 1: linear per operation, i.e. quadratic in total).
     */
    static double growthExponent(double costSmall, int nSmall, double costLarge, int nLarge) {
        return Math.log(costLarge / costSmall) / Math.log((double) nLarge / nSmall);
    }

    void report(Result r, BenchReport out) {
        out.heading(2, "6. Scaling with work: engine cost per operation");
        out.paragraph("Pure SearchEngine (random sampler over learning rate and 3 layer bit-widths {1,2,4,8,32}, Pareto-ASHA and plain ASHA, r=1, R=9, η=3), "
                + "one trial at a time, simulated reports (their computation not timed). Mean µs per call within a search; median "
                + "(min–max) over repeats (fewer at 10,000). \"growth\" is b in cost ∝ n^b against the previous size: about 0 for "
                + "O(1) or O(log n) per call, 1 for O(n) per call (quadratic in total).");
        List<List<String>> rows = new ArrayList<>();
        Row prev = null;
        for (Row row : r.rows()) {
            if (prev != null && !prev.pruner().equals(row.pruner())) prev = null;
            String growth = prev == null ? "–" : String.format(java.util.Locale.ROOT, "ask %.2f, report %.2f, finish %.2f",
                    growthExponent(prev.askMicros().median(), prev.trials(), row.askMicros().median(), row.trials()),
                    growthExponent(prev.reportMicros().median(), prev.trials(), row.reportMicros().median(), row.trials()),
                    growthExponent(prev.finishMicros().median(), prev.trials(), row.finishMicros().median(), row.trials()));
            rows.add(List.of(row.pruner(), Summary.number(row.trials(), 0), row.askMicros().format(2), row.reportMicros().format(2), row.finishMicros().format(2),
                    row.reportsPerTrial().format(2), row.totalSeconds().format(3), growth));
            prev = row;
        }
        out.table(List.of("pruner", "trials", "ask µs", "report µs", "finish µs", "reports per trial", "engine s in total", "growth b"), rows);
        for (String pruner : List.of("Pareto-ASHA", "ASHA")) {
            List<Row> rs = r.rows().stream().filter(x -> x.pruner().equals(pruner)).toList();
            Row first = rs.get(0), last = rs.get(rs.size() - 1);
            double b = growthExponent(first.reportMicros().median(), first.trials(), last.reportMicros().median(), last.trials());
            double bAsk = growthExponent(first.askMicros().median(), first.trials(), last.askMicros().median(), last.trials());
            out.paragraph(String.format(java.util.Locale.ROOT, "%s: from %,d to %,d trials the per-report cost grows as n^%.2f and the per-ask cost as n^%.2f. %s",
                    pruner, first.trials(), last.trials(), b, bAsk,
                    b > 0.5 || bAsk > 0.5
                            ? "A per-call cost growing about linearly with n: super-linear (about quadratic) in total."
                            : "Near O(log n) per call (the small growth includes cache effects of the larger state)."));
        }
    }
}
