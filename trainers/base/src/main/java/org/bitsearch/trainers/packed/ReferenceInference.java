package org.bitsearch.trainers.packed;

import java.util.ArrayList;
import java.util.List;

/**
 * A small pure-Java inference of a {@link PackedModel} (no DL4J, no native code): what a device runtime has to
 * compute, spelled out. Weights are dequantized once ({@link PackedLayer#dequantize}); sums accumulate in double
 * and each layer's output is rounded to float, as a float32 runtime would store it. Thread-safe after construction.
 *
 * <p>Per layer: dense z_o = Σ_i x_i·W[o][i] + b_o; convolution (cross-correlation, zero padding)
 * z[o][y][x] = Σ_{c,i,j} in[c][y·sH − padTop + i][x·sW − padLeft + j]·W[o][c][i][j] + b_o; max or average
 * pooling over the window (padding excluded); batch normalisation y = a_c·x + b_c per channel; an activation layer
 * passes its input on; an add layer sums its inputs; global average pooling takes each channel's mean; then the
 * activation, then the layer's activation quantization
 * ({@link #quantizeActivation}).
 */
public final class ReferenceInference {
    private final PackedModel model;
    private final List<float[]> weights = new ArrayList<>();

    public ReferenceInference(PackedModel model) {
        this.model = model;
        for (PackedLayer l : model.layers()) weights.add(l.hasParams() ? l.dequantize() : null);
    }

    /** The model's outputs (after the last activation) for one sample, channel-major. */
    public float[] forward(float[] input) {
        int expected = model.channels() * model.rows() * model.cols();
        if (input.length != expected)
            throw new IllegalArgumentException("input has " + input.length + " values, but the model takes " + expected);
        float[] a = input;
        float[][] outs = new float[model.layers().size()][];
        for (int i = 0; i < model.layers().size(); i++) {
            PackedLayer l = model.layers().get(i);
            int[] from = l.inputs();
            a = from.length == 0 ? (i == 0 ? input : outs[i - 1]) : from[0] == -1 ? input : outs[from[0]];
            a = switch (l.kind()) {
                case ADD -> add(l, from, input, outs);
                case GLOBAL_AVG_POOL -> globalAverage(l, a);
                case DENSE -> dense(l, weights.get(i), a);
                case CONV2D -> conv(l, weights.get(i), a);
                case MAX_POOL, AVG_POOL -> pool(l, a);
                case BATCH_NORM -> batchNorm(l, weights.get(i), a);
                case ACTIVATION -> a.clone();
            };
            activate(l.activation(), a);
            if (l.activationBits() != 32)
                for (int j = 0; j < a.length; j++) a[j] = quantizeActivation(a[j], l.activationBits(), l.activationSigned(), l.activationClip());
            outs[i] = a;
        }
        return a;
    }

    /** The predicted class: the first index of the largest output. */
    public int predict(float[] input) {
        float[] p = forward(input);
        int best = 0;
        for (int c = 1; c < p.length; c++) if (p[c] > p[best]) best = c;
        return best;
    }

    /** Accuracy over samples given as rows of {@code x} ([n][features]) with their labels. */
    public double accuracy(float[][] x, int[] labels) {
        if (x.length != labels.length) throw new IllegalArgumentException(x.length + " samples, but " + labels.length + " labels");
        long correct = 0;
        for (int i = 0; i < x.length; i++) if (predict(x[i]) == labels[i]) correct++;
        return (double) correct / x.length;
    }

    private static float[] dense(PackedLayer l, float[] w, float[] x) {
        int nIn = l.nIn(), nOut = l.nOut();
        if (x.length != nIn) throw new IllegalArgumentException("layer " + l.name() + " takes " + nIn + " inputs, but got " + x.length);
        float[] z = new float[nOut];
        for (int o = 0; o < nOut; o++) {
            double s = 0;
            int base = o * nIn;
            for (int i = 0; i < nIn; i++) s += (double) x[i] * w[base + i];
            z[o] = (float) (s + (l.biases().length > 0 ? l.biases()[o] : 0));
        }
        return z;
    }

    private static float[] conv(PackedLayer l, float[] w, float[] x) {
        int[] g = l.geometry();
        int kh = g[0], kw = g[1], sh = g[2], sw = g[3], pt = g[4], pl = g[5], ih = g[6], iw = g[7], oh = g[8], ow = g[9];
        int nIn = l.nIn(), nOut = l.nOut();
        if (x.length != nIn * ih * iw) throw new IllegalArgumentException("layer " + l.name() + " takes " + nIn * ih * iw + " inputs, but got " + x.length);
        float[] z = new float[nOut * oh * ow];
        for (int o = 0; o < nOut; o++)
            for (int y = 0; y < oh; y++)
                for (int xx = 0; xx < ow; xx++) {
                    double s = 0;
                    for (int c = 0; c < nIn; c++)
                        for (int i = 0; i < kh; i++) {
                            int r = y * sh - pt + i;
                            if (r < 0 || r >= ih) continue;
                            for (int j = 0; j < kw; j++) {
                                int col = xx * sw - pl + j;
                                if (col < 0 || col >= iw) continue;
                                s += (double) x[(c * ih + r) * iw + col] * w[((o * nIn + c) * kh + i) * kw + j];
                            }
                        }
                    z[(o * oh + y) * ow + xx] = (float) (s + (l.biases().length > 0 ? l.biases()[o] : 0));
                }
        return z;
    }

    /** The element-wise sum of the inputs, accumulated in double. */
    private static float[] add(PackedLayer l, int[] from, float[] input, float[][] outs) {
        float[][] xs = new float[from.length][];
        for (int k = 0; k < from.length; k++) xs[k] = from[k] == -1 ? input : outs[from[k]];
        float[] z = new float[xs[0].length];
        for (float[] x : xs) if (x.length != z.length) throw new IllegalArgumentException("layer " + l.name() + " adds inputs of " + z.length + " and " + x.length + " values");
        for (int j = 0; j < z.length; j++) {
            double s = 0;
            for (float[] x : xs) s += x[j];
            z[j] = (float) s;
        }
        return z;
    }

    /** Per channel the mean of its h·w positions. */
    private static float[] globalAverage(PackedLayer l, float[] x) {
        int c = l.nIn(), per = x.length / c;
        float[] z = new float[c];
        for (int ch = 0; ch < c; ch++) {
            double s = 0;
            for (int p = 0; p < per; p++) s += x[ch * per + p];
            z[ch] = (float) (s / per);
        }
        return z;
    }

    /** y[c][p] = (float) (a_c·x[c][p] + b_c) over the channel's h·w positions. */
    private static float[] batchNorm(PackedLayer l, float[] a, float[] x) {
        int c = l.nOut(), per = x.length / c;
        if (per * c != x.length) throw new IllegalArgumentException("layer " + l.name() + " has " + c + " channels, but got " + x.length + " inputs");
        float[] z = new float[x.length];
        for (int ch = 0; ch < c; ch++)
            for (int p = 0; p < per; p++) z[ch * per + p] = (float) ((double) a[ch] * x[ch * per + p] + l.biases()[ch]);
        return z;
    }

    private static float[] pool(PackedLayer l, float[] x) {
        int[] g = l.geometry();
        int kh = g[0], kw = g[1], sh = g[2], sw = g[3], pt = g[4], pl = g[5], ih = g[6], iw = g[7], oh = g[8], ow = g[9];
        int ch = l.nIn();
        boolean max = l.kind() == PackedLayer.Kind.MAX_POOL;
        float[] z = new float[ch * oh * ow];
        for (int c = 0; c < ch; c++)
            for (int y = 0; y < oh; y++)
                for (int xx = 0; xx < ow; xx++) {
                    double acc = max ? Double.NEGATIVE_INFINITY : 0;
                    int n = 0;
                    for (int i = 0; i < kh; i++) {
                        int r = y * sh - pt + i;
                        if (r < 0 || r >= ih) continue;
                        for (int j = 0; j < kw; j++) {
                            int col = xx * sw - pl + j;
                            if (col < 0 || col >= iw) continue;
                            float v = x[(c * ih + r) * iw + col];
                            acc = max ? Math.max(acc, v) : acc + v;
                            n++;
                        }
                    }
                    z[(c * oh + y) * ow + xx] = (float) (max ? acc : acc / n);
                }
        return z;
    }

    private static void activate(PackedLayer.Activation a, float[] z) {
        switch (a) {
            case IDENTITY -> { }
            case RELU -> { for (int i = 0; i < z.length; i++) z[i] = Math.max(0f, z[i]); }
            case TANH -> { for (int i = 0; i < z.length; i++) z[i] = (float) Math.tanh(z[i]); }
            case SIGMOID -> { for (int i = 0; i < z.length; i++) z[i] = (float) (1 / (1 + Math.exp(-z[i]))); }
            case SOFTMAX -> {
                float m = Float.NEGATIVE_INFINITY;
                for (float v : z) m = Math.max(m, v);
                double sum = 0;
                double[] e = new double[z.length];
                for (int i = 0; i < z.length; i++) sum += e[i] = Math.exp(z[i] - m);
                for (int i = 0; i < z.length; i++) z[i] = (float) (e[i] / sum);
            }
        }
    }

    /**
     * The activation quantizer: with {@code bits} k and clipping value α, unsigned: a ↦ round(clamp(a, 0, α)·n/α)·α/n
     * with n = 2^k − 1 (k = 1: α where a &gt; α/2, else 0); signed: a ↦ round(clamp(a, −α, α)·n/α)·α/n with
     * n = 2^(k−1) − 1 (k = 1: α·sign(a), sign(0) = +1). Rounding is half to even.
     */
    public static float quantizeActivation(float a, int bits, boolean signed, float clip) {
        if (bits == 32) return a;
        if (bits == 1) return signed ? (a >= 0 ? clip : -clip) : (a > clip / 2 ? clip : 0f);
        int n = signed ? (1 << (bits - 1)) - 1 : (1 << bits) - 1;
        float lo = signed ? -clip : 0f;
        float c = Math.min(clip, Math.max(lo, a));
        float step = clip / n;
        return (float) Math.rint(c / step) * step + 0f;
    }
}
