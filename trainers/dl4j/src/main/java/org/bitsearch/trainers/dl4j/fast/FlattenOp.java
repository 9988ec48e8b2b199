package org.bitsearch.trainers.dl4j.fast;

/**
 * DL4J's {@code CnnToFeedForwardPreProcessor} (NCHW): activations [C, H, W, N] (sample-minor, as {@link ConvOp})
 * to rows [N, C·H·W] with feature index c·H·W + y·W + x, i.e. the transpose of [F, N] with F = C·H·W; and the
 * gradient back (the transpose of [N, F]).
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
        Transpose.of(in.valueJava(batch), c * hw, batch, out.value);
        out.valueWrittenJava();
    }

    @Override
    public void backward(float[] params, float[] grads, int batch, boolean inputGradient) {
        if (!inputGradient) return;
        Transpose.of(out.gradJava(batch), batch, c * hw, in.grad);
        in.gradWrittenJava();
    }

    @Override public void close() {}
}
