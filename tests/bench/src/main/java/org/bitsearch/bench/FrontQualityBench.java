package org.bitsearch.bench;

import org.bitsearch.orchestrator.wiring.StandardTrainers;
import org.bitsearch.search.space.Architectures;
import org.bitsearch.search.space.ModelSize;
import org.bitsearch.search.space.QuantLayer;
import org.bitsearch.search.trial.TrialState;
import org.bitsearch.storage.ParetoRow;
import org.bitsearch.storage.ReportRow;
import org.bitsearch.storage.TrialRow;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Figure 5: the Pareto front a real search reaches on Fashion-MNIST: the search of {@code examples/fashion-mnist.yaml}
 * (NSGA-II, Pareto-ASHA, MLP 784-128-64-10 with per-layer bits {1,2,4,8}; smaller in quick mode) through the whole
 * actor + H2 path. Reports the final front (test accuracy of the quantized model, validation accuracy, KiB,
 * compression, bits per layer) and plots every trial and the front to a PNG.
 */
final class FrontQualityBench {
    /** One trial for the plot and, if on the front, the table. */
    record TrialPoint(int number, List<Integer> bits, double valAccuracy, double testAccuracy, long sizeBits, double kib,
                      double compression, TrialState state, boolean onFront) {}

    record Result(String spec, int trials, double wallSeconds, double hypervolume, List<TrialPoint> points) {
        List<TrialPoint> front() { return points.stream().filter(TrialPoint::onFront).toList(); }
    }

    static final List<Integer> HIDDEN = List.of(128, 64);
    private final BenchConfig config;

    FrontQualityBench(BenchConfig config) { this.config = config; }

    String spec() {
        int subset = config.pick(12000, 4000), trials = config.pick(16, 8), pop = config.pick(8, 4), epochs = config.pick(3, 2);
        return """
                name: bench-fashion-mnist
                seed: 42
                trainer:
                  kind: dl4j
                  dataset: fashion-mnist
                  dataDir: "%s"
                  model: mlp
                  hidden: [128, 64]
                  trainSubset: %d
                  validationSize: 5000
                  batchSize: 128
                space:
                  params:
                    learningRate: {type: logfloat, low: 3.0e-4, high: 1.0e-2}
                  bits: {allowed: [1, 2, 4, 8], nonIncreasing: false}
                sampler: {type: nsga2, populationSize: %d}
                pruner: {type: pareto-asha, minResource: 1, maxResource: %d, reductionFactor: 2}
                budget: {maxTrials: %d, maxConcurrent: 2, maxEpochs: %d, maxRetries: 2, maxWallSeconds: 3600}
                """.formatted(config.dataDir().toAbsolutePath().toString().replace("\\", "/").replace("\"", "\\\""),
                subset, pop, epochs, trials, epochs);
    }

    Result run() throws Exception {
        String spec = spec();
        List<QuantLayer> layers = Architectures.mlp(784, HIDDEN, 10);
        return ActorSearchRunner.run(spec, StandardTrainers.factory(), 2, Duration.ofMinutes(25), e -> {
            if (e instanceof org.bitsearch.actors.api.SearchEvent.TrialFinished f)
                config.progress("front: trial %d %s", f.number(), f.state());
        }, (store, id, wall) -> {
            Map<Integer, ParetoRow> front = store.front(id).stream().collect(Collectors.toMap(ParetoRow::number, p -> p));
            Map<Integer, ReportRow> last = store.reports(id).stream().collect(Collectors.toMap(ReportRow::number, r -> r,
                    (a, b) -> a.seq() > b.seq() ? a : b));
            List<TrialPoint> points = new ArrayList<>();
            for (TrialRow t : store.trials(id)) {
                ParetoRow p = front.get(t.number());
                ReportRow lastReport = last.get(t.number());
                if (lastReport == null) continue;
                double val = p != null ? p.valAccuracy() : lastReport.metrics().valAccuracy();
                if (Double.isNaN(val)) continue;
                ModelSize size = ModelSize.of(layers, t.candidate().bits());
                double test = p != null ? p.testAccuracy().orElse(Double.NaN) : t.testAccuracy().orElse(Double.NaN);
                points.add(new TrialPoint(t.number(), t.candidate().bits().bits(), val, test, size.bits(), size.kib(),
                        size.compressionRatio(), t.state(), p != null));
            }
            List<double[]> hv = store.hypervolumeHistory(id);
            double hypervolume = hv.isEmpty() ? 0 : hv.get(hv.size() - 1)[1];
            return new Result(spec, store.trials(id).size(), wall, hypervolume, points);
        });
    }

    /**
     * Plots every trial's validation accuracy at its last epoch (for front points the accuracy the front holds) in
     * grey, the front in red, and the front's test accuracy as rings.
     */
    static List<FrontPlot.Point> plotPoints(Result r) {
        List<FrontPlot.Point> out = new ArrayList<>();
        for (TrialPoint p : r.points())
            out.add(new FrontPlot.Point(p.kib(), p.valAccuracy(), p.onFront(), p.onFront() ? p.testAccuracy() : Double.NaN));
        return out;
    }

    void report(Result r, BenchReport out, Path png, String pngName) throws Exception {
        out.heading(2, "5. Front quality on Fashion-MNIST (MLP 784-128-64-10, bits {1, 2, 4, 8} per layer)");
        out.paragraph(String.format(java.util.Locale.ROOT, "A search like `examples/fashion-mnist.yaml` through the whole actor + H2 path "
                + "(spec below): %d trials in %.0f s, final normalised hypervolume %.4f (validation accuracy vs size). Front points are "
                + "the COMPLETED trials no other dominates on (validation accuracy, size); their test accuracy is the quantized model's "
                + "on the 10,000 test images, measured from the last checkpoint at the end of the search. "
                + "The plot shows every trial at its last epoch's validation accuracy; pruned trials, stopped after fewer epochs, "
                + "never join the front even where they lie above it.", r.trials(), r.wallSeconds(), r.hypervolume()));
        List<List<String>> rows = new ArrayList<>();
        for (TrialPoint p : r.front().stream().sorted(java.util.Comparator.comparingLong(TrialPoint::sizeBits)).toList())
            rows.add(List.of(String.valueOf(p.number()), Double.isNaN(p.testAccuracy()) ? "not measured" : Summary.number(p.testAccuracy(), 4),
                    Summary.number(p.valAccuracy(), 4), Summary.number(p.kib(), 1), Summary.number(p.compression(), 2) + "×",
                    p.bits().toString()));
        out.table(List.of("trial", "test accuracy", "val accuracy", "KiB", "compression", "bits per layer"), rows);
        new FrontPlot(900, 600, "trial (validation accuracy, last epoch)", "Pareto front (validation)", "front point's test accuracy")
                .write(png, "Fashion-MNIST MLP 784-128-64-10: accuracy vs size (" + r.trials() + " trials)",
                        "model size (KiB, biases at 32 bits)", "accuracy", plotPoints(r));
        out.image("Pareto front on Fashion-MNIST", pngName);
        out.paragraph("The spec of this run:");
        out.code(r.spec().replace(config.dataDir().toAbsolutePath().toString(), "<--data>"));
    }
}
