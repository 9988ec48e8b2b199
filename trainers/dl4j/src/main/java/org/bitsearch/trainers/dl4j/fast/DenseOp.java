package org.bitsearch.trainers.dl4j.fast;

import org.bitsearch.trainers.dl4j.quant.QuantizedActivation;
import org.bitsearch.trainers.dl4j.quant.QuantizedWeightNoise;

/**
 * A dense layer with ReLU: z = x·W + b, a = max(0, z), rows = samples. DL4J stores W [nIn, nOut] in 'f' order,
 * i.e. row-major Wᵀ [nOut, nIn]: forward Z = X·(Wᵀ)ᵀ, backward dWᵀ = dZᵀ·X, db = Σ_rows dZ, dX = dZ·Wᵀ,
 * with dZ = dA ⊙ [z &gt; 0] (DL4J's ReLU derivative); with an activation quantizer the ReLU output is quantized
 * ({@link ActivationStep}) and dZ = dA ⊙ [0 &lt; a ≤ α].
 *
 * <p>Every elementwise loop indexes all its arrays by the same expression, the form JDK 17's C2 vectorises: the
 * bias is added from a row-broadcast copy ({@code biasRows}, one {@code arraycopy} per row), fused with ReLU; the
 * bias gradient Σ_rows dZ is a BLAS product dZᵀ·1 on the native dZ the weight gradient reads anyway.
 */
class DenseOp implements FastLayer {
    final Slot in, out;
    final int nIn, nOut, wOffset, bOffset;
    final WeightPrep weights;
    final NativeFloats dz, dw, ones, db;
    /** b repeated once per minibatch row: [maxBatch, nOut]. */
    final float[] biasRows;
    /** The output's activation quantization, or null. */
    private final ActivationStep act;

    DenseOp(Slot in, Slot out, int wOffset, int bOffset, QuantizedWeightNoise noise, QuantizedActivation act) {
        this.in = in;
        this.out = out;
        this.nIn = in.size;
        this.nOut = out.size;
        this.wOffset = wOffset;
        this.bOffset = bOffset;
        this.weights = new WeightPrep(noise, wOffset, nIn * nOut, nOut);
        this.dz = new NativeFloats(nOut * in.maxBatch);
        this.dw = new NativeFloats(nIn * nOut);
        this.ones = new NativeFloats(in.maxBatch);
        float[] one = new float[in.maxBatch];
        java.util.Arrays.fill(one, 1f);
        ones.put(one, 0, one.length);
        this.db = new NativeFloats(nOut);
        this.biasRows = new float[nOut * in.maxBatch];
        this.act = act == null ? null : new ActivationStep(act, nOut * in.maxBatch);
    }

    /**
     * x·W into {@code out.value} (first batch rows, the bias not yet added) and b into the first batch rows of
     * {@link #biasRows}; the caller adds them (z = x·W + b), fused with what it computes next.
     */
    final void linear(float[] params, int batch) {
        weights.prepare(params);
        Blas.gemm(false, true, batch, nOut, nIn, in.valueNative(batch), weights.weights.pointer, out.valueTarget());
        out.valueWrittenNative();
        out.valueJava(batch);
        System.arraycopy(params, bOffset, biasRows, 0, nOut);
        for (int r = 1; r < batch; r++) System.arraycopy(biasRows, 0, biasRows, r * nOut, nOut);
        out.valueWrittenJava();
    }

    @Override
    public void forward(float[] params, int batch) {
        linear(params, batch);
        float[] a = out.value, b = biasRows;
        int n = batch * nOut;
        for (int i = 0; i < n; i++) a[i] = Math.max(0f, a[i] + b[i]);
        if (act != null) act.forward(a, n);
    }

    /** dZ (Java, first batch rows) of this layer's output, into {@code dzJava}. */
    void outputDelta(float[] dzJava, int batch) {
        float[] g = out.gradJava(batch), a = out.value;
        int n = batch * nOut;
        if (act != null) act.delta(g, a, dzJava, n);
        else Relu.backward(a, g, dzJava, n);
    }

    private float[] dzJava;

    @Override
    public void backward(float[] params, float[] grads, int batch, boolean inputGradient) {
        if (dzJava == null) dzJava = new float[nOut * in.maxBatch];
        outputDelta(dzJava, batch);
        dz.put(dzJava, 0, batch * nOut);
        Blas.gemm(true, false, nOut, nIn, batch, dz.pointer, in.valueNative(batch), dw.pointer);
        dw.get(grads, wOffset, nIn * nOut);
        Blas.gemvTransposed(batch, nOut, dz.pointer, ones.pointer, db.pointer);
        db.get(grads, bOffset, nOut);
        if (inputGradient) {
            Blas.gemm(false, false, batch, nIn, nOut, dz.pointer, weights.weights.pointer, in.gradTarget());
            in.gradWrittenNative();
        }
    }

    @Override
    public void close() {
        weights.close();
        dz.close();
        dw.close();
        ones.close();
        db.close();
    }
}
