package org.bitsearch.bench;

import org.bitsearch.trainers.dl4j.Dl4jTrainer;
import org.bitsearch.trainers.dl4j.NativeThreads;
import org.bitsearch.trainers.dl4j.model.Hyperparameters;
import org.bitsearch.trainers.dl4j.model.ModelFactory;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Figure 1b: the cost of single ND4J calls that the profile of figure 1 points at, on the trainer's own data and
 * shapes, one native thread: gathering a 128-row minibatch of images and of one-hot labels with {@code Nd4j.pullRows}
 * (as the trainer does) against a Java-side gather into a heap array and one {@code Nd4j.create}; the output layer's
 * softmax on [128, 10] in c and f order against the first layer's forward matrix product [128, 784] × [784, 256]. Calls alternate
 * one after another per round. Runs on the calling thread.
 */
final class OpMicroBench {
    record Row(String op, Summary micros) {}

    record Result(int trainRows, int calls, List<Row> ops) {}

    private final BenchConfig config;

    OpMicroBench(BenchConfig config) { this.config = config; }

    Result run(Dl4jTrainer trainer) throws Exception {
        NativeThreads.apply(1);
        INDArray images = trainer.data().dataset().trainImages();
        int n = (int) images.rows(), f = (int) images.columns(), batch = 128;
        float[] heap = images.data().asFloat(); // the c-order [n, f] matrix, row after row
        INDArray x = Nd4j.createUninitialized(images.dataType(), batch, f);
        INDArray w = Nd4j.rand(DataType.FLOAT, f, 256);
        INDArray z = Nd4j.rand(DataType.FLOAT, batch, 10), zf = z.dup('f');
        INDArray oneHot = trainer.data().trainOneHot();
        INDArray y = Nd4j.createUninitialized(oneHot.dataType(), batch, oneHot.columns());
        ActivationSoftmax softmax = new ActivationSoftmax();
        SplittableRandom rng = new SplittableRandom(5);
        int[] rows = new int[batch];
        float[] gathered = new float[batch * f];
        Runnable[] ops = {
                () -> Nd4j.pullRows(images, x, 1, fill(rows, rng, n)),
                () -> {
                    fill(rows, rng, n);
                    for (int i = 0; i < batch; i++) System.arraycopy(heap, rows[i] * f, gathered, i * f, f);
                    Nd4j.create(gathered, new long[] {batch, f}, 'c');
                },
                () -> Nd4j.pullRows(oneHot, y, 1, fill(rows, rng, (int) oneHot.rows())),
                () -> softmax.getActivation(z.dup(), true),
                () -> softmax.getActivation(zf.dup('f'), true),
                () -> x.mmul(w)};
        String[] names = {"minibatch gather: Nd4j.pullRows(train images " + n + "×" + f + ", 128 rows)",
                "minibatch gather: Java copy into float[] + Nd4j.create [128, " + f + "]",
                "label gather: Nd4j.pullRows(one-hot labels " + oneHot.rows() + "×" + oneHot.columns() + ", 128 rows)",
                "output softmax (ActivationSoftmax) on [128, 10], c order",
                "output softmax (ActivationSoftmax) on [128, 10], f order (as DL4J's gemm output)",
                "first layer forward gemm [128, " + f + "] × [" + f + ", 256]"};
        int calls = config.pick(300, 100);
        for (Runnable op : ops) for (int i = 0; i < 50; i++) op.run(); // warm-up
        double[][] micros = new double[ops.length][config.repeats()];
        for (int r = 0; r < config.repeats(); r++)
            for (int o = 0; o < ops.length; o++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < calls; i++) ops[o].run();
                micros[o][r] = (System.nanoTime() - t0) / 1e3 / calls;
            }
        List<Row> out = new ArrayList<>();
        out.addAll(stepAnatomy(images, oneHot, rng, calls));
        for (int o = 0; o < ops.length; o++) {
            out.add(new Row(names[o], Summary.of(micros[o])));
            config.progress("ops: %s: %.1f µs", names[o], Summary.of(micros[o]).median());
        }
        return new Result(n, calls, out);
    }

    /**
     * The trainer's step rebuilt from its public parts (same network configuration, FP32, Adam 1e-3): per step, the
     * wall time of the two {@code pullRows} gathers and of {@code net.fit(x, y)}, and the thread's CPU time of the fit.
     */
    private List<Row> stepAnatomy(INDArray images, INDArray oneHot, SplittableRandom rng, int steps) {
        MultiLayerNetwork net = new MultiLayerNetwork(ModelFactory.build("mlp", List.of(256, 128), 28, 28, 10, List.of(32, 32, 32),
                false, Hyperparameters.of(Dl4jBench.candidate(List.of(32, 32, 32)), 128), 3));
        net.init();
        int batch = 128;
        int[] rows = new int[batch];
        INDArray x = Nd4j.createUninitialized(images.dataType(), batch, images.columns());
        INDArray y = Nd4j.createUninitialized(oneHot.dataType(), batch, oneHot.columns());
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        for (int i = 0; i < 30; i++) { // warm-up
            Nd4j.pullRows(images, x, 1, fill(rows, rng, (int) images.rows()));
            Nd4j.pullRows(oneHot, y, 1, rows);
            net.fit(x, y);
        }
        double[] gather = new double[config.repeats()], fit = new double[config.repeats()], fitCpu = new double[config.repeats()];
        for (int r = 0; r < config.repeats(); r++) {
            long g = 0, f = 0, c = 0;
            for (int i = 0; i < steps; i++) {
                long t0 = System.nanoTime();
                Nd4j.pullRows(images, x, 1, fill(rows, rng, (int) images.rows()));
                Nd4j.pullRows(oneHot, y, 1, rows);
                long t1 = System.nanoTime(), c1 = mx.getCurrentThreadCpuTime();
                net.fit(x, y);
                c += mx.getCurrentThreadCpuTime() - c1;
                f += System.nanoTime() - t1;
                g += t1 - t0;
            }
            gather[r] = g / 1e3 / steps;
            fit[r] = f / 1e3 / steps;
            fitCpu[r] = c / 1e3 / steps;
        }
        config.progress("ops: step: gather %.1f µs, fit %.1f µs (%.1f µs CPU)", Summary.of(gather).median(), Summary.of(fit).median(), Summary.of(fitCpu).median());
        return List.of(new Row("training step, in the trainer's loop: the two pullRows gathers (images + labels)", Summary.of(gather)),
                new Row("training step, in the trainer's loop: net.fit(x, y) of FP32 784-256-128-10, wall", Summary.of(fit)),
                new Row("training step, in the trainer's loop: net.fit(x, y), CPU time of the thread", Summary.of(fitCpu)));
    }

    private static int[] fill(int[] rows, SplittableRandom rng, int n) {
        for (int i = 0; i < rows.length; i++) rows[i] = rng.nextInt(n);
        return rows;
    }

    void report(Result r, BenchReport out) {
        out.heading(3, "1b. What DL4J's fit spends per call (the fallback path; µs per call, one native thread)");
        out.paragraph("Each call " + r.calls() + " times per repeat, all alternating, after 50 warm-up calls each; median (min–max) over "
                + "repeats. These are the ND4J/DL4J calls of the fallback path (`fit`), which the fast step replaces for the "
                + "layers it covers.");
        List<List<String>> rows = new ArrayList<>();
        for (Row row : r.ops()) rows.add(List.of(row.op(), row.micros().format(1)));
        out.table(List.of("call", "µs per call"), rows);
        double fit = r.ops().get(1).micros().median(), gemm = r.ops().get(r.ops().size() - 1).micros().median();
        out.paragraph(String.format(java.util.Locale.ROOT, "A rebuilt FP32 training step's fit takes %,.0f µs, about %.1f× the first layer's forward "
                + "product; the step's matrix products (forward, and the weight and input gradients of three layers) count 2.5× that product's multiply-adds "
                + "(so take about 2.5× its time), and the rest of the fit is DL4J's per-layer work outside the products (activations, loss, "
                + "updater, workspaces). %,.0f µs per step is %,.0f samples/s on one thread.", fit, fit / gemm, fit, 128e6 / fit));
    }
}
