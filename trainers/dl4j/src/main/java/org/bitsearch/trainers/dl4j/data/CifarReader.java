package org.bitsearch.trainers.dl4j.data;

import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads CIFAR-10 and CIFAR-100 "binary version" batches (Krizhevsky 2009, https://www.cs.toronto.edu/~kriz/cifar.html):
 * fixed-size records of the label byte(s) followed by 1024 red, 1024 green and 1024 blue bytes of a 32x32 image,
 * row-major. That is channel-major order, what {@code InputType.convolutionalFlat(32, 32, 3)} expects; pixels are
 * scaled by 1/255.
 *
 * <p>CIFAR-10: {@code data_batch_*.bin} (sorted by name) and {@code test_batch.bin}, one label byte (0..9).
 * CIFAR-100: {@code train.bin} and {@code test.bin}, a coarse (0..19) and a fine (0..99) label byte; the fine
 * label is used.
 */
public final class CifarReader {
    static final int SIDE = 32, CHANNELS = 3, PIXELS = SIDE * SIDE * CHANNELS;

    /** The two variants: label bytes per record and class count. */
    enum Variant {
        CIFAR10(1, 10), CIFAR100(2, 100);
        final int labelBytes, classes;

        Variant(int labelBytes, int classes) {
            this.labelBytes = labelBytes;
            this.classes = classes;
        }

        int recordSize() { return labelBytes + PIXELS; }
    }

    /** The files of one directory: its variant, training batches and test batch. */
    record Files3(Variant variant, List<Path> train, Path test) {}

    private CifarReader() {}

    /** Shape of the data in {@code dir} from its file names alone. */
    static InputShape shape(Path dir) throws IOException {
        return new InputShape(CHANNELS, SIDE, SIDE, files(dir).variant().classes);
    }

    /** Finds the batch files in {@code dir}. */
    static Files3 files(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) throw new DataFileException(dir, "CIFAR data directory not found");
        List<Path> batches;
        try (Stream<Path> s = Files.list(dir)) {
            batches = s.filter(p -> p.getFileName().toString().matches("data_batch_.*\\.bin")).sorted().toList();
        }
        if (!batches.isEmpty()) {
            Path test = dir.resolve("test_batch.bin");
            if (!Files.isRegularFile(test)) throw new DataFileException(test, "file not found (CIFAR-10 needs test_batch.bin beside data_batch_*.bin)");
            return new Files3(Variant.CIFAR10, batches, test);
        }
        Path train = dir.resolve("train.bin"), test = dir.resolve("test.bin");
        if (Files.isRegularFile(train)) {
            if (!Files.isRegularFile(test)) throw new DataFileException(test, "file not found (CIFAR-100 needs test.bin beside train.bin)");
            return new Files3(Variant.CIFAR100, List.of(train), test);
        }
        throw new DataFileException(dir, "holds no CIFAR binary batches: expected data_batch_*.bin and test_batch.bin (CIFAR-10) or train.bin and test.bin (CIFAR-100)");
    }

    /** Reads and validates every batch in {@code dir}. */
    static Dataset read(Path dir) throws IOException {
        Files3 f = files(dir);
        List<byte[]> train = new ArrayList<>();
        for (Path p : f.train()) train.add(bytes(p, f.variant()));
        byte[] test = bytes(f.test(), f.variant());
        int n = 0;
        for (byte[] b : train) n += b.length / f.variant().recordSize();
        float[] x = new float[n * PIXELS];
        int[] y = new int[n];
        int at = 0;
        for (int i = 0; i < train.size(); i++) at = decode(train.get(i), f.variant(), f.train().get(i), x, y, at);
        int m = test.length / f.variant().recordSize();
        float[] tx = new float[m * PIXELS];
        int[] ty = new int[m];
        decode(test, f.variant(), f.test(), tx, ty, 0);
        return new Dataset("cifar", CHANNELS, SIDE, SIDE, f.variant().classes,
                Nd4j.create(x, new long[]{n, PIXELS}, 'c'), y, Nd4j.create(tx, new long[]{m, PIXELS}, 'c'), ty);
    }

    private static byte[] bytes(Path p, Variant v) throws IOException {
        byte[] b;
        try {
            b = Files.readAllBytes(p);
        } catch (IOException e) {
            throw new DataFileException(p, "cannot be read: " + e, e);
        }
        if (b.length == 0) throw new DataFileException(p, "is empty");
        if (b.length % v.recordSize() != 0)
            throw new DataFileException(p, "size " + b.length + " bytes is not a multiple of the " + v.recordSize()
                    + "-byte " + (v == Variant.CIFAR10 ? "CIFAR-10" : "CIFAR-100") + " record");
        return b;
    }

    private static int decode(byte[] b, Variant v, Path file, float[] x, int[] y, int at) throws DataFileException {
        int records = b.length / v.recordSize();
        for (int r = 0; r < records; r++, at++) {
            int off = r * v.recordSize();
            int label = b[off + v.labelBytes - 1] & 0xFF;
            if (label >= v.classes)
                throw new DataFileException(file, "record " + r + " has label " + label + ", but " + v.classes + " classes stop at " + (v.classes - 1));
            y[at] = label;
            int base = off + v.labelBytes, dst = at * PIXELS;
            for (int i = 0; i < PIXELS; i++) x[dst + i] = (b[base + i] & 0xFF) / 255f;
        }
        return at;
    }
}
