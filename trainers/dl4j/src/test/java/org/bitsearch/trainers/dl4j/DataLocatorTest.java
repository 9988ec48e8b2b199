package org.bitsearch.trainers.dl4j;

import org.bitsearch.trainers.dl4j.data.DataLocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Where data is found without a dataDir: BITSEARCH_DATA, then ./data/DATASET, then /usr/share/datasets/DATASET. */
class DataLocatorTest {
    @TempDir Path tmp;

    private Path dataset(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("train-images-idx3-ubyte.gz"), "x");
        return dir;
    }

    @Test
    void looksInTheEnvironmentThenDataThenTheSystemDirectory() throws IOException {
        Path cwd = Files.createDirectories(tmp.resolve("cwd"));
        Path system = Files.createDirectories(tmp.resolve("usr-share-datasets"));
        Path env = tmp.resolve("env");
        DataLocator withEnv = new DataLocator(Optional.of(env.toString()), cwd, List.of(system));
        DataLocator noEnv = new DataLocator(Optional.empty(), cwd, List.of(system));
        assertEquals(Optional.empty(), withEnv.locate("fashion-mnist"));

        Path debian = dataset(system.resolve("fashion-mnist"));
        assertEquals(Optional.of(debian), withEnv.locate("fashion-mnist"), "Debian's package, last");
        Path local = dataset(cwd.resolve("data/fashion-mnist"));
        assertEquals(Optional.of(local), withEnv.locate("fashion-mnist"), "./data/<dataset> before the system");
        Path fromEnv = dataset(env.resolve("fashion-mnist")); // BITSEARCH_DATA may hold <dataset>/ ...
        assertEquals(Optional.of(fromEnv), withEnv.locate("fashion-mnist"), "the environment first");
        assertEquals(Optional.of(local), noEnv.locate("fashion-mnist"), "no environment variable: ./data");
        Path flat = dataset(tmp.resolve("flat")); // ... or be the dataset directory itself
        assertEquals(Optional.of(flat), new DataLocator(Optional.of(flat.toString()), cwd, List.of()).locate("fashion-mnist"));
        assertEquals(Optional.empty(), withEnv.locate("mnist"), "per dataset");
    }

    @Test
    void nothingFoundSaysWhereItLookedAndHowToGetTheData() {
        Path cwd = tmp.resolve("cwd");
        DataLocator none = new DataLocator(Optional.of(" "), cwd, List.of(tmp.resolve("system")));
        String m = none.notFound("fashion-mnist");
        assertEquals("dataDir is not given, and no fashion-mnist data was found in $BITSEARCH_DATA (not set), "
                + cwd.resolve("data/fashion-mnist") + ", " + tmp.resolve("system/fashion-mnist")
                + ". Get it with 'apt-get install dataset-fashion-mnist' (Debian, into /usr/share/datasets/fashion-mnist),"
                + " or put the four IDX files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,"
                + " t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) in ./data/fashion-mnist;"
                + " or name the directory with trainer.dataDir, --data or $BITSEARCH_DATA", m);
        assertTrue(none.notFound("mnist").contains(". Put the four IDX files"), "no Debian package for mnist");
    }

    @Test
    void theDebianPackageLayoutIsFoundWhereInstalled() {
        // /usr/share/datasets/fashion-mnist holds the four .gz files directly (dataset-fashion-mnist)
        Path debian = DataLocator.DEBIAN.resolve("fashion-mnist");
        if (!Files.isDirectory(debian)) return; // not installed on this machine: the layout is covered above
        assertEquals(Optional.of(debian), new DataLocator(Optional.empty(), tmp, List.of(DataLocator.DEBIAN)).locate("fashion-mnist"));
    }
}
