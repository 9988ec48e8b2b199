package org.bitsearch.trainers.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AtomicFilesTest {
    @TempDir Path dir;

    @Test
    void writesReplacesAndCreatesParents() throws IOException {
        Path file = dir.resolve("a/b/epoch-0001.ckpt");
        AtomicFiles.writeString(file, "one");
        AtomicFiles.writeString(file, "two");
        assertEquals("two", Files.readString(file));
        try (var files = Files.list(file.getParent())) {
            assertEquals(1, files.count(), "no temp file is left beside the target");
        }
    }

    @Test
    void aFailedWriteKeepsTheOldContentAndLeavesNoTempFile() throws IOException {
        Path file = dir.resolve("x.json");
        AtomicFiles.writeString(file, "old");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(file, tmp -> {
            Files.writeString(tmp, "half");
            throw new IOException("disk full");
        }));
        assertEquals("disk full", e.getMessage());
        assertEquals("old", Files.readString(file));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count());
        }
    }

    @Test
    void theTempFileNameMatchesTheCheckpointSweepPattern() throws IOException {
        Path file = dir.resolve("epoch-0003.ckpt");
        AtomicFiles.write(file, tmp -> {
            assertTrue(tmp.getFileName().toString().matches("epoch-0003\\.ckpt(\\..*)?\\.tmp.*"), tmp.toString());
            Files.writeString(tmp, "x");
        });
    }
}
