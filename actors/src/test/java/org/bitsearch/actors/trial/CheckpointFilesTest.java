package org.bitsearch.actors.trial;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class CheckpointFilesTest {
    @TempDir Path dir;

    private List<String> names() throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void deleteOlderThanRemovesOlderEpochsAndStrayTempFilesButKeepsTheLatestAndOtherFiles() throws Exception {
        for (String n : List.of("epoch-0001.ckpt", "epoch-0002.ckpt", "epoch-0003.ckpt", "epoch-0001.ckpt.tmp",
                "epoch-0003.ckpt.tmp", "epoch-0002.ckpt.4711-abc.tmp", "epoch-0004.ckpt.tmp", "notes.txt"))
            Files.writeString(dir.resolve(n), n);
        CheckpointFiles.deleteOlderThan(dir, 3);
        // epoch 4's temp file may belong to a save that is running: kept
        assertEquals(List.of("epoch-0003.ckpt", "epoch-0004.ckpt.tmp", "notes.txt"), names());
    }

    @Test
    void deleteAllRemovesTheDirectoryAndMissingDirectoriesAreFine() throws Exception {
        Files.writeString(dir.resolve("epoch-0001.ckpt.tmp"), "x");
        CheckpointFiles.deleteAll(dir);
        assertFalse(Files.exists(dir));
        CheckpointFiles.deleteAll(dir);
        CheckpointFiles.deleteOlderThan(dir, 5);
    }

    @Test
    void deleteAllToleratesFilesVanishingWhileItWalks() throws Exception {
        // the trial's own cleanup of older epochs may delete files while the supervisor deletes the whole directory
        for (int round = 0; round < 30; round++) {
            Path trial = Files.createDirectories(dir.resolve("t" + round));
            for (int e = 1; e <= 200; e++) Files.writeString(trial.resolve(String.format("epoch-%04d.ckpt", e)), "x");
            java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
            Thread cleaner = new Thread(() -> {
                try { CheckpointFiles.deleteOlderThan(trial, 200); } catch (Throwable t) { failure.set(t); }
            });
            cleaner.start();
            CheckpointFiles.deleteAll(trial);
            cleaner.join(30_000);
            assertFalse(Files.exists(trial), "round " + round);
            assertEquals(null, failure.get(), "round " + round + ": the concurrent cleanup failed");
        }
    }
}
