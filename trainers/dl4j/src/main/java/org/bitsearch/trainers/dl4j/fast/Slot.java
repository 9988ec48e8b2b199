package org.bitsearch.trainers.dl4j.fast;

import org.bytedeco.javacpp.FloatPointer;

/**
 * The activations between two layers of a fast step and their gradient, for up to {@code maxBatch} samples of
 * {@code size} values each, in a Java array (elementwise loops) and, on demand, a native buffer (BLAS operand).
 * Each side records whether it holds the latest values, so a value is copied across only when the other side
 * needs it.
 */
final class Slot implements AutoCloseable {
    final int size, maxBatch;
    final float[] value, grad;
    private NativeFloats valueN, gradN;
    private boolean valueJavaFresh, valueNativeFresh, gradJavaFresh, gradNativeFresh;

    Slot(int size, int maxBatch) {
        this.size = size;
        this.maxBatch = maxBatch;
        this.value = new float[size * maxBatch];
        this.grad = new float[size * maxBatch];
    }

    /** The native value buffer, for a producer that writes it directly (then call {@link #valueWrittenNative}). */
    FloatPointer valueTarget() {
        if (valueN == null) valueN = new NativeFloats(value.length);
        return valueN.pointer;
    }

    FloatPointer gradTarget() {
        if (gradN == null) gradN = new NativeFloats(grad.length);
        return gradN.pointer;
    }

    void valueWrittenJava() { valueJavaFresh = true; valueNativeFresh = false; }

    void valueWrittenNative() { valueNativeFresh = true; valueJavaFresh = false; }

    void gradWrittenJava() { gradJavaFresh = true; gradNativeFresh = false; }

    void gradWrittenNative() { gradNativeFresh = true; gradJavaFresh = false; }

    /** The first {@code batch} rows of the value in native memory. */
    FloatPointer valueNative(int batch) {
        FloatPointer p = valueTarget();
        if (!valueNativeFresh) {
            valueN.put(value, 0, batch * size);
            valueNativeFresh = true;
        }
        return p;
    }

    /** The value in the Java array (first {@code batch} rows valid). */
    float[] valueJava(int batch) {
        if (!valueJavaFresh) {
            valueN.get(value, 0, batch * size);
            valueJavaFresh = true;
        }
        return value;
    }

    float[] gradJava(int batch) {
        if (!gradJavaFresh) {
            gradN.get(grad, 0, batch * size);
            gradJavaFresh = true;
        }
        return grad;
    }

    FloatPointer gradNative(int batch) {
        FloatPointer p = gradTarget();
        if (!gradNativeFresh) {
            gradN.put(grad, 0, batch * size);
            gradNativeFresh = true;
        }
        return p;
    }

    @Override
    public void close() {
        if (valueN != null) valueN.close();
        if (gradN != null) gradN.close();
    }
}
