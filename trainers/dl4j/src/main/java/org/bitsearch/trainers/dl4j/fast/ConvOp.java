package org.bitsearch.trainers.dl4j.fast;

import org.bitsearch.trainers.dl4j.quant.QuantizedActivation;
import org.bitsearch.trainers.dl4j.quant.QuantizedWeightNoise;

/**
 * A 2-D convolution with ReLU (stride 1, no padding, dilation 1: what {@code ModelFactory}'s CNN uses), activations
 * in channel-major "product layout" [C, N, H, W] (each channel's plane of the whole minibatch contiguous). im2col
 * writes X [K, N·P] (K = C·kh·kw rows (c, ky, kx), P = output pixels); then one product per pass:
 * forward Z [O, N·P] = W [O, K] · X (DL4J's W [O, C, kh, kw] in 'c' order is exactly [O, K]), a = max(0, Z + b);
 * backward dW = dZ · Xᵀ, db = Σ dZ per channel, dX = col2im(Wᵀ · dZ), with dZ = dA ⊙ [z &gt; 0]; with an activation
 * quantizer the ReLU output is quantized ({@link ActivationStep}) and dZ = dA ⊙ [0 &lt; a ≤ α].
 */
final class ConvOp implements FastLayer {
    final Slot in, out;
    final int c, h, w, o, kh, kw, oh, ow, wOffset, bOffset;
    private final WeightPrep weights;
    private final NativeFloats col, z, dz, dw, dcol;
    private final float[] colJava, dzJava;
    private final ActivationStep act;

    ConvOp(Slot in, Slot out, int c, int h, int w, int o, int kh, int kw, int wOffset, int bOffset,
           QuantizedWeightNoise noise, QuantizedActivation act) {
        this.in = in;
        this.out = out;
        this.c = c;
        this.h = h;
        this.w = w;
        this.o = o;
        this.kh = kh;
        this.kw = kw;
        this.oh = h - kh + 1;
        this.ow = w - kw + 1;
        this.wOffset = wOffset;
        this.bOffset = bOffset;
        int k = c * kh * kw, np = in.maxBatch * oh * ow;
        this.weights = new WeightPrep(noise, wOffset, o * k, o);
        this.col = new NativeFloats(k * np);
        this.z = new NativeFloats(o * np);
        this.dz = new NativeFloats(o * np);
        this.dw = new NativeFloats(o * k);
        this.dcol = new NativeFloats(k * np);
        this.colJava = new float[k * np];
        this.dzJava = new float[o * np];
        this.act = act == null ? null : new ActivationStep(act, o * np);
    }

    /** Fills X [K, N·P] from the input planes [C, N, H, W]: one contiguous run of an input row per (k, n, oy). */
    private void im2col(float[] x, int n) {
        int hw = h * w, p = oh * ow, np = n * p;
        for (int ci = 0; ci < c; ci++)
            for (int ky = 0; ky < kh; ky++)
                for (int kx = 0; kx < kw; kx++) {
                    int row = ((ci * kh + ky) * kw + kx) * np;
                    for (int s = 0; s < n; s++) {
                        int src = (ci * n + s) * hw + ky * w + kx, dst = row + s * p;
                        for (int oy = 0; oy < oh; oy++, src += w, dst += ow)
                            System.arraycopy(x, src, colJava, dst, ow);
                    }
                }
    }

    /** Adds the columns of dX [K, N·P] back onto the input planes [C, N, H, W] (zeroed first). */
    private void col2im(float[] dx, float[] g, int n) {
        int hw = h * w, p = oh * ow, np = n * p;
        java.util.Arrays.fill(g, 0, c * n * hw, 0f);
        for (int ci = 0; ci < c; ci++)
            for (int ky = 0; ky < kh; ky++)
                for (int kx = 0; kx < kw; kx++) {
                    int row = ((ci * kh + ky) * kw + kx) * np;
                    for (int s = 0; s < n; s++) {
                        int dst = (ci * n + s) * hw + ky * w + kx, src = row + s * p;
                        for (int oy = 0; oy < oh; oy++, src += ow, dst += w)
                            for (int ox = 0; ox < ow; ox++) g[dst + ox] += dx[src + ox];
                    }
                }
    }

    @Override
    public void forward(float[] params, int batch) {
        int k = c * kh * kw, np = batch * oh * ow;
        weights.prepare(params);
        im2col(in.valueJava(batch), batch);
        col.put(colJava, 0, k * np);
        Blas.gemm(false, false, o, np, k, weights.weights.pointer, col.pointer, z.pointer);
        float[] a = out.value;
        z.get(a, 0, o * np);
        for (int oc = 0; oc < o; oc++) {
            float b = params[bOffset + oc];
            int from = oc * np, to = from + np;
            for (int i = from; i < to; i++) a[i] = Math.max(0f, a[i] + b);
        }
        if (act != null) act.forward(a, o * np);
        out.valueWrittenJava();
    }

    @Override
    public void backward(float[] params, float[] grads, int batch, boolean inputGradient) {
        int k = c * kh * kw, np = batch * oh * ow, n = o * np;
        float[] g = out.gradJava(batch), a = out.value;
        if (act != null) act.delta(g, a, dzJava, n);
        else Relu.backward(a, g, dzJava, n);
        for (int oc = 0; oc < o; oc++) {
            double s = 0;
            float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            int i = oc * np, to = i + np;
            for (; i + 3 < to; i += 4) {
                s0 += dzJava[i];
                s1 += dzJava[i + 1];
                s2 += dzJava[i + 2];
                s3 += dzJava[i + 3];
            }
            for (; i < to; i++) s0 += dzJava[i];
            s += (s0 + s1) + (s2 + s3);
            grads[bOffset + oc] = (float) s;
        }
        dz.put(dzJava, 0, n);
        Blas.gemm(false, true, o, k, np, dz.pointer, col.pointer, dw.pointer);
        dw.get(grads, wOffset, o * k);
        if (inputGradient) {
            Blas.gemm(true, false, k, np, o, weights.weights.pointer, dz.pointer, dcol.pointer);
            dcol.get(colJava, 0, k * np);
            col2im(colJava, in.grad, batch);
            in.gradWrittenJava();
        }
    }

    @Override
    public void close() {
        weights.close();
        col.close();
        z.close();
        dz.close();
        dw.close();
        dcol.close();
    }
}
