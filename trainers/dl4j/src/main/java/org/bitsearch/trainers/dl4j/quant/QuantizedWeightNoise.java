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
    /** Scratch buffers per weight key, rebuilt on demand; never serialised. */
    private transient java.util.Map<String, Buffers> buffers;
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
        return b.quantize(w, bits, perChannel);
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
    }

    @Override
    public QuantizedWeightNoise clone() {
        QuantizedWeightNoise c = new QuantizedWeightNoise(targetBits, perChannel);
        c.trainBits = trainBits;
        return c;
    }

    @Override public boolean equals(Object o) {
        return o instanceof QuantizedWeightNoise q && q.targetBits == targetBits && q.trainBits == trainBits
                && q.perChannel == perChannel;
    }

    @Override public int hashCode() { return Objects.hash(targetBits, trainBits, perChannel); }

    @Override public String toString() {
        return "QuantizedWeightNoise(targetBits=" + targetBits + ", trainBits=" + trainBits + ", perChannel=" + perChannel + ")";
    }
}
