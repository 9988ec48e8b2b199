package org.bitsearch.trainers.dl4j.fast;

import org.bitsearch.trainers.dl4j.quant.QuantizedWeightNoise;

/**
 * DL4J's {@code OutputLayer} with softmax and multi-class cross-entropy ({@code LossMCXENT}, no label weights):
 * p = softmax(x·W + b); loss = −(1/N) Σ log max(p_label, clip) (clip = the loss's softmaxClipEps); dZ = p − y
 * (the summed gradient: the update rule divides by N).
 */
final class SoftmaxOutputOp extends DenseOp {
    private final double clip;
    private int[] labels;
    private double loss;

    SoftmaxOutputOp(Slot in, Slot out, int wOffset, int bOffset, QuantizedWeightNoise noise, double clip) {
        super(in, out, wOffset, bOffset, noise, null);
        this.clip = clip;
    }

    /** The labels of the next step's samples (class index per row). */
    void labels(int[] labels) { this.labels = labels; }

    /** Mean cross-entropy of the last forward pass. */
    double loss() { return loss; }

    @Override
    public void forward(float[] params, int batch) {
        linear(params, batch);
        float[] z = out.value, b = biasRows;
        int n = batch * nOut;
        for (int i = 0; i < n; i++) z[i] += b[i];
        double sum = 0;
        for (int r = 0; r < batch; r++) {
            int o = r * nOut;
            float max = z[o];
            for (int j = 1; j < nOut; j++) max = Math.max(max, z[o + j]);
            float s = 0;
            for (int j = 0; j < nOut; j++) {
                float e = (float) Math.exp(z[o + j] - max);
                z[o + j] = e;
                s += e;
            }
            for (int j = 0; j < nOut; j++) z[o + j] /= s;
            int label = labels[r];
            if (label < 0 || label >= nOut)
                throw new IllegalArgumentException("label " + label + " of row " + r + " is outside 0.." + (nOut - 1));
            float p = z[o + label];
            sum -= (float) Math.log(Math.max(p, (float) clip));
        }
        loss = sum / batch;
    }

    @Override
    void outputDelta(float[] dzJava, int batch) {
        float[] p = out.value;
        System.arraycopy(p, 0, dzJava, 0, batch * nOut);
        for (int r = 0; r < batch; r++) dzJava[r * nOut + labels[r]] -= 1f;
    }
}
