package org.bitsearch.trainers.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class DataFingerprintTest {
    @TempDir Path dir;

    private Path dataset(String name, String a, String b) throws IOException {
        Path d = Files.createDirectories(dir.resolve(name).resolve("sub"));
        Files.writeString(d.getParent().resolve("a.idx"), a);
        Files.writeString(d.resolve("b.idx"), b);
        return d.getParent();
    }

    @Test
    void theSameFilesAnywhereGiveTheSameFingerprintAndAnyChangeAnother() throws IOException {
        String one = DataFingerprint.of(dataset("one", "x", "y"));
        assertEquals(one, DataFingerprint.of(dataset("two", "x", "y")), "the directory's own name and place do not count");
        assertNotEquals(one, DataFingerprint.of(dataset("three", "x", "z")), "a changed byte");
        Path moved = dataset("four", "x", "y");
        Files.move(moved.resolve("sub/b.idx"), moved.resolve("b.idx"));
        assertNotEquals(one, DataFingerprint.of(moved), "a file under another name");
        assertEquals(64, one.length());
        assertEquals(DataFingerprint.of(dir.resolve("one/a.idx")), DataFingerprint.of(dir.resolve("two/a.idx")));
    }
}
