package org.bitsearch.trainers.dl4j.fast;

/**
 * One layer of a fast step: reads its input {@link Slot}, writes its output slot, and in backward reads the
 * output's gradient, writes its parameter gradients into the flat gradient array and (when asked) the input's
 * gradient. Not thread-safe: one step at a time.
 */
interface FastLayer extends AutoCloseable {
    void forward(float[] params, int batch);

    void backward(float[] params, float[] grads, int batch, boolean inputGradient);

    @Override void close();
}
