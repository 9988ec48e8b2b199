package org.bitsearch.trainers.dl4j.data;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A classification dataset in memory: one float matrix per split (one row per sample, {@code channels·rows·cols}
 * columns, channel-major; image pixels scaled to [0, 1]) and integer labels. Shared read-only between concurrent runs: never write
 * into its arrays.
 *
 * @param name    the dataset's name ("fashion-mnist", or the format: "cifar", "images", "csv", "idx")
 * @param channels colour channels (1 for grey images and feature vectors)
 * @param rows    image height in pixels
 * @param cols    image width in pixels
 * @param classes number of classes (labels are 0 .. classes-1)
 */
public record Dataset(String name, int channels, int rows, int cols, int classes,
                      INDArray trainImages, int[] trainLabels, INDArray testImages, int[] testLabels) {

    /** A one-channel dataset. */
    public Dataset(String name, int rows, int cols, int classes,
                   INDArray trainImages, int[] trainLabels, INDArray testImages, int[] testLabels) {
        this(name, 1, rows, cols, classes, trainImages, trainLabels, testImages, testLabels);
    }

    /** Number of values per sample. */
    public int features() { return channels * rows * cols; }

    /** The shape of a sample and the class count. */
    public InputShape shape() { return new InputShape(channels, rows, cols, classes); }

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
