package org.bitsearch.trainers.dl4j.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Loads the named IDX datasets ({@code fashion-mnist}, {@code mnist}: the same four file names, gzip or not)
 * from a data directory, verifying {@code SHA256SUMS} when present. Never downloads anything.
 *
 * <p>Each (directory, name) is loaded once per process and then shared read-only: concurrent runs of several
 * trainers get the same {@link Dataset}. Thread-safe; a load in progress blocks other callers of the same key.
 */
public final class DatasetLoader {
    /** Datasets this loader knows by name. */
    public static final Set<String> NAMES = Set.of("fashion-mnist", "mnist");
    static final String TRAIN_IMAGES = "train-images-idx3-ubyte", TRAIN_LABELS = "train-labels-idx1-ubyte",
            TEST_IMAGES = "t10k-images-idx3-ubyte", TEST_LABELS = "t10k-labels-idx1-ubyte";

    private static final Map<String, Dataset> CACHE = new ConcurrentHashMap<>();

    private DatasetLoader() {}

    /**
     * The dataset {@code name} from {@code dir}: the files are looked for in {@code dir/name} if that is a
     * directory, else in {@code dir} itself.
     *
     * @throws IllegalArgumentException if {@code name} is not one of {@link #NAMES}
     * @throws IdxFormatException       naming the file that is missing, corrupt, truncated or fails its checksum
     */
    public static Dataset load(Path dir, String name) throws IOException {
        if (!NAMES.contains(name))
            throw new IllegalArgumentException("dataset is '" + name + "', but must be one of " + NAMES.stream().sorted().toList());
        Path files = resolveDir(dir, name);
        String key = files.toAbsolutePath().normalize() + "|" + name;
        Dataset cached = CACHE.get(key);
        if (cached != null) return cached;
        synchronized (DatasetLoader.class) {
            cached = CACHE.get(key);
            if (cached != null) return cached;
            Dataset loaded = read(files, name);
            CACHE.put(key, loaded);
            return loaded;
        }
    }

    /** The directory holding the files of {@code name}: {@code dir/name} if it exists, else {@code dir}. */
    public static Path resolveDir(Path dir, String name) {
        Path sub = dir.resolve(name);
        return Files.isDirectory(sub) ? sub : dir;
    }

    /** Reads the four IDX files in {@code dir} (not cached; {@link DataSources} caches). */
    static Dataset read(Path dir, String name) throws IOException {
        if (!Files.isDirectory(dir)) throw new IdxFormatException(dir, "data directory not found");
        Path trainImages = find(dir, TRAIN_IMAGES), trainLabels = find(dir, TRAIN_LABELS),
                testImages = find(dir, TEST_IMAGES), testLabels = find(dir, TEST_LABELS);
        List<String> names = new ArrayList<>();
        for (Path p : List.of(trainImages, trainLabels, testImages, testLabels)) names.add(p.getFileName().toString());
        Checksums.verify(dir, names);
        IdxFile trI = IdxFile.read(trainImages), trL = IdxFile.read(trainLabels),
                teI = IdxFile.read(testImages), teL = IdxFile.read(testLabels);
        checkImages(trainImages, trI);
        checkImages(testImages, teI);
        if (teI.dims()[1] != trI.dims()[1] || teI.dims()[2] != trI.dims()[2])
            throw new IdxFormatException(testImages, "images are " + teI.dims()[1] + "x" + teI.dims()[2]
                    + ", but the training images are " + trI.dims()[1] + "x" + trI.dims()[2]);
        int[] trainY = labels(trainLabels, trL, trI.count(), trainImages);
        int[] testY = labels(testLabels, teL, teI.count(), testImages);
        int classes = 0;
        for (int y : trainY) classes = Math.max(classes, y + 1);
        for (int i = 0; i < testY.length; i++)
            if (testY[i] >= classes)
                throw new IdxFormatException(testLabels, "label " + i + " is " + testY[i] + ", but the training labels stop at " + (classes - 1));
        return new Dataset(name, trI.dims()[1], trI.dims()[2], classes,
                Dataset.toFeatures(trI), trainY, Dataset.toFeatures(teI), testY);
    }

    private static Path find(Path dir, String base) throws IdxFormatException {
        Path gz = dir.resolve(base + ".gz"), raw = dir.resolve(base);
        if (Files.isRegularFile(gz)) return gz;
        if (Files.isRegularFile(raw)) return raw;
        throw new IdxFormatException(gz, "file not found (nor " + raw.getFileName() + ")");
    }

    private static void checkImages(Path file, IdxFile f) throws IdxFormatException {
        if (f.dims().length != 3)
            throw new IdxFormatException(file, "has rank " + f.dims().length + ", but images must have rank 3 (count, rows, cols)");
        if (f.count() == 0) throw new IdxFormatException(file, "holds no images");
    }

    private static int[] labels(Path file, IdxFile f, int expected, Path imagesFile) throws IdxFormatException {
        if (f.dims().length != 1)
            throw new IdxFormatException(file, "has rank " + f.dims().length + ", but labels must have rank 1");
        if (f.count() != expected)
            throw new IdxFormatException(file, "holds " + f.count() + " labels, but " + imagesFile.getFileName() + " holds " + expected + " images");
        int[] y = new int[f.count()];
        byte[] d = f.data();
        for (int i = 0; i < y.length; i++) {
            y[i] = d[i] & 0xFF;
            if (y[i] > 99) throw new IdxFormatException(file, "label " + i + " is " + y[i] + ", but must be < 100");
        }
        return y;
    }
}
