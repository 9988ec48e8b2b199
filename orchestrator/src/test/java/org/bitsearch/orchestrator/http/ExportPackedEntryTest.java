package org.bitsearch.orchestrator.http;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The search export copies the packed form a DL4J model zip holds to its own entry, and skips models without one. */
class ExportPackedEntryTest {
    @TempDir Path tmp;

    private Path zip(String name, boolean packed) throws Exception {
        Path f = tmp.resolve(name);
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(f))) {
            z.putNextEntry(new ZipEntry("configuration.json"));
            z.write("{}".getBytes());
            z.closeEntry();
            if (packed) {
                z.putNextEntry(new ZipEntry(ExportBuilder.PACKED_ENTRY));
                z.write(new byte[]{'B', 'S', 'Q', '1', 7});
                z.closeEntry();
            }
        }
        return f;
    }

    @Test
    void copiesThePackedEntry() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(bytes)) {
            assertEquals("models/trial-3.bsq", ExportBuilder.packedEntry(out, zip("a.model", true), "models/trial-3.bsq"));
            assertNull(ExportBuilder.packedEntry(out, zip("b.model", false), "models/trial-4.bsq"));
            Path json = Files.writeString(tmp.resolve("c.model"), "{\"x\":1}");
            assertNull(ExportBuilder.packedEntry(out, json, "models/trial-5.bsq"));
        }
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            ZipEntry e = in.getNextEntry();
            assertEquals("models/trial-3.bsq", e.getName());
            assertArrayEquals(new byte[]{'B', 'S', 'Q', '1', 7}, in.readAllBytes());
            assertNull(in.getNextEntry());
        }
    }
}
