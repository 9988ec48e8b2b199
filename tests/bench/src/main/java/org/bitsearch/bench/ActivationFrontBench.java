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
 * Figure 8: a W/A mixed-precision front on Fashion-MNIST: weight bits and activation bits ({@code space.activationBits})
 * searched together (the search of {@code examples/fashion-mnist-wa.yaml}, NSGA-II, Pareto-ASHA, MLP 784-128-64-10;
 * smaller in quick mode) through the whole actor + H2 path. Reports the front (test accuracy of the W/A-quantized
 * model, size, W/A per layer) and plots every trial and the front to a PNG beside the report.
 */
final class ActivationFrontBench {
    record Point(int number, String wa, double valAccuracy, double testAccuracy, long sizeBits, double kib,
                 double compression, TrialState state, boolean onFront) {}

    record Result(String spec, int trials, double wallSeconds, double hypervolume, List<Point> points) {
        List<Point> front() { return points.stream().filter(Point::onFront).toList(); }
    }

    private final BenchConfig config;

    ActivationFrontBench(BenchConfig config) { this.config = config; }

    String spec() {
        int subset = config.pick(12000, 3000), trials = config.pick(16, 8), pop = config.pick(8, 4), epochs = config.pick(3, 2);
        return """
                name: bench-fashion-mnist-wa
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
                  bits: {allowed: [1, 2, 4, 8]}
                  activationBits: {allowed: [1, 2, 4, 8], nonIncreasing: true}
                sampler: {type: nsga2, populationSize: %d}
                pruner: {type: pareto-asha, minResource: 1, maxResource: %d, reductionFactor: 2}
                budget: {maxTrials: %d, maxConcurrent: 2, maxEpochs: %d, maxRetries: 2, maxWallSeconds: 3600}
                """.formatted(config.dataDir().toAbsolutePath().toString().replace("\\", "/").replace("\"", "\\\""),
                subset, pop, epochs, trials, epochs);
    }

    Result run() throws Exception {
        String spec = spec();
        List<QuantLayer> layers = Architectures.mlp(784, FrontQualityBench.HIDDEN, 10);
        return ActorSearchRunner.run(spec, StandardTrainers.factory(), 2, Duration.ofMinutes(25), e -> {
            if (e instanceof org.bitsearch.actors.api.SearchEvent.TrialFinished f)
                config.progress("W/A front: trial %d %s", f.number(), f.state());
        }, (store, id, wall) -> {
            Map<Integer, ParetoRow> front = store.front(id).stream().collect(Collectors.toMap(ParetoRow::number, p -> p));
            Map<Integer, ReportRow> last = store.reports(id).stream().collect(Collectors.toMap(ReportRow::number, r -> r,
                    (a, b) -> a.seq() > b.seq() ? a : b));
            List<Point> points = new ArrayList<>();
            for (TrialRow t : store.trials(id)) {
                ParetoRow p = front.get(t.number());
                ReportRow lastReport = last.get(t.number());
                if (lastReport == null) continue;
                double val = p != null ? p.valAccuracy() : lastReport.metrics().valAccuracy();
                if (Double.isNaN(val)) continue;
                ModelSize size = ModelSize.of(layers, t.candidate().bits());
                double test = p != null ? p.testAccuracy().orElse(Double.NaN) : t.testAccuracy().orElse(Double.NaN);
                points.add(new Point(t.number(), t.candidate().bitsLabel(), val, test, size.bits(), size.kib(),
                        size.compressionRatio(), t.state(), p != null));
            }
            List<double[]> hv = store.hypervolumeHistory(id);
            return new Result(spec, store.trials(id).size(), wall, hv.isEmpty() ? 0 : hv.get(hv.size() - 1)[1], points);
        });
    }

    /** The figure's PNG beside the report's front PNG: {@code X-front.png} → {@code X-wa-front.png}. */
    static Path pngFor(Path frontPng) {
        String n = frontPng.getFileName().toString();
        return frontPng.resolveSibling(n.replace("-front.png", "-wa-front.png"));
    }

    void report(Result r, BenchReport out, Path frontPng) throws Exception {
        out.heading(2, "8. W/A mixed-precision front on Fashion-MNIST (MLP 784-128-64-10, weight and activation bits {1, 2, 4, 8})");
        out.paragraph(String.format(java.util.Locale.ROOT, "Weight bits and activation bits searched together (`space.activationBits`, "
                + "non-increasing activation bits, the output layer's softmax at FP32) through the whole actor + H2 path (spec below): "
                + "%d trials in %.0f s, final normalised hypervolume %.4f (validation accuracy vs size). The size counts weights only "
                + "(README, \"Quantization\"); each front point's test accuracy is the W/A-quantized model's on the 10,000 test images. "
                + "W/A: weight bits / output activation bits per layer.", r.trials(), r.wallSeconds(), r.hypervolume()));
        List<List<String>> rows = new ArrayList<>();
        for (Point p : r.front().stream().sorted(java.util.Comparator.comparingLong(Point::sizeBits)).toList())
            rows.add(List.of(String.valueOf(p.number()), Double.isNaN(p.testAccuracy()) ? "not measured" : Summary.number(p.testAccuracy(), 4),
                    Summary.number(p.valAccuracy(), 4), Summary.number(p.kib(), 1), Summary.number(p.compression(), 2) + "×", p.wa()));
        out.table(List.of("trial", "test accuracy", "val accuracy", "KiB", "compression", "W/A per layer"), rows);
        List<FrontPlot.Point> plot = new ArrayList<>();
        for (Point p : r.points()) plot.add(new FrontPlot.Point(p.kib(), p.valAccuracy(), p.onFront(), p.onFront() ? p.testAccuracy() : Double.NaN));
        Path png = pngFor(frontPng);
        new FrontPlot(900, 600, "trial (validation accuracy, last epoch)", "Pareto front (validation)", "front point's test accuracy")
                .write(png, "Fashion-MNIST MLP, weights and activations: accuracy vs size (" + r.trials() + " trials)",
                        "model size (KiB, weights only, biases at 32 bits)", "accuracy", plot);
        out.image("W/A Pareto front on Fashion-MNIST", png.getFileName().toString());
        out.paragraph("The spec of this run:");
        out.code(r.spec().replace(config.dataDir().toAbsolutePath().toString(), "<--data>"));
    }
}
