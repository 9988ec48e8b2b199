package org.bitsearch.trainers.dl4j.data;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A dataset divided for one search: a seeded permutation of the training set gives the held-out validation
 * samples (the first {@code validationSize}) and the training subset (the next {@code trainSubset}, or all
 * the rest). The official test set stays apart, reported only at the end. Built once per trainer and shared
 * read-only by its runs; the evaluation batches are views made once.
 */
public final class DataSplit {
    private final Dataset dataset;
    private final int[] trainIndices;
    private final INDArray trainOneHot;
    private final Evaluable validation;
    private final Evaluable test;

    /** Images and labels of a split evaluated in fixed batches. */
    public record Evaluable(List<INDArray> batches, int[] labels) {
        public Evaluable {
            batches = List.copyOf(batches);
        }
    }

    private DataSplit(Dataset dataset, int[] trainIndices, Evaluable validation, Evaluable test) {
        this.dataset = dataset;
        this.trainIndices = trainIndices;
        this.trainOneHot = Dataset.oneHot(dataset.trainLabels(), dataset.classes());
        this.validation = validation;
        this.test = test;
    }

    /**
     * Splits {@code dataset}.
     *
     * @throws IllegalArgumentException naming the field if validationSize + trainSubset exceed the training set
     */
    public static DataSplit of(Dataset dataset, int trainSubset, int validationSize, long splitSeed, int evalBatchSize) {
        int n = dataset.trainCount();
        if (validationSize >= n)
            throw new IllegalArgumentException("validationSize is " + validationSize + ", but the training set of "
                    + dataset.name() + " has only " + n + " samples (some must remain for training)");
        if (trainSubset > n - validationSize)
            throw new IllegalArgumentException("trainSubset is " + trainSubset + ", but only " + (n - validationSize)
                    + " samples of " + dataset.name() + " remain after holding out validationSize = " + validationSize);
        int[] perm = permutation(n, new SplittableRandom(splitSeed));
        int[] val = java.util.Arrays.copyOfRange(perm, 0, validationSize);
        int trainCount = trainSubset == 0 ? n - validationSize : trainSubset;
        int[] train = java.util.Arrays.copyOfRange(perm, validationSize, validationSize + trainCount);
        INDArray valImages = Nd4j.pullRows(dataset.trainImages(), 1, val);
        int[] valLabels = new int[val.length];
        for (int i = 0; i < val.length; i++) valLabels[i] = dataset.trainLabels()[val[i]];
        return new DataSplit(dataset, train, evaluable(valImages, valLabels, evalBatchSize),
                evaluable(dataset.testImages(), dataset.testLabels(), evalBatchSize));
    }

    private static Evaluable evaluable(INDArray images, int[] labels, int batch) {
        List<INDArray> batches = new ArrayList<>();
        for (int from = 0; from < labels.length; from += batch) {
            int to = Math.min(labels.length, from + batch);
            batches.add(images.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()));
        }
        return new Evaluable(batches, labels);
    }

    /** A uniformly random permutation of 0..n-1 (Fisher–Yates) drawn from {@code rng}. */
    public static int[] permutation(int n, SplittableRandom rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        shuffle(p, rng);
        return p;
    }

    /** Shuffles {@code a} in place (Fisher–Yates) with {@code rng}. */
    public static void shuffle(int[] a, SplittableRandom rng) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    public Dataset dataset() { return dataset; }

    /** Indices into the dataset's training images of this split's training samples; a copy. */
    public int[] trainIndices() { return trainIndices.clone(); }

    public int trainCount() { return trainIndices.length; }

    /** One-hot labels of the whole training set (index as the images). */
    public INDArray trainOneHot() { return trainOneHot; }

    public Evaluable validation() { return validation; }

    public Evaluable test() { return test; }
}
