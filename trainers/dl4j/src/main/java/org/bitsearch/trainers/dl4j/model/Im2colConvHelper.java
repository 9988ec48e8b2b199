package org.bitsearch.trainers.dl4j.model;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.AlgoMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.BwdDataAlgo;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.BwdFilterAlgo;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.FwdAlgo;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.ConvolutionHelper;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.FloatBuffer;
import java.util.Map;

/**
 * A 2-D convolution (NCHW, FLOAT, dilation 1, any stride and padding) as im2col in Java plus one BLAS gemm per
 * product, for one {@code ConvolutionLayer} of a network. DL4J calls it from the layer's forward and backward
 * passes (see {@link NativeConvolution}); one instance per layer, used by the network's thread only.
 *
 * <p>With x the input [N, C, H, W], W the weights [O, C·kH·kW] and X the im2col matrix [N·P, C·kH·kW]
 * (P = output pixels), held transposed as Xᵀ [K, N·P]: forward Z = X·Wᵀ + b; backward dW = Dᵀ·X, db = Σ D, dX = col2im(D·W), with D the
 * pre-activation gradient [N·P, O]. The index arithmetic runs on Java arrays with unit-stride inner loops;
 * libnd4j M2.1's own im2col/col2im walk permuted views element by element and took ~70% of a LeNet step.
 * Buffers are reused across calls (reallocated when the minibatch size changes).
 */
final class Im2colConvHelper implements ConvolutionHelper {
    private float[] x = new float[0], col = new float[0], d = new float[0], tmp = new float[0];
    private INDArray colArr, dArr, prodArr, wGrad, bGrad, inBuf, outBuf;
    private long[] shapeKey = new long[0];
    /**
     * The input whose columns {@code colArr} holds, set by a forward pass: DL4J's backward pass recomputes the
     * forward pass ({@code preOutput}) right before {@code backpropGradient} with the same input array, which
     * then reuses the columns once instead of building them again.
     */
    private INDArray loaded;

    @Override public boolean checkSupported() { return true; }

    @Override public Map<String, Long> helperMemoryUse() { return Map.of(); }

    @Override
    public INDArray activate(INDArray z, IActivation afn, boolean training) {
        return afn.getActivation(z, training);
    }

    /** The geometry of one call. */
    private record Geometry(int n, int c, int h, int w, int o, int kh, int kw, int sh, int sw, int ph, int pw,
                            int oh, int ow) {
        int k() { return c * kh * kw; }
        int p() { return oh * ow; }
        int rows() { return n * p(); }
    }

    private Geometry geometry(INDArray input, INDArray weights, int[] kernel, int[] strides, int[] pad, int[] dilation,
                              ConvolutionMode mode, CNN2DFormat format) {
        if (format != CNN2DFormat.NCHW || dilation[0] != 1 || dilation[1] != 1 || mode == ConvolutionMode.Causal)
            throw new IllegalStateException("Im2colConvHelper supports NCHW, dilation 1, non-causal convolutions only");
        long[] s = input.shape();
        int n = (int) s[0], c = (int) s[1], h = (int) s[2], w = (int) s[3];
        int o = (int) weights.size(0);
        int oh = (h + 2 * pad[0] - kernel[0]) / strides[0] + 1, ow = (w + 2 * pad[1] - kernel[1]) / strides[1] + 1;
        if (mode == ConvolutionMode.Same) {
            oh = (h + strides[0] - 1) / strides[0];
            ow = (w + strides[1] - 1) / strides[1];
        }
        return new Geometry(n, c, h, w, o, kernel[0], kernel[1], strides[0], strides[1], pad[0], pad[1], oh, ow);
    }

    private void ensure(Geometry g) {
        long[] key = {g.n(), g.c(), g.h(), g.w(), g.o(), g.k(), g.p()};
        if (java.util.Arrays.equals(key, shapeKey)) return;
        shapeKey = key;
        loaded = null;
        x = new float[g.n() * g.c() * g.h() * g.w()];
        col = new float[g.rows() * g.k()];
        d = new float[g.rows() * g.o()];
        tmp = new float[Math.max(g.rows() * g.k(), g.rows() * g.o())];
        colArr = Nd4j.createUninitializedDetached(DataType.FLOAT, 'c', g.k(), g.rows());
        dArr = Nd4j.createUninitializedDetached(DataType.FLOAT, 'c', g.rows(), g.o());
        prodArr = Nd4j.createUninitializedDetached(DataType.FLOAT, 'c', g.k(), g.rows());
        wGrad = Nd4j.createUninitializedDetached(DataType.FLOAT, 'c', g.o(), g.k());
        bGrad = Nd4j.createUninitializedDetached(DataType.FLOAT, 'c', 1, g.o());
        inBuf = Nd4j.createUninitializedDetached(DataType.FLOAT, 'c', g.n(), g.c(), g.h(), g.w());
        outBuf = Nd4j.createUninitializedDetached(DataType.FLOAT, 'c', g.n(), g.o(), g.oh(), g.ow());
    }

    private static void read(INDArray contiguous, float[] into, int length) {
        FloatBuffer b = contiguous.data().asNioFloat();
        b.get(into, 0, length);
    }

    private static void write(INDArray contiguous, float[] from, int length) {
        contiguous.data().asNioFloat().put(from, 0, length);
    }

    /**
     * Fills {@code col} as Xᵀ ([K, N·P], row = (channel, ky, kx), column = output pixel) from {@code x}: for
     * stride 1 each (row, image, output row) is one contiguous run of the input row.
     */
    private void im2col(Geometry g) {
        int hw = g.h() * g.w(), p = g.p(), rows = g.rows(), ow = g.ow();
        for (int c = 0; c < g.c(); c++)
            for (int ky = 0; ky < g.kh(); ky++)
                for (int kx = 0; kx < g.kw(); kx++) {
                    int kRow = ((c * g.kh() + ky) * g.kw() + kx) * rows;
                    for (int n = 0; n < g.n(); n++) {
                        int base = (n * g.c() + c) * hw;
                        for (int oy = 0; oy < g.oh(); oy++) {
                            int dst = kRow + n * p + oy * ow;
                            int iy = oy * g.sh() + ky - g.ph();
                            if (iy < 0 || iy >= g.h()) {
                                java.util.Arrays.fill(col, dst, dst + ow, 0f);
                                continue;
                            }
                            int src = base + iy * g.w(), ix0 = kx - g.pw();
                            if (g.sw() == 1 && ix0 >= 0 && ix0 + ow <= g.w()) {
                                System.arraycopy(x, src + ix0, col, dst, ow);
                            } else {
                                for (int ox = 0; ox < ow; ox++) {
                                    int ix = ix0 + ox * g.sw();
                                    col[dst + ox] = ix >= 0 && ix < g.w() ? x[src + ix] : 0f;
                                }
                            }
                        }
                    }
                }
    }

    /** Adds the columns in {@code col} (Xᵀ layout, [K, N·P]) back onto the input positions in {@code x}. */
    private void col2im(Geometry g) {
        java.util.Arrays.fill(x, 0f);
        int hw = g.h() * g.w(), p = g.p(), rows = g.rows(), ow = g.ow();
        for (int c = 0; c < g.c(); c++)
            for (int ky = 0; ky < g.kh(); ky++)
                for (int kx = 0; kx < g.kw(); kx++) {
                    int kRow = ((c * g.kh() + ky) * g.kw() + kx) * rows;
                    for (int n = 0; n < g.n(); n++) {
                        int base = (n * g.c() + c) * hw;
                        for (int oy = 0; oy < g.oh(); oy++) {
                            int iy = oy * g.sh() + ky - g.ph();
                            if (iy < 0 || iy >= g.h()) continue;
                            int srcCol = kRow + n * p + oy * ow, dst = base + iy * g.w(), ix0 = kx - g.pw();
                            for (int ox = 0; ox < ow; ox++) {
                                int ix = ix0 + ox * g.sw();
                                if (ix >= 0 && ix < g.w()) x[dst + ix] += col[srcCol + ox];
                            }
                        }
                    }
                }
    }

    private void loadInput(INDArray input, Geometry g) {
        if (input == loaded) {
            loaded = null;
            return;
        }
        loaded = input;
        inBuf.assign(input);
        read(inBuf, x, x.length);
        im2col(g);
        write(colArr, col, col.length);
    }

    @Override
    public INDArray preOutput(INDArray input, INDArray weights, INDArray bias, int[] kernel, int[] strides, int[] pad,
                              AlgoMode mode, FwdAlgo fwdAlgo, ConvolutionMode convolutionMode, int[] dilation,
                              CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        Geometry g = geometry(input, weights, kernel, strides, pad, dilation, convolutionMode, format);
        ensure(g);
        loadInput(input, g);
        INDArray w2 = weights.reshape('c', g.o(), g.k());
        INDArray prod = dArr; // [N·P, O] = X · Wᵀ
        Nd4j.gemm(colArr, w2, prod, true, true, 1.0, 0.0);
        int o = g.o(), p = g.p(), rows = g.rows();
        read(prod, tmp, rows * o);
        float[] b = bias == null ? new float[o] : bias.castTo(DataType.FLOAT).reshape(o).toFloatVector();
        float[] out = d;
        for (int n = 0; n < g.n(); n++)
            for (int oc = 0; oc < o; oc++) {
                int dst = (n * o + oc) * p, src = n * p * o + oc;
                float bo = b[oc];
                for (int i = 0; i < p; i++) out[dst + i] = tmp[src + i * o] + bo;
            }
        write(outBuf, out, rows * o);
        INDArray z = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, weights.dataType(),
                g.n(), o, g.oh(), g.ow());
        z.assign(outBuf);
        return z;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray weights, INDArray bias, INDArray delta,
                                                     int[] kernel, int[] strides, int[] pad, INDArray biasGradView,
                                                     INDArray weightGradView, IActivation afn, AlgoMode mode,
                                                     BwdFilterAlgo bwdFilterAlgo, BwdDataAlgo bwdDataAlgo,
                                                     ConvolutionMode convolutionMode, int[] dilation,
                                                     CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        Geometry g = geometry(input, weights, kernel, strides, pad, dilation, convolutionMode, format);
        ensure(g);
        loadInput(input, g);
        int o = g.o(), p = g.p(), k = g.k(), rows = g.rows();
        outBuf.assign(delta);
        read(outBuf, tmp, rows * o);
        float[] db = new float[o];
        for (int n = 0; n < g.n(); n++)
            for (int oc = 0; oc < o; oc++) {
                int src = (n * o + oc) * p, dst = n * p * o + oc;
                float s = 0;
                for (int i = 0; i < p; i++) {
                    float v = tmp[src + i];
                    d[dst + i * o] = v;
                    s += v;
                }
                db[oc] += s;
            }
        write(dArr, d, rows * o);
        Nd4j.gemm(dArr, colArr, wGrad, true, true, 1.0, 0.0);      // dW = Dᵀ · X  [O, K]
        weightGradView.assign(wGrad.reshape('c', weightGradView.shape()));
        if (biasGradView != null) {
            write(bGrad, db, o);
            biasGradView.assign(bGrad.reshape(biasGradView.shape()));
        }
        INDArray w2 = weights.reshape('c', o, k);
        Nd4j.gemm(w2, dArr, prodArr, true, true, 1.0, 0.0);        // dXᵀ columns = Wᵀ · Dᵀ  [K, N·P]
        read(prodArr, col, rows * k);
        col2im(g);
        write(inBuf, x, x.length);
        INDArray eps = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, input.dataType(), input.shape());
        eps.assign(inBuf);
        Gradient grad = new DefaultGradient();
        if (biasGradView != null) grad.setGradientFor("b", biasGradView);
        grad.setGradientFor("W", weightGradView, 'c');
        return new Pair<>(grad, eps);
    }
}
