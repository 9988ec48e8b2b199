package org.bitsearch.trainers.dl4j.fast;

/**
 * Max pooling with a k×k window and stride k (no padding, truncating), on planes [C, N, H, W] in and out. Forward
 * keeps the index of each window's maximum (the first one on ties); backward sends each output gradient to it.
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
        int planes = c * batch, hw = h * w, ohw = oh * ow;
        if (k == 2) {
            forward2(x, y, planes, hw, ohw);
            out.valueWrittenJava();
            return;
        }
        for (int pl = 0; pl < planes; pl++) {
            int base = pl * hw, ob = pl * ohw;
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++) {
                    int first = base + oy * k * w + ox * k, best = first;
                    float m = x[first];
                    for (int dy = 0; dy < k; dy++)
                        for (int dx = 0; dx < k; dx++) {
                            int idx = first + dy * w + dx;
                            if (x[idx] > m) {
                                m = x[idx];
                                best = idx;
                            }
                        }
                    y[ob + oy * ow + ox] = m;
                    argmax[ob + oy * ow + ox] = best;
                }
        }
        out.valueWrittenJava();
    }

    /**
     * The 2×2 case without branches on the data (after ReLU, which of four values wins is a coin flip): values by
     * {@code Math.max} (C2 compiles it without a jump; a float {@code ?:} compiles to one on x86, mispredicted half
     * the time: JFR showed this loop at a quarter of the CNN step's Java time), indices by int selects (cmov), the
     * first maximum on ties, as the general loop. The same values as the general loop except for ties of -0 and +0
     * (ReLU outputs, its input here, are never -0) and NaN inputs (a diverged run).
     */
    private void forward2(float[] x, float[] y, int planes, int hw, int ohw) {
        for (int pl = 0; pl < planes; pl++) {
            int base = pl * hw, ob = pl * ohw;
            for (int oy = 0; oy < oh; oy++) {
                int row = base + 2 * oy * w, o = ob + oy * ow;
                for (int ox = 0; ox < ow; ox++) {
                    int i0 = row + 2 * ox, i1 = i0 + 1, i2 = i0 + w, i3 = i2 + 1;
                    float a = x[i0], b = x[i1], cc = x[i2], d = x[i3];
                    float m1 = Math.max(a, b), m2 = Math.max(cc, d);
                    int j1 = b > a ? i1 : i0, j2 = d > cc ? i3 : i2;
                    y[o + ox] = Math.max(m1, m2);
                    argmax[o + ox] = m2 > m1 ? j2 : j1;
                }
            }
        }
    }

    @Override
    public void backward(float[] params, float[] grads, int batch, boolean inputGradient) {
        if (!inputGradient) return;
        float[] g = out.gradJava(batch), gx = in.grad;
        java.util.Arrays.fill(gx, 0, c * batch * h * w, 0f);
        int n = c * batch * oh * ow;
        for (int j = 0; j < n; j++) gx[argmax[j]] += g[j];
        in.gradWrittenJava();
    }

    @Override public void close() {}
}
