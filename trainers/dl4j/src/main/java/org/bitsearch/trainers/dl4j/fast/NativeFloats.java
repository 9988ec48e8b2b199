package org.bitsearch.trainers.dl4j.fast;

import org.bytedeco.javacpp.FloatPointer;

/**
 * A native float buffer of fixed capacity, the operand of BLAS products, paired with bulk copies from and to Java
 * arrays (JNI memcpy). Owned by one fast step; freed by {@link #close}.
 */
final class NativeFloats implements AutoCloseable {
    final FloatPointer pointer;
    final int capacity;

    NativeFloats(int capacity) {
        if (capacity < 1) throw new IllegalArgumentException("capacity is " + capacity + ", but must be >= 1");
        this.capacity = capacity;
        this.pointer = new FloatPointer(capacity);
        pointer.position(0);
    }

    /** Copies {@code length} values of {@code from} starting at {@code offset} to the buffer's start. */
    void put(float[] from, int offset, int length) {
        pointer.position(0).put(from, offset, length);
    }

    /** Copies the buffer's first {@code length} values into {@code into} at {@code offset}. */
    void get(float[] into, int offset, int length) {
        pointer.position(0).get(into, offset, length);
    }

    @Override public void close() { pointer.close(); }
}
