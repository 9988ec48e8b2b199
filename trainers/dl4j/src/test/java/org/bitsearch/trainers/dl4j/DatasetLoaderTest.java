package org.bitsearch.trainers.dl4j;

import org.bitsearch.trainers.dl4j.data.Dataset;
import org.bitsearch.trainers.dl4j.data.DatasetLoader;
import org.bitsearch.trainers.dl4j.data.IdxFile;
import org.bitsearch.trainers.dl4j.data.IdxFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DatasetLoaderTest {
    private static final List<String> FILES = List.of("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
            "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte");

    private static byte[] idx(int[] dims, byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(0x0800 | dims.length);
        for (int d : dims) out.writeInt(d);
        out.write(data);
        return bytes.toByteArray();
    }

    private static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(bytes)) { gz.write(raw); }
        return bytes.toByteArray();
    }

    private static byte[] gunzip(Path file) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) { return in.readAllBytes(); }
    }

    /** A tiny valid dataset directory: 6 training and 4 test images of 28x28, gzip or raw. */
    private static Path tiny(Path dir, boolean gz) throws IOException {
        Files.createDirectories(dir);
        byte[] img6 = new byte[6 * 784], img4 = new byte[4 * 784];
        for (int i = 0; i < img6.length; i++) img6[i] = (byte) (i * 7);
        byte[][] contents = {idx(new int[]{6, 28, 28}, img6), idx(new int[]{6}, new byte[]{0, 1, 2, 3, 4, 9}),
                idx(new int[]{4, 28, 28}, img4), idx(new int[]{4}, new byte[]{9, 8, 7, 0})};
        for (int i = 0; i < 4; i++) {
            if (gz) Files.write(dir.resolve(FILES.get(i) + ".gz"), gzip(contents[i]));
            else Files.write(dir.resolve(FILES.get(i)), contents[i]);
        }
        return dir;
    }

    @Test
    void readsGzipAndRawAlike(@TempDir Path tmp) throws IOException {
        Dataset gz = DatasetLoader.load(tiny(tmp.resolve("gz"), true), "fashion-mnist");
        Dataset raw = DatasetLoader.load(tiny(tmp.resolve("raw"), false), "mnist");
        assertEquals(6, gz.trainCount());
        assertEquals(4, raw.testCount());
        assertEquals(10, gz.classes());
        assertArrayEquals(new int[]{0, 1, 2, 3, 4, 9}, raw.trainLabels());
        assertEquals(gz.trainImages(), raw.trainImages());
        assertEquals((14 & 0xFF) / 255f, gz.trainImages().getFloat(0, 2), 0f);
    }

    @Test
    void realFashionMnistIsLoadedOnceAndShared() throws IOException {
        Dataset a = DatasetLoader.load(TestData.fashionDir(), "fashion-mnist");
        Dataset b = DatasetLoader.load(TestData.fashionDir().resolve("..").resolve("fashion-mnist-small"), "fashion-mnist");
        assertSame(a, b, "cached by directory and name");
        assertEquals(4000, a.trainCount());
        assertEquals(1000, a.testCount());
        assertEquals(10, a.classes());
        IdxFile labels = IdxFile.read(TestData.fashionDir().resolve("t10k-labels-idx1-ubyte.gz"));
        assertEquals(1000, labels.count());
    }

    @Test
    void checksumMismatchNamesTheFile(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("fashion-mnist");
        Files.createDirectories(dir);
        for (String f : FILES) Files.copy(TestData.fashionDir().resolve(f + ".gz"), dir.resolve(f + ".gz"));
        Files.copy(TestData.fashionDir().resolve("SHA256SUMS"), dir.resolve("SHA256SUMS"));
        // same content, recompressed: valid IDX, but not the bytes SHA256SUMS lists
        Path labels = dir.resolve("t10k-labels-idx1-ubyte.gz");
        byte[] raw = gunzip(labels);
        raw[100] = (byte) ((raw[100] + 1) % 10);
        Files.write(labels, gzip(raw));
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> DatasetLoader.load(tmp, "fashion-mnist"));
        assertTrue(e.getMessage().contains("t10k-labels-idx1-ubyte.gz") && e.getMessage().contains("checksum mismatch"), e.getMessage());
        assertEquals(labels, e.file());
    }

    @Test
    void badMagicNamesTheFile(@TempDir Path tmp) throws IOException {
        Path dir = tiny(tmp.resolve("d"), false);
        Path f = dir.resolve("train-labels-idx1-ubyte");
        byte[] b = Files.readAllBytes(f);
        b[2] = 0x0D; // float type
        Files.write(f, b);
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> DatasetLoader.load(dir, "mnist"));
        assertTrue(e.getMessage().startsWith(f.toString()) && e.getMessage().contains("bad magic number"), e.getMessage());
        Files.write(f, new byte[]{0x1, 0x2, 0x3, 0x4, 0, 0, 0, 0});
        e = assertThrows(IdxFormatException.class, () -> IdxFile.read(f));
        assertTrue(e.getMessage().contains("bad magic number 0x01020304"), e.getMessage());
    }

    @Test
    void truncatedDataNamesTheFile(@TempDir Path tmp) throws IOException {
        Path dir = tiny(tmp.resolve("d"), true);
        Path f = dir.resolve("train-images-idx3-ubyte.gz");
        byte[] raw = gunzip(f);
        Files.write(f, gzip(Arrays.copyOf(raw, raw.length - 100)));
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> DatasetLoader.load(dir, "mnist"));
        assertTrue(e.getMessage().contains("train-images-idx3-ubyte.gz") && e.getMessage().contains("truncated"), e.getMessage());
        byte[] gz = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(gz, gz.length / 2)); // a cut compressed stream
        e = assertThrows(IdxFormatException.class, () -> IdxFile.read(f));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void missingFileAndUnknownDatasetAreNamed(@TempDir Path tmp) throws IOException {
        Path dir = tiny(tmp.resolve("d"), false);
        Files.delete(dir.resolve("t10k-images-idx3-ubyte"));
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> DatasetLoader.load(dir, "mnist"));
        assertTrue(e.getMessage().contains("t10k-images-idx3-ubyte") && e.getMessage().contains("not found"), e.getMessage());
        IllegalArgumentException u = assertThrows(IllegalArgumentException.class, () -> DatasetLoader.load(dir, "cifar10"));
        assertEquals("dataset is 'cifar10', but must be one of [fashion-mnist, mnist]", u.getMessage());
    }

    @Test
    void labelCountMustMatchImages(@TempDir Path tmp) throws IOException {
        Path dir = tiny(tmp.resolve("d"), false);
        Files.write(dir.resolve("train-labels-idx1-ubyte"), idx(new int[]{5}, new byte[]{0, 1, 2, 3, 4}));
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> DatasetLoader.load(dir, "mnist"));
        assertTrue(e.getMessage().contains("holds 5 labels, but train-images-idx3-ubyte holds 6 images"), e.getMessage());
    }
}
