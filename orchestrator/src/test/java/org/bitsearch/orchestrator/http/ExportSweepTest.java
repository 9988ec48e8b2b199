package org.bitsearch.orchestrator.http;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Export files and model folders left behind by a stopped server are swept at start; nothing else is touched. */
class ExportSweepTest {
    @Test void sweepsLeftoverExportsOnly(@TempDir Path tmp) throws Exception {
        Path zip = Files.writeString(tmp.resolve("bitsearch-export-3-123.zip"), "partial");
        Path models = Files.createDirectories(tmp.resolve("models-456"));
        Files.writeString(models.resolve("trial-1.model"), "x");
        Path other = Files.writeString(tmp.resolve("keep.txt"), "not ours");
        ExportBuilder.sweepStale(tmp);
        assertFalse(Files.exists(zip));
        assertFalse(Files.exists(models));
        assertTrue(Files.exists(other));
        ExportBuilder.sweepStale(tmp.resolve("missing")); // no folder yet: nothing to do, no error
    }
}
