package org.bitsearch.trainers.dl4j.fast;

import java.util.Arrays;

/**
 * Max pooling with a k×k window and stride k (no padding, truncating), on activations [C, H, W, N] in and out
 * (sample-minor, as {@link ConvOp}): each loop's innermost index runs over the minibatch's N contiguous values.
 * Forward keeps the index of each window's maximum (the first one in the window's row-major order on ties, as
 * DL4J); backward sends each output gradient to it.
 */
final class MaxPoolOp implements FastLayer {
    final Slot in, out;
    final int c, h, w, k, oh, ow;
    private final int[] argmax;

    MaxPoolOp(Slot in, Slot out, int c, int h, int w, int k) {
        this.in = in;
        this.out = out;
        this.c = c;
        this.h = h;
        this.w = w;
        this.k = k;
        this.oh = (h - k) / k + 1;
        this.ow = (w - k) / k + 1;
        this.argmax = new int[out.size * out.maxBatch];
    }

    @Override
    public void forward(float[] params, int batch) {
        float[] x = in.valueJava(batch), y = out.value;
        if (k == 2) forward2(x, y, batch);
        else forwardK(x, y, batch);
        out.valueWrittenJava();
    }

    private void forwardK(float[] x, float[] y, int n) {
        for (int ci = 0; ci < c; ci++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++) {
                    int first = ((ci * h + oy * k) * w + ox * k) * n, o = ((ci * oh + oy) * ow + ox) * n;
                    for (int s = 0; s < n; s++) {
                        int best = first + s;
                        float m = x[best];
                        for (int dy = 0; dy < k; dy++)
                            for (int dx = 0; dx < k; dx++) {
                                int idx = first + (dy * w + dx) * n + s;
                                if (x[idx] > m) {
                                    m = x[idx];
                                    best = idx;
                                }
                            }
                        y[o + s] = m;
                        argmax[o + s] = best;
                    }
                }
    }

    /**
     * The 2×2 case without branches on the data (after ReLU, which of four values wins is a coin flip): values by
     * {@code Math.max} (C2 compiles it without a jump; a float {@code ?:} compiles to one on x86, mispredicted half
     * the time: JFR showed this loop at a quarter of the CNN step's Java time), indices by int selects (cmov), the
     * first maximum on ties, as the general loop. The same values as the general loop except for ties of -0 and +0
     * (ReLU outputs, its input here, are never -0) and NaN inputs (a diverged run).
     */
    private void forward2(float[] x, float[] y, int n) {
        int dRow = w * n;
        for (int ci = 0; ci < c; ci++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++) {
                    int i0 = ((ci * h + 2 * oy) * w + 2 * ox) * n, i1 = i0 + n, i2 = i0 + dRow, i3 = i2 + n;
                    int o = ((ci * oh + oy) * ow + ox) * n;
                    for (int s = 0; s < n; s++) {
                        float a = x[i0 + s], b = x[i1 + s], cc = x[i2 + s], d = x[i3 + s];
                        float m1 = Math.max(a, b), m2 = Math.max(cc, d);
                        int j1 = b > a ? i1 + s : i0 + s, j2 = d > cc ? i3 + s : i2 + s;
                        y[o + s] = Math.max(m1, m2);
                        argmax[o + s] = m2 > m1 ? j2 : j1;
                    }
                }
    }

    @Override
    public void backward(float[] params, float[] grads, int batch, boolean inputGradient) {
        if (!inputGradient) return;
        float[] g = out.gradJava(batch), gx = in.grad;
        Arrays.fill(gx, 0, c * batch * h * w, 0f);
        int n = c * batch * oh * ow;
        for (int j = 0; j < n; j++) gx[argmax[j]] += g[j];
        in.gradWrittenJava();
    }

    @Override public void close() {}
}
