package org.bitsearch.trainers.dl4j.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where a dataset is found when a spec names no {@code dataDir} (README, "Where the data comes from"), in this
 * order: the environment variable {@code BITSEARCH_DATA} (a dataset directory, or a folder holding
 * {@code <dataset>/}), then {@code ./data/<dataset>} under the working directory, then Debian's
 * {@code /usr/share/datasets/<dataset>} (from {@code apt-get install dataset-fashion-mnist}). A place counts
 * only if it holds the dataset's training images ({@code train-images-idx3-ubyte[.gz]}); the data itself is
 * checked when it is loaded ({@link DatasetLoader}). Immutable; the lookup reads the file system only.
 *
 * @param environment the value of {@code BITSEARCH_DATA}, empty if unset or blank
 * @param workingDir  the directory {@code ./data} is relative to
 * @param systemDirs  folders holding {@code <dataset>/} installed by the system ({@code /usr/share/datasets})
 */
public record DataLocator(Optional<String> environment, Path workingDir, List<Path> systemDirs) {
    /** The environment variable that names a data directory. */
    public static final String ENV = "BITSEARCH_DATA";
    /** Debian's place for datasets. */
    public static final Path DEBIAN = Path.of("/usr/share/datasets");

    public DataLocator {
        environment = environment.filter(s -> !s.isBlank());
        if (workingDir == null) throw new IllegalArgumentException("workingDir must not be null");
        systemDirs = List.copyOf(systemDirs);
    }

    /** The locator of this process: its environment, its working directory, {@link #DEBIAN}. */
    public static DataLocator standard() {
        return new DataLocator(Optional.ofNullable(System.getenv(ENV)), Path.of("").toAbsolutePath(), List.of(DEBIAN));
    }

    /** The directories tried for {@code dataset}, in order (each a dataset directory or a folder holding it). */
    public List<Path> candidates(String dataset) {
        List<Path> out = new ArrayList<>();
        environment.ifPresent(e -> out.add(workingDir.resolve(e).normalize()));
        out.add(workingDir.resolve("data").resolve(dataset).normalize());
        for (Path dir : systemDirs) out.add(dir.resolve(dataset));
        return out;
    }

    /** The first candidate that holds {@code dataset}'s training images, as an absolute, normalised path. */
    public Optional<Path> locate(String dataset) {
        for (Path dir : candidates(dataset)) {
            Path files = DatasetLoader.resolveDir(dir, dataset);
            if (holdsData(files)) return Optional.of(files.toAbsolutePath().normalize());
        }
        return Optional.empty();
    }

    /**
     * What to tell a user when {@link #locate} finds nothing: the places tried and how to get the data. Starts
     * with the field name, as the spec's problems do.
     */
    public String notFound(String dataset) {
        StringBuilder sb = new StringBuilder("dataDir is not given, and no " + dataset + " data was found in ");
        List<String> tried = new ArrayList<>();
        if (environment.isEmpty()) tried.add("$" + ENV + " (not set)");
        for (Path p : candidates(dataset)) tried.add(p.toString());
        sb.append(String.join(", ", tried)).append(". ");
        if (dataset.equals("fashion-mnist"))
            sb.append("Get it with 'apt-get install dataset-fashion-mnist' (Debian, into ")
                    .append(DEBIAN.resolve(dataset)).append("), or put the four IDX files");
        else sb.append("Put the four IDX files");
        sb
                .append(" (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz,")
                .append(" t10k-labels-idx1-ubyte.gz) in ./data/").append(dataset)
                .append("; or name the directory with trainer.dataDir, --data or $").append(ENV);
        return sb.toString();
    }

    private static boolean holdsData(Path dir) {
        return Files.isRegularFile(dir.resolve(DatasetLoader.TRAIN_IMAGES + ".gz"))
                || Files.isRegularFile(dir.resolve(DatasetLoader.TRAIN_IMAGES));
    }
}
