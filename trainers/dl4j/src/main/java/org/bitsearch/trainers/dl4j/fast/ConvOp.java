package org.bitsearch.trainers.dl4j.fast;

import org.bitsearch.trainers.dl4j.quant.QuantizedActivation;
import org.bitsearch.trainers.dl4j.quant.QuantizedWeightNoise;

import java.util.Arrays;

/**
 * A 2-D convolution with ReLU (stride 1, no padding, dilation 1: what {@code ModelFactory}'s CNN uses), activations
 * in "sample-minor layout" [C, H, W, N] (for each channel and pixel, the minibatch's N values contiguous). im2col
 * writes X [K, P·N] (K = C·kh·kw rows (c, ky, kx), P = output pixels, column (oy·OW + ox)·N + n) straight into the
 * native product operand: in this layout the row's part for one output row oy is one contiguous run of OW·N input
 * values, so a row of X is OH bulk copies. Then one product per pass: forward Z [O, P·N] = W [O, K] · X (DL4J's
 * W [O, C, kh, kw] in 'c' order is exactly [O, K]; Z is the output in the same layout), a = max(0, Z + b);
 * backward dW = dZ · Xᵀ, db = Σ dZ per channel, dX = col2im(Wᵀ · dZ), with dZ = dA ⊙ [z &gt; 0]; with an activation
 * quantizer the ReLU output is quantized ({@link ActivationStep}) and dZ = dA ⊙ [0 &lt; a ≤ α]. col2im reads dX's
 * runs back one at a time into a small buffer and adds them with a loop over the run.
 *
 * <p>Why this layout (issue 11): in the earlier [C, N, H, W] layout each run was one output row of one sample
 * (24 and 8 values in the LeNet CNN), so im2col and col2im were 77k and 205k short copies and scalar loops per
 * step, plus a full copy of X to native memory: 6.8 of the CNN step's 18.7 ms, measured per phase.
 */
final class ConvOp implements FastLayer {
    final Slot in, out;
    final int c, h, w, o, kh, kw, oh, ow, wOffset, bOffset;
    private final WeightPrep weights;
    private final NativeFloats col, z, dz, dw, dcol;
    private final float[] dzJava, run, runSum;
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
        this.dzJava = new float[o * np];
        this.run = new float[ow * in.maxBatch];
        this.runSum = new float[ow * in.maxBatch];
        this.act = act == null ? null : new ActivationStep(act, o * np);
    }

    /** Writes X [K, P·N] into {@link #col} from the input [C, H, W, N]: one bulk copy of OW·N values per (k, oy). */
    private void im2col(float[] x, int n) {
        int np = oh * ow * n, len = ow * n;
        for (int ci = 0; ci < c; ci++)
            for (int ky = 0; ky < kh; ky++)
                for (int kx = 0; kx < kw; kx++) {
                    long row = (long) ((ci * kh + ky) * kw + kx) * np;
                    for (int oy = 0; oy < oh; oy++)
                        col.pointer.position(row + (long) oy * len).put(x, ((ci * h + oy + ky) * w + kx) * n, len);
                }
        col.pointer.position(0);
    }

    /** Adds the columns of dX [K, P·N] ({@link #dcol}) onto the input gradient [C, H, W, N] (zeroed first). */
    private void col2im(float[] g, int n) {
        int np = oh * ow * n, len = ow * n;
        Arrays.fill(g, 0, c * h * w * n, 0f);
        float[] r = run, sum = runSum;
        for (int ci = 0; ci < c; ci++)
            for (int ky = 0; ky < kh; ky++)
                for (int kx = 0; kx < kw; kx++) {
                    long row = (long) ((ci * kh + ky) * kw + kx) * np;
                    for (int oy = 0; oy < oh; oy++) {
                        dcol.pointer.position(row + (long) oy * len).get(r, 0, len);
                        int dst = ((ci * h + oy + ky) * w + kx) * n;
                        // through a zero-based copy: C2 vectorises the add only when both arrays share the index
                        System.arraycopy(g, dst, sum, 0, len);
                        for (int i = 0; i < len; i++) sum[i] += r[i];
                        System.arraycopy(sum, 0, g, dst, len);
                    }
                }
        dcol.pointer.position(0);
    }

    @Override
    public void forward(float[] params, int batch) {
        int k = c * kh * kw, np = batch * oh * ow;
        weights.prepare(params);
        im2col(in.valueJava(batch), batch);
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
            col2im(in.grad, batch);
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
