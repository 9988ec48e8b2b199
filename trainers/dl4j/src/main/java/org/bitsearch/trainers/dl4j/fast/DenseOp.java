package org.bitsearch.trainers.dl4j.fast;

import org.bitsearch.trainers.dl4j.quant.QuantizedActivation;
import org.bitsearch.trainers.dl4j.quant.QuantizedWeightNoise;

/**
 * A dense layer with ReLU: z = x·W + b, a = max(0, z), rows = samples. DL4J stores W [nIn, nOut] in 'f' order,
 * i.e. row-major Wᵀ [nOut, nIn]: forward Z = X·(Wᵀ)ᵀ, backward dWᵀ = dZᵀ·X, db = Σ_rows dZ, dX = dZ·Wᵀ,
 * with dZ = dA ⊙ [z &gt; 0] (DL4J's ReLU derivative); with an activation quantizer the ReLU output is quantized
 * ({@link ActivationStep}) and dZ = dA ⊙ [0 &lt; a ≤ α].
 */
class DenseOp implements FastLayer {
    final Slot in, out;
    final int nIn, nOut, wOffset, bOffset;
    final WeightPrep weights;
    final NativeFloats dz, dw;
    /** The output's activation quantization, or null. */
    private final ActivationStep act;

    DenseOp(Slot in, Slot out, int wOffset, int bOffset, QuantizedWeightNoise noise, QuantizedActivation act, float[] scratch) {
        this.in = in;
        this.out = out;
        this.nIn = in.size;
        this.nOut = out.size;
        this.wOffset = wOffset;
        this.bOffset = bOffset;
        this.weights = new WeightPrep(noise, wOffset, nIn * nOut, nOut, scratch);
        this.dz = new NativeFloats(nOut * in.maxBatch);
        this.dw = new NativeFloats(nIn * nOut);
        this.act = act == null ? null : new ActivationStep(act, nOut * in.maxBatch);
    }

    /** z = x·W + b into {@code out.value} (first batch rows). */
    final void linear(float[] params, int batch) {
        weights.prepare(params);
        Blas.gemm(false, true, batch, nOut, nIn, in.valueNative(batch), weights.weights.pointer, out.valueTarget());
        out.valueWrittenNative();
        float[] z = out.valueJava(batch);
        for (int r = 0; r < batch; r++) {
            int o = r * nOut;
            for (int j = 0; j < nOut; j++) z[o + j] += params[bOffset + j];
        }
        out.valueWrittenJava();
    }

    @Override
    public void forward(float[] params, int batch) {
        linear(params, batch);
        float[] a = out.value;
        int n = batch * nOut;
        for (int i = 0; i < n; i++) a[i] = Math.max(0f, a[i]);
        if (act != null) act.forward(a, n);
    }

    /** dZ (Java, first batch rows) of this layer's output, into {@code dzJava}. */
    void outputDelta(float[] dzJava, int batch) {
        float[] g = out.gradJava(batch), a = out.value;
        int n = batch * nOut;
        if (act != null) act.delta(g, a, dzJava, n);
        else for (int i = 0; i < n; i++) dzJava[i] = a[i] > 0f ? g[i] : 0f;
    }

    private float[] dzJava;

    @Override
    public void backward(float[] params, float[] grads, int batch, boolean inputGradient) {
        if (dzJava == null) dzJava = new float[nOut * in.maxBatch];
        outputDelta(dzJava, batch);
        dz.put(dzJava, 0, batch * nOut);
        Blas.gemm(true, false, nOut, nIn, batch, dz.pointer, in.valueNative(batch), dw.pointer);
        dw.get(grads, wOffset, nIn * nOut);
        java.util.Arrays.fill(grads, bOffset, bOffset + nOut, 0f);
        for (int r = 0; r < batch; r++) {
            int o = r * nOut;
            for (int j = 0; j < nOut; j++) grads[bOffset + j] += dzJava[o + j];
        }
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
    }
}
