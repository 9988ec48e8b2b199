package org.bitsearch.bench;

import org.bitsearch.trainers.dl4j.Dl4jTrainer;
import org.bitsearch.trainers.dl4j.NativeThreads;
import org.bitsearch.trainers.dl4j.fast.FastStep;
import org.bitsearch.trainers.dl4j.model.Hyperparameters;
import org.bitsearch.trainers.dl4j.model.ModelFactory;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Figure 1c: the quantized fast step's time against the FP32 step's, finely interleaved so that a loaded machine's
 * drift hits every width alike (issue 11's target: at most 1.15×). One MLP 784-256-128-10 per width (FP32, 8, 4, 2,
 * 1 bits on every layer, per tensor; Adam 1e-3, batch 128), each trained by its own {@link FastStep} on the same
 * minibatches of the trainer's training set; in a block, 12 sweeps run 5 steps of every width, the first width
 * rotating from sweep to sweep, and each width's thread CPU time is summed over the block. The ratio is that of the
 * same block. No validation pass, no epoch bookkeeping: the step alone. Runs on the calling thread, one native thread.
 */
final class StepRatioBench {
    static final int STEPS_PER_BURST = 5, SWEEPS = 12;

    record Row(int bits, Summary micros, Summary ratio) {}

    record Result(int blocks, List<Row> rows) {}

    private final BenchConfig config;

    StepRatioBench(BenchConfig config) { this.config = config; }

    Result run(Dl4jTrainer trainer) throws Exception {
        NativeThreads.apply(1);
        INDArray images = trainer.data().dataset().trainImages();
        int[] labels = trainer.data().dataset().trainLabels();
        List<Integer> widths = ThroughputBench.WIDTHS;
        List<FastStep> steps = new ArrayList<>();
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        try {
            for (int bits : widths) {
                List<Integer> all = Collections.nCopies(3, bits);
                MultiLayerNetwork net = new MultiLayerNetwork(ModelFactory.build("mlp", List.of(256, 128), 28, 28, 10, all, false,
                        Hyperparameters.of(Dl4jBench.candidate(all), 128), 3));
                net.init();
                steps.add(FastStep.of(net, images, labels, 128));
            }
            SplittableRandom rng = new SplittableRandom(11);
            int[][] batches = new int[64][128];
            for (int[] b : batches) for (int i = 0; i < b.length; i++) b[i] = rng.nextInt(labels.length);
            int k = 0;
            for (int warm = 0; warm < 4; warm++) for (FastStep s : steps) for (int i = 0; i < 20; i++) s.step(batches[k++ % batches.length]);
            int blocks = config.pick(8, 5), n = widths.size();
            double[][] micros = new double[n][blocks];
            for (int b = 0; b < blocks; b++) {
                long[] cpu = new long[n];
                for (int sweep = 0; sweep < SWEEPS; sweep++)
                    for (int j = 0; j < n; j++) {
                        int w = (j + sweep + b) % n;
                        FastStep s = steps.get(w);
                        long c0 = mx.getCurrentThreadCpuTime();
                        for (int i = 0; i < STEPS_PER_BURST; i++) s.step(batches[k++ % batches.length]);
                        cpu[w] += mx.getCurrentThreadCpuTime() - c0;
                    }
                for (int w = 0; w < n; w++) micros[w][b] = cpu[w] / 1e3 / (SWEEPS * STEPS_PER_BURST);
            }
            List<Row> rows = new ArrayList<>();
            for (int w = 0; w < n; w++) {
                double[] ratio = new double[blocks];
                for (int b = 0; b < blocks; b++) ratio[b] = micros[w][b] / micros[0][b];
                rows.add(new Row(widths.get(w), Summary.of(micros[w]), Summary.of(ratio)));
                config.progress("step ratio: %s %.0f µs per step, %.3f× FP32", ThroughputBench.label(widths.get(w)),
                        Summary.of(micros[w]).median(), Summary.of(ratio).median());
            }
            return new Result(blocks, rows);
        } finally {
            for (FastStep s : steps) s.close();
        }
    }

    void report(Result r, BenchReport out) {
        out.heading(3, "1c. Quantized fast step vs FP32 (MLP, interleaved steps, CPU time)");
        out.paragraph("One MLP 784-256-128-10 per width, every layer at that width (per tensor), each trained by its own fast step on "
                + "the same minibatches (batch 128, Adam 1e-3, one thread). A block runs " + SWEEPS + " sweeps of " + STEPS_PER_BURST
                + " steps of every width, the first width rotating, and sums each width's thread CPU time; the ratio divides by "
                + "the FP32 time of the same block, so load drift during the run hits every width alike. The step alone: no "
                + "validation pass or epoch bookkeeping (the figure-1 column above includes them). Median (min–max) over "
                + r.blocks() + " blocks.");
        List<List<String>> rows = new ArrayList<>();
        for (Row row : r.rows())
            rows.add(List.of(ThroughputBench.label(row.bits()), row.micros().format(0), row.bits() == 32 ? "1" : row.ratio().format(3)));
        out.table(List.of("weights", "CPU µs per step", "step time vs FP32"), rows);
    }
}
