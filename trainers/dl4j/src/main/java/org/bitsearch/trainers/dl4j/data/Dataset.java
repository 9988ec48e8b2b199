package org.bitsearch.trainers.dl4j.data;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * An image classification dataset in memory: pixels scaled to [0, 1] as one float matrix per split (one row per
 * image, {@code rows·cols} columns) and integer labels. Shared read-only between concurrent runs: never write
 * into its arrays.
 *
 * @param name    the dataset's name ("fashion-mnist")
 * @param rows    image height in pixels
 * @param cols    image width in pixels
 * @param classes number of classes (labels are 0 .. classes-1)
 */
public record Dataset(String name, int rows, int cols, int classes,
                      INDArray trainImages, int[] trainLabels, INDArray testImages, int[] testLabels) {

    /** Number of pixels per image. */
    public int features() { return rows * cols; }

    public int trainCount() { return trainLabels.length; }

    public int testCount() { return testLabels.length; }

    /** Converts IDX images (unsigned bytes) to an [n, rows·cols] float matrix scaled by 1/255. */
    static INDArray toFeatures(IdxFile images) {
        byte[] b = images.data();
        float[] f = new float[b.length];
        for (int i = 0; i < b.length; i++) f[i] = (b[i] & 0xFF) / 255f;
        return Nd4j.create(f, new long[]{images.count(), images.itemSize()}, 'c').castTo(DataType.FLOAT);
    }

    /** One-hot float matrix [labels.length, classes] of the given labels. */
    public static INDArray oneHot(int[] labels, int classes) {
        float[] f = new float[labels.length * classes];
        for (int i = 0; i < labels.length; i++) f[i * classes + labels[i]] = 1f;
        return Nd4j.create(f, new long[]{labels.length, classes}, 'c');
    }
}
