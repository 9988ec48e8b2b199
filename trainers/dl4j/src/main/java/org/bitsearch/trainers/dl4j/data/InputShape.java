package org.bitsearch.trainers.dl4j.data;

/**
 * The shape of a dataset's samples as the model sees them: {@code channels x rows x cols} values per sample
 * (flattened channel-major, as DL4J's {@code InputType.convolutionalFlat} expects) and {@code classes} classes.
 * Feature vectors (CSV) are 1 x 1 x n.
 */
public record InputShape(int channels, int rows, int cols, int classes) {
    public InputShape {
        if (channels < 1 || rows < 1 || cols < 1)
            throw new IllegalArgumentException("input shape is " + channels + "x" + rows + "x" + cols + ", but every dimension must be >= 1");
        if (classes < 2) throw new IllegalArgumentException("the data has " + classes + " classes, but must have at least 2");
    }

    /** Values per sample. */
    public int features() { return channels * rows * cols; }

    /** True for image-shaped data (more than one row or column), which a convolutional model can take. */
    public boolean image() { return rows > 1 && cols > 1; }

    @Override public String toString() { return channels + "x" + rows + "x" + cols + ", " + classes + " classes"; }
}
