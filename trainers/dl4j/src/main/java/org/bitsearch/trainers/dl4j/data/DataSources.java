package org.bitsearch.trainers.dl4j.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Loads a {@link DataConfig} in any of its formats, validated (shape, classes, counts; a {@link DataFileException}
 * names the file at fault), once per process per configuration; the {@link Dataset} is then shared read-only.
 * {@link #shape} tells the model's input and class count cheaply (file names and headers), before loading.
 */
public final class DataSources {
    private static final Map<DataConfig, Dataset> CACHE = new ConcurrentHashMap<>();

    private DataSources() {}

    /** Sample shape and class count of {@code c}; reads only what it must (IDX headers, folder names; a CSV in full). */
    public static InputShape shape(DataConfig c) throws IOException {
        return switch (c.format()) {
            case "cifar" -> CifarReader.shape(Path.of(c.dir()));
            case "images" -> ImageFolderReader.shape(c);
            default -> load(c).shape();
        };
    }

    /** The dataset of {@code c}, loaded and validated on first use. */
    public static Dataset load(DataConfig c) throws IOException {
        Dataset cached = CACHE.get(c);
        if (cached != null) return cached;
        synchronized (DataSources.class) {
            cached = CACHE.get(c);
            if (cached != null) return cached;
            Dataset d = switch (c.format()) {
                case "idx" -> DatasetLoader.read(Path.of(c.dir()), "idx");
                case "cifar" -> CifarReader.read(Path.of(c.dir()));
                case "images" -> ImageFolderReader.read(c);
                case "csv" -> CsvReader.read(c);
                default -> throw new IllegalArgumentException("data.format '" + c.format() + "' is not supported");
            };
            if (d.classes() < 2)
                throw new DataFileException(Path.of(c.location()), "holds " + d.classes() + " class, but a classifier needs at least 2");
            CACHE.put(c, d);
            return d;
        }
    }
}
