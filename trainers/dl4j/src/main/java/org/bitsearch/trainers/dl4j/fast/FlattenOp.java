package org.bitsearch.trainers.dl4j.fast;

/**
 * DL4J's {@code CnnToFeedForwardPreProcessor} (NCHW): planes [C, N, H·W] to rows [N, C·H·W] with feature index
 * c·H·W + y·W + x, and the gradient back.
 */
final class FlattenOp implements FastLayer {
    final Slot in, out;
    final int c, hw;

    FlattenOp(Slot in, Slot out, int c, int hw) {
        this.in = in;
        this.out = out;
        this.c = c;
        this.hw = hw;
    }

    @Override
    public void forward(float[] params, int batch) {
        float[] x = in.valueJava(batch), y = out.value;
        int row = c * hw;
        for (int ci = 0; ci < c; ci++)
            for (int s = 0; s < batch; s++) System.arraycopy(x, (ci * batch + s) * hw, y, s * row + ci * hw, hw);
        out.valueWrittenJava();
    }

    @Override
    public void backward(float[] params, float[] grads, int batch, boolean inputGradient) {
        if (!inputGradient) return;
        float[] g = out.gradJava(batch), gx = in.grad;
        int row = c * hw;
        for (int ci = 0; ci < c; ci++)
            for (int s = 0; s < batch; s++) System.arraycopy(g, s * row + ci * hw, gx, (ci * batch + s) * hw, hw);
        in.gradWrittenJava();
    }

    @Override public void close() {}
}
