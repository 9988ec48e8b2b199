package org.bitsearch.trainers.dl4j.quant;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationHardSigmoid;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU6;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Objects;

/**
 * Activation quantization of one layer's output on DL4J's {@code fit} path: a DL4J {@link IActivation} that wraps the
 * layer's own nonlinearity (ReLU, tanh, identity, ...) and quantizes its output to {@code k} bits, unsigned after a
 * non-negative nonlinearity (ReLU, ReLU6, sigmoid, hard sigmoid), signed otherwise; the arithmetic (grid, running
 * percentile calibration of the clipping value α, clipped straight-through estimator) is
 * {@link ActivationQuantizer}'s, which the fast step and the packed export share.
 *
 * <p>{@link #getActivation} with {@code training} true (once per layer per iteration, in the forward pass of
 * {@code fit}) first folds the batch's percentile into α, then quantizes with {@code trainBits}; with
 * {@code training} false (inference, evaluation) it quantizes with {@code targetBits} and the current α, changing
 * nothing. {@link #backprop} passes ε where the nonlinearity's output of the last training forward pass lay inside
 * [0, α] (unsigned) or [−α, α] (signed) and zero where it was clipped, then the nonlinearity's own derivative. Bits 32: the inner nonlinearity
 * alone (α is still calibrated in training, so a layer a progressive schedule reaches later has its range ready).
 *
 * <p>Two bit-widths as in {@link QuantizedWeightNoise}: {@code targetBits} (evaluation, export) and {@code trainBits}
 * (the next training forward passes), set between iterations by the run's thread. Serialised with the configuration
 * by DL4J's shaded Jackson, α included (checkpoints resume with it): keep the no-arg constructor, a getter and setter
 * per field, the class name and package. A plain export replaces it by {@link #getInner()} ({@code ModelExport}).
 */
public final class QuantizedActivation implements IActivation {
    private static final long serialVersionUID = 1L;

    private IActivation inner;
    private int targetBits;
    private int trainBits;
    private boolean signed;
    private float clip;
    private boolean calibrated;
    private transient float[] values, scratch, mask;
    private transient long[] maskShape;

    private QuantizedActivation() {
        this(new ActivationReLU(), 32);
    }

    /** Quantizes the output of {@code inner} to {@code bits} (1..8, or 32 for none); signed unless inner is non-negative. */
    public QuantizedActivation(IActivation inner, int bits) {
        this.inner = Objects.requireNonNull(inner, "inner");
        this.targetBits = checkBits("activationBits", bits);
        this.trainBits = bits;
        this.signed = !nonNegative(inner);
        this.clip = 1f;
    }

    /** Whether {@code a}'s outputs are never negative (the unsigned grid fits them). */
    public static boolean nonNegative(IActivation a) {
        return a instanceof ActivationReLU || a instanceof ActivationReLU6 || a instanceof ActivationSigmoid || a instanceof ActivationHardSigmoid;
    }

    private static int checkBits(String field, int bits) {
        if (!(bits >= 1 && bits <= 8) && bits != 32)
            throw new IllegalArgumentException(field + " is " + bits + ", but must be 1..8 or 32");
        return bits;
    }

    public IActivation getInner() { return inner; }
    public void setInner(IActivation inner) { this.inner = Objects.requireNonNull(inner, "inner"); }
    public int getTargetBits() { return targetBits; }
    public void setTargetBits(int bits) { this.targetBits = checkBits("targetBits", bits); }
    public int getTrainBits() { return trainBits; }
    public void setTrainBits(int bits) { this.trainBits = checkBits("trainBits", bits); }
    public boolean isSigned() { return signed; }
    public void setSigned(boolean signed) { this.signed = signed; }
    /** The clipping value α inference uses (1 for binary signed activations): what the export records. */
    public float inferenceClip() { return clipFor(targetBits); }
    /** The running α itself (what training calibrates). */
    public float getRunningClip() { return clip; }
    public void setRunningClip(float clip) { this.clip = clip; }
    public boolean isCalibrated() { return calibrated; }
    public void setCalibrated(boolean calibrated) { this.calibrated = calibrated; }

    /** α for quantizing with {@code bits}: 1 for binary signed, else the running α. */
    public float clipFor(int bits) { return ActivationQuantizer.fixedClip(bits, signed) ? 1f : clip; }

    /**
     * Folds a training batch's activations {@code a[0..n)} into α (called by the fit path and the fast step, once
     * per layer per training iteration).
     */
    public void calibrate(float[] a, int n) {
        if (scratch == null || scratch.length < n) scratch = new float[n];
        clip = ActivationQuantizer.update(clip, calibrated, ActivationQuantizer.percentile(a, n, signed, scratch));
        calibrated = true;
    }

    @Override
    public INDArray getActivation(INDArray in, boolean training) {
        INDArray a = inner.getActivation(in, training);
        int bits = training ? trainBits : targetBits;
        if (bits == 32 && !training) return a;
        int n = Math.toIntExact(a.length());
        float[] v = read(a, n);
        if (training) calibrate(v, n);
        if (bits == 32) return a;
        float c = clipFor(bits);
        if (training) {
            // the clipped STE's mask of this forward pass, for backprop (DL4J recomputes z there)
            if (mask == null || mask.length != n) mask = new float[n];
            for (int i = 0; i < n; i++) mask[i] = ActivationQuantizer.passes(v[i], signed, c) ? 1f : 0f;
            maskShape = a.shape();
        }
        ActivationQuantizer.quantize(v, n, bits, signed, c);
        a.assign(Nd4j.create(v, a.shape(), 'c').castTo(a.dataType()));
        return a;
    }

    private float[] read(INDArray a, int n) {
        if (values == null || values.length != n) values = new float[n];
        INDArray c = a.dataType() == DataType.FLOAT ? a.dup('c') : a.castTo(DataType.FLOAT).dup('c');
        c.data().asNioFloat().get(values, 0, n);
        return values;
    }

    @Override
    public Pair<INDArray, INDArray> backprop(INDArray in, INDArray epsilon) {
        if (trainBits == 32) return inner.backprop(in, epsilon);
        if (mask == null || !java.util.Arrays.equals(maskShape, in.shape()))
            throw new IllegalStateException("backprop without a training forward pass of the same shape " + java.util.Arrays.toString(in.shape()));
        INDArray m = Nd4j.create(mask, maskShape, 'c').castTo(epsilon.dataType());
        return inner.backprop(in, epsilon.mul(m));
    }

    @Override public int numParams(int inputSize) { return 0; }

    @Override public boolean equals(Object o) {
        return o instanceof QuantizedActivation q && q.inner.equals(inner) && q.targetBits == targetBits && q.trainBits == trainBits
                && q.signed == signed && Float.compare(q.clip, clip) == 0 && q.calibrated == calibrated;
    }

    @Override public int hashCode() { return Objects.hash(inner, targetBits, trainBits, signed, clip, calibrated); }

    @Override public String toString() {
        return "QuantizedActivation(" + inner + ", targetBits=" + targetBits + ", trainBits=" + trainBits + ", signed=" + signed
                + ", clip=" + clip + ")";
    }
}
