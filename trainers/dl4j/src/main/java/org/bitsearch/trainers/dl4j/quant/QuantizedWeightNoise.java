package org.bitsearch.trainers.dl4j.quant;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.weightnoise.IWeightNoise;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Objects;

/**
 * Fake quantization of one layer's weights with a straight-through estimator, as a DL4J {@link IWeightNoise}.
 *
 * <p>DL4J asks a layer's weight noise for the weights of every forward pass ({@code BaseLayer.getParamWithNoise}):
 * in training it calls {@link #getParameter} once per iteration and reuses the result for backprop, and the
 * gradient computed for Q(W) is applied to the full-precision W: the straight-through estimator
 * (Bengio et al. 2013; Courbariaux et al., BinaryConnect, 2015). Unlike DL4J's own noises this one also
 * quantizes at inference, with the layer's {@link #getTargetBits() target bits}: {@code output()} of a network
 * is that of the quantized model, exactly, without copying the network.
 *
 * <p>Two bit-widths: {@code targetBits} (what the model is evaluated, exported and sized with) and
 * {@code trainBits} (what the next training forward passes use: 32 before a progressive schedule reaches the
 * layer, fewer than the target while DropBits drops bits). The run sets them between iterations, on its own
 * thread. The weight parameters ({@link #WEIGHT_KEYS}: {@code W}, and {@code RW} of an LSTM, {@code pW} of a
 * separable convolution) are quantized, each with its own scale(s); biases stay at 32 bits.
 *
 * <p>Serialised with the network configuration by DL4J's shaded Jackson: keep the no-arg constructor, the
 * getter of every field, the class name and package (saved checkpoints name it).
 */
public final class QuantizedWeightNoise implements IWeightNoise {
    private static final long serialVersionUID = 1L;
    /** DL4J's key of the weight parameter in dense, output and convolution layers. */
    public static final String WEIGHT_KEY = "W";
    /** Every weight key this noise quantizes: W, LSTM's recurrent RW, a separable convolution's pointwise pW. */
    public static final java.util.Set<String> WEIGHT_KEYS = java.util.Set.of("W", "RW", "pW");

    private int targetBits;
    private int trainBits;
    private boolean perChannel;
    /**
     * CPQ's grid width B ({@link CpqQuantizer}) when the layer is trained with {@code trainer.quantizer: cpq}, else 0
     * (the uniform {@link Quantizer}). With B &gt; 0 the weights {@code W} are quantized on CPQ's nested grids
     * G_targetBits ⊂ G_B at inference (and export), and trained through the {@link CpqTraining} hook.
     */
    private int gridBits;
    /** DropBits' gate state of a CPQ layer ({@link BitDropGates#state()}), or null: saved with checkpoints. */
    private double[] cpqState;
    /** Scratch buffers per weight key, rebuilt on demand; never serialised. */
    private transient java.util.Map<String, Buffers> buffers;
    /** The CPQ training forward of this layer, set by the run; never serialised. */
    private transient CpqTraining cpqTraining;
    /**
     * BiTAT's transformation of this (dense) layer's W, or null: quantize in its basis. Never serialised (no getter):
     * the run computes it from data and installs it again after every open.
     */
    private transient BitatTransform transform;

    private QuantizedWeightNoise() {
        this(32, false);
    }

    /** A noise quantizing to {@code bits} (1..8 or 32) in training and inference. */
    public QuantizedWeightNoise(int bits, boolean perChannel) {
        this.targetBits = checkBits("targetBits", bits);
        this.trainBits = bits;
        this.perChannel = perChannel;
    }

    public int getTargetBits() { return targetBits; }

    public int getTrainBits() { return trainBits; }

    public boolean isPerChannel() { return perChannel; }

    /** Sets the bit-width of inference (evaluation, export). Called between iterations by the run's thread. */
    public void setTargetBits(int bits) { this.targetBits = checkBits("targetBits", bits); }

    /** Sets the bit-width of the next training forward passes. Called between iterations by the run's thread. */
    public void setTrainBits(int bits) { this.trainBits = checkBits("trainBits", bits); }

    public void setPerChannel(boolean perChannel) { this.perChannel = perChannel; }

    /** CPQ's grid width B, or 0 when the layer uses the uniform quantizer. */
    public int getGridBits() { return gridBits; }

    /** Sets CPQ's grid width B (2..8), or 0 for the uniform quantizer. Called by the run before training. */
    public void setGridBits(int gridBits) {
        if (gridBits != 0 && (gridBits < CpqQuantizer.MIN_GRID_BITS || gridBits > CpqQuantizer.MAX_GRID_BITS))
            throw new IllegalArgumentException("gridBits is " + gridBits + ", but must be 0 (uniform) or "
                    + CpqQuantizer.MIN_GRID_BITS + ".." + CpqQuantizer.MAX_GRID_BITS);
        this.gridBits = gridBits;
    }

    public double[] getCpqState() { return cpqState; }

    public void setCpqState(double[] cpqState) { this.cpqState = cpqState; }

    /** The CPQ training hook, or null. */
    public CpqTraining cpqTraining() { return cpqTraining; }

    /** Installs (or with null removes) the CPQ training forward of this layer. */
    public void cpqTraining(CpqTraining training) { this.cpqTraining = training; }

    /**
     * Quantizes {@code W} in BiTAT's transformed basis from now on ({@link BitatTransform#quantize}); null goes back
     * to plain quantization. Called between iterations by the run's thread.
     */
    public void useTransform(BitatTransform t) { this.transform = t; }

    /** The installed BiTAT transformation, or null. */
    public BitatTransform transform() { return transform; }

    /** Q(W) as this noise computes it at {@code bits}: in the transformed basis when one is installed. */
    public INDArray quantizeWeights(INDArray w, int bits) {
        if (bits == 32) return w.dup();
        if (transform != null && w.rank() == 2) return transform.quantize(w, bits);
        return quantize(w, bits, perChannel);
    }

    private static int checkBits(String field, int bits) {
        if (!(bits >= 1 && bits <= 8) && bits != 32)
            throw new IllegalArgumentException(field + " is " + bits + ", but must be 1..8 or 32");
        return bits;
    }

    @Override
    public INDArray getParameter(Layer layer, String paramKey, int iteration, int epoch, boolean train,
                                 LayerWorkspaceMgr workspaceMgr) {
        INDArray w = layer.getParam(paramKey);
        int bits = train ? trainBits : targetBits;
        if (bits == 32 || !WEIGHT_KEYS.contains(paramKey)) return w;
        if (transform != null && WEIGHT_KEY.equals(paramKey) && w.rank() == 2) return transform.quantize(w, bits);
        if (buffers == null) buffers = new java.util.HashMap<>(2);
        Buffers b = buffers.get(paramKey);
        if (b == null || !b.fits(w)) buffers.put(paramKey, b = Buffers.forWeights(w));
        if (gridBits > 0 && WEIGHT_KEY.equals(paramKey)) {
            if (train && cpqTraining != null) return b.cpqForward(w, gridBits, bits, perChannel, cpqTraining, iteration);
            return b.cpqRound(w, gridBits, bits, perChannel);
        }
        return b.quantize(w, bits, perChannel);
    }

    /**
     * Q(W) at {@code bits} on CPQ's grid of width {@code gridBits} (0: the uniform {@link #quantize(INDArray, int,
     * boolean)}), as a new array: what inference and export use for a layer with this noise.
     */
    public static INDArray quantize(INDArray w, int bits, boolean perChannel, int gridBits) {
        if (gridBits == 0 || bits == 32) return bits == 32 ? w.dup() : quantize(w, bits, perChannel);
        return Buffers.forWeights(w).cpqRound(w, gridBits, bits, perChannel).dup();
    }

    /** The inference quantization of {@code w} (this noise's key {@code W}): {@link #quantize(INDArray, int, boolean, int)}. */
    public INDArray quantizeForInference(INDArray w) {
        return quantize(w, targetBits, perChannel, gridBits);
    }

    /** Channel blocks of {@code w} under this noise: the output channels with per-channel scales, else 1. */
    public static int channels(INDArray w, boolean perChannel) {
        return perChannel ? (int) (w.rank() == 2 ? w.size(1) : w.size(0)) : 1;
    }

    /**
     * Q(W) of a dense ([nIn, nOut], output channel = column) or convolution ([nOut, nIn, kH, kW], output channel
     * = first dimension) weight array, as a new array of the same shape and type.
     */
    public static INDArray quantize(INDArray w, int bits, boolean perChannel) {
        return Buffers.forWeights(w).quantize(w, bits, perChannel).dup();
    }

    /**
     * Reused buffers of one layer's quantization: a detached copy of W, a Java array to quantize in, and the
     * detached output. No allocation per iteration. The output is overwritten by the next call: DL4J uses
     * the result of a training call until that iteration's backprop ends and of an inference call until that
     * forward pass ends, and a run calls its network from one thread at a time, so this is safe.
     */
    private record Buffers(long[] shape, char order, INDArray in, float[] values, INDArray out) {
        static Buffers forWeights(INDArray w) {
            int rank = w.rank();
            if (rank != 2 && rank != 4)
                throw new IllegalArgumentException("weights have rank " + rank + ", but must be 2 (dense) or 4 (convolution)");
            // lay the output channels out as contiguous blocks: columns of 'f' order, leading index of 'c' order
            char order = rank == 2 ? 'f' : 'c';
            long[] shape = w.shape();
            return new Buffers(shape, order, Nd4j.createUninitializedDetached(DataType.FLOAT, order, shape),
                    new float[Math.toIntExact(w.length())], Nd4j.createUninitializedDetached(DataType.FLOAT, order, shape));
        }

        boolean fits(INDArray w) {
            return java.util.Arrays.equals(shape, w.shape()) && w.dataType() == DataType.FLOAT;
        }

        INDArray quantize(INDArray w, int bits, boolean perChannel) {
            int channels = perChannel ? (int) (order == 'f' ? shape[1] : shape[0]) : 1;
            in.assign(w.dataType() == DataType.FLOAT ? w : w.castTo(DataType.FLOAT));
            in.data().asNioFloat().get(values, 0, values.length);
            Quantizer.quantize(values, values, channels, bits);
            out.data().asNioFloat().put(values, 0, values.length);
            return w.dataType() == DataType.FLOAT ? out : out.castTo(w.dataType());
        }

        private int channels(boolean perChannel) { return perChannel ? (int) (order == 'f' ? shape[1] : shape[0]) : 1; }

        INDArray cpqRound(INDArray w, int gridBits, int bits, boolean perChannel) {
            in.assign(w.dataType() == DataType.FLOAT ? w : w.castTo(DataType.FLOAT));
            in.data().asNioFloat().get(values, 0, values.length);
            CpqQuantizer.round(values, values, channels(perChannel), gridBits, bits);
            out.data().asNioFloat().put(values, 0, values.length);
            return w.dataType() == DataType.FLOAT ? out : out.castTo(w.dataType());
        }

        INDArray cpqForward(INDArray w, int gridBits, int bits, boolean perChannel, CpqTraining t, int iteration) {
            in.assign(w.dataType() == DataType.FLOAT ? w : w.castTo(DataType.FLOAT));
            float[] weights = t.weights(values.length);
            in.data().asNioFloat().get(weights, 0, weights.length);
            t.forward(weights, values, channels(perChannel), order, gridBits, bits, iteration);
            out.data().asNioFloat().put(values, 0, values.length);
            return w.dataType() == DataType.FLOAT ? out : out.castTo(w.dataType());
        }
    }

    @Override
    public QuantizedWeightNoise clone() {
        QuantizedWeightNoise c = new QuantizedWeightNoise(targetBits, perChannel);
        c.trainBits = trainBits;
        c.gridBits = gridBits;
        c.cpqState = cpqState == null ? null : cpqState.clone();
        return c;
    }

    @Override public boolean equals(Object o) {
        return o instanceof QuantizedWeightNoise q && q.targetBits == targetBits && q.trainBits == trainBits
                && q.perChannel == perChannel && q.gridBits == gridBits && java.util.Arrays.equals(q.cpqState, cpqState);
    }

    @Override public int hashCode() { return Objects.hash(targetBits, trainBits, perChannel, gridBits); }

    @Override public String toString() {
        return "QuantizedWeightNoise(targetBits=" + targetBits + ", trainBits=" + trainBits + ", perChannel=" + perChannel
                + (gridBits > 0 ? ", gridBits=" + gridBits : "") + ")";
    }
}
