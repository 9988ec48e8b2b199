package org.bitsearch.trainers.dl4j.fast;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.MultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A training step for the networks bitsearch builds that computes what {@code MultiLayerNetwork.fit(x, y)} computes
 * (same forward pass with fake-quantized weights, same gradients, same updater arithmetic) with plain Java loops on
 * preallocated arrays for every elementwise operation and OpenBLAS {@code cblas_sgemm} for the products, skipping
 * what nobody uses (the first layer's input gradient). DL4J remains the owner of the network: its configuration,
 * flat parameter array and updater state. {@link #load} copies parameters, updater state and iteration count from
 * the network; {@link #store} writes them back, after which {@code net.output}, evaluation, {@code ModelSerializer}
 * checkpoints and further {@code fit} calls see exactly the state the steps produced.
 *
 * <p>{@link #unsupported} says whether a network is covered (see {@link FastPlan}); callers fall back to
 * {@code fit} when it is not. Not thread-safe: one thread at a time. Uses native memory: {@link #close} frees it.
 */
public final class FastStep implements AutoCloseable {
    private final MultiLayerNetwork net;
    private final FastPlan plan;
    private final int maxBatch;
    private final float[] params, grads, s0, s1;
    private final Slot input;
    private final List<FastLayer> layers;
    private final SoftmaxOutputOp output;
    private final BytePointer images, inputBytes;
    private final int features;
    private final int[] labels, stepLabels;
    private int iteration;
    private boolean closed;

    private FastStep(MultiLayerNetwork net, FastPlan plan, INDArray images, int[] labels, int maxBatch) {
        this.net = net;
        this.plan = plan;
        this.maxBatch = maxBatch;
        int n = Math.toIntExact(net.numParams());
        this.params = new float[n];
        this.grads = new float[n];
        int states = plan.rules().stream().mapToInt(UpdateRule::stateArrays).max().orElse(0);
        this.s0 = states >= 1 ? new float[n] : null;
        this.s1 = states >= 2 ? new float[n] : null;
        this.features = plan.inputSize();
        if (images.dataType() != DataType.FLOAT || images.ordering() != 'c' || images.rank() != 2
                || images.columns() != features || images.elementWiseStride() != 1)
            throw new IllegalArgumentException("images must be a contiguous 'c' FLOAT matrix [n, " + features + "], but are "
                    + images.dataType() + " " + images.ordering() + " " + java.util.Arrays.toString(images.shape()));
        if (labels.length != images.rows())
            throw new IllegalArgumentException("labels has " + labels.length + " entries, but images has " + images.rows() + " rows");
        this.images = new BytePointer(images.data().addressPointer());
        this.images.position(0);
        this.imagesOffsetBytes = images.offset() * Float.BYTES;
        this.labels = labels;
        this.stepLabels = new int[maxBatch];
        this.input = new Slot(features, maxBatch);
        this.inputBytes = new BytePointer(input.valueTarget());
        this.layers = new ArrayList<>();
        Slot prev = input;
        SoftmaxOutputOp out = null;
        for (FastPlan.LayerSpec spec : plan.layers()) {
            Slot next = new Slot(spec.outSize(), maxBatch);
            slots.add(next);
            FastLayer op;
            if (spec instanceof FastPlan.Dense d && d.output())
                op = out = new SoftmaxOutputOp(prev, next, d.wOffset(), d.bOffset(), d.noise(), d.clip());
            else if (spec instanceof FastPlan.Dense d)
                op = new DenseOp(prev, next, d.wOffset(), d.bOffset(), d.noise(), d.act());
            else if (spec instanceof FastPlan.Conv c)
                op = new ConvOp(prev, next, c.c(), c.h(), c.w(), c.o(), c.kh(), c.kw(), c.wOffset(), c.bOffset(), c.noise(), c.act());
            else if (spec instanceof FastPlan.Pool p)
                op = new MaxPoolOp(prev, next, p.c(), p.h(), p.w(), p.k());
            else
                op = new FlattenOp(prev, next, ((FastPlan.Flatten) spec).c(), ((FastPlan.Flatten) spec).hw());
            layers.add(op);
            prev = next;
        }
        this.inputJava = plan.layers().get(0) instanceof FastPlan.Conv;
        this.imageFloats = new FloatPointer(this.images);
        this.inputRows = inputJava ? new float[maxBatch * features] : null;
        this.output = out;
        load();
    }

    private final long imagesOffsetBytes;
    private final List<Slot> slots = new ArrayList<>();
    /** Whether the first layer reads the minibatch from the Java array (convolution) or native memory (dense). */
    private final boolean inputJava;
    private final FloatPointer imageFloats;
    /** The minibatch's image rows before their transpose into the first convolution's layout (else null). */
    private final float[] inputRows;

    /** Why the fast step cannot train {@code net} (then train it with {@code fit}), or empty if it can. */
    public static Optional<String> unsupported(MultiLayerNetwork net) {
        return FastPlan.analyse(net).reason();
    }

    /**
     * A fast step for {@code net} training on rows of {@code images} ([n, inputs], contiguous FLOAT, shared
     * read-only) with class {@code labels}, minibatches of at most {@code maxBatch} rows. Loads the network's state.
     *
     * @throws IllegalArgumentException if the network is not covered ({@link #unsupported}) or the data does not fit
     */
    public static FastStep of(MultiLayerNetwork net, INDArray images, int[] labels, int maxBatch) {
        FastPlan.Analysis a = FastPlan.analyse(net);
        if (a.plan() == null) throw new IllegalArgumentException("the fast step does not cover this network: " + a.reason().orElse("?"));
        if (maxBatch < 1) throw new IllegalArgumentException("maxBatch is " + maxBatch + ", but must be >= 1");
        return new FastStep(net, a.plan(), images, labels, maxBatch);
    }

    /** Copies parameters, updater state and iteration count from the network (after it changed outside). */
    public void load() {
        checkOpen();
        view(net.params()).get(params);
        INDArray state = updaterState();
        if (state != null) {
            FloatBuffer sb = view(state);
            for (UpdateRule r : plan.rules()) {
                int len = r.to - r.from;
                int start = plan.stateOffset(r);
                if (r.stateArrays() >= 1) sb.get(start, s0, r.from, len);
                if (r.stateArrays() >= 2) sb.get(start + len, s1, r.from, len);
            }
        }
        iteration = net.getIterationCount();
    }

    /** Writes parameters, updater state and iteration count into the network. */
    public void store() {
        checkOpen();
        view(net.params()).put(params);
        INDArray state = updaterState();
        if (state != null) {
            FloatBuffer sb = view(state);
            for (UpdateRule r : plan.rules()) {
                int len = r.to - r.from;
                int start = plan.stateOffset(r);
                if (r.stateArrays() >= 1) sb.put(start, s0, r.from, len);
                if (r.stateArrays() >= 2) sb.put(start + len, s1, r.from, len);
            }
        }
        net.setIterationCount(iteration);
    }

    private INDArray updaterState() {
        return ((MultiLayerUpdater) net.getUpdater()).getStateViewArray();
    }

    /** The array's values as a float buffer starting at its first element (contiguous arrays only). */
    private static FloatBuffer view(INDArray a) {
        FloatBuffer b = a.data().asNioFloat();
        b.position(Math.toIntExact(a.offset()));
        return b.slice();
    }

    /**
     * Trains one minibatch of the given image rows, as {@code fit} would at the network's current iteration
     * count, with each quantizing layer at its noise's current training bits; advances the iteration count.
     *
     * @return the minibatch's score as DL4J computes it (mean cross-entropy plus the weight-decay terms), before
     * the update
     */
    public double step(int[] rows) {
        double score = computeGradients(rows);
        int epoch = net.getEpochCount();
        for (UpdateRule r : plan.rules()) r.apply(params, grads, s0, s1, batch, iteration, epoch);
        iteration++;
        net.setIterationCount(iteration);
        return score;
    }

    private int batch;

    /** Forward and backward pass of a minibatch: fills the summed gradients; returns the score. */
    double computeGradients(int[] rows) {
        checkOpen();
        batch = rows.length;
        if (batch < 1 || batch > maxBatch) throw new IllegalArgumentException("rows has " + batch + " entries, but must be 1.." + maxBatch);
        long rowBytes = (long) features * Float.BYTES;
        for (int r = 0; r < batch; r++) {
            int row = rows[r];
            if (row < 0 || row >= labels.length) throw new IllegalArgumentException("row " + row + " is outside 0.." + (labels.length - 1));
            stepLabels[r] = labels[row];
            if (inputJava) imageFloats.position(imagesOffsetBytes / Float.BYTES + (long) row * features).get(inputRows, r * features, features);
            else Pointer.memcpy(inputBytes.position(r * rowBytes), images.position(imagesOffsetBytes + row * rowBytes), rowBytes);
        }
        if (inputJava) {
            Transpose.of(inputRows, batch, features, input.value); // rows [N, H·W] to [1, H, W, N], ConvOp's layout
            input.valueWrittenJava();
        }
        else input.valueWrittenNative();
        output.labels(stepLabels);
        for (FastLayer l : layers) l.forward(params, batch);
        for (int i = layers.size() - 1; i >= 0; i--) layers.get(i).backward(params, grads, batch, i > 0);
        double score = output.loss();
        for (UpdateRule r : plan.rules()) score += r.decayScore(params);
        return score;
    }

    /** The gradients of the last {@link #computeGradients} (summed over the minibatch): tests. */
    float[] lastGradients() { return grads; }

    float[] parameters() { return params; }

    /** The largest minibatch {@link #step} takes. */
    public int maxBatch() { return maxBatch; }

    private void checkOpen() {
        if (closed) throw new IllegalStateException("the fast step is closed");
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        for (FastLayer l : layers) l.close();
        input.close();
        for (Slot sl : slots) sl.close();
    }
}
