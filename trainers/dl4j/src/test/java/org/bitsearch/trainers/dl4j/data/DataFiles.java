package org.bitsearch.trainers.dl4j.data;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Writes small, learnable datasets in each format: the class of a sample decides which region of the image is
 * bright (or which feature is large), plus seeded noise.
 */
public final class DataFiles {
    private DataFiles() {}

    /** Pixel {@code (ch, r, c)} of a sample of class {@code y} among {@code classes}: bright in the class's band of rows. */
    static int pixel(int y, int classes, int ch, int r, int c, int side, SplittableRandom rng) {
        int band = r * classes / side;
        int base = band == y ? 200 : 30;
        return Math.max(0, Math.min(255, base + (ch * 10) + rng.nextInt(40) - 20));
    }

    /** CIFAR-10 binary batches: {@code batches} training files of {@code perBatch} records and a test batch. */
    public static void cifar10(Path dir, int batches, int perBatch, int test, long seed) throws IOException {
        Files.createDirectories(dir);
        SplittableRandom rng = new SplittableRandom(seed);
        for (int b = 1; b <= batches; b++) cifarFile(dir.resolve("data_batch_" + b + ".bin"), perBatch, 1, 10, rng);
        cifarFile(dir.resolve("test_batch.bin"), test, 1, 10, rng);
    }

    /** CIFAR-100 binary files train.bin and test.bin (labels drawn among the first {@code used} fine classes). */
    public static void cifar100(Path dir, int train, int test, int used, long seed) throws IOException {
        Files.createDirectories(dir);
        SplittableRandom rng = new SplittableRandom(seed);
        cifarFile(dir.resolve("train.bin"), train, 2, used, rng);
        cifarFile(dir.resolve("test.bin"), test, 2, used, rng);
    }

    private static void cifarFile(Path file, int n, int labelBytes, int classes, SplittableRandom rng) throws IOException {
        byte[] b = new byte[n * (labelBytes + 3072)];
        for (int i = 0; i < n; i++) {
            int off = i * (labelBytes + 3072), y = i % classes;
            if (labelBytes == 2) b[off] = (byte) (y / 5);
            b[off + labelBytes - 1] = (byte) y;
            for (int ch = 0; ch < 3; ch++)
                for (int r = 0; r < 32; r++)
                    for (int c = 0; c < 32; c++)
                        b[off + labelBytes + ch * 1024 + r * 32 + c] = (byte) pixel(y % 10, Math.min(classes, 10), ch, r, c, 32, rng);
        }
        Files.write(file, b);
    }

    /** {@code dir/train/<class>/i.png|jpg} and {@code dir/test/...} of {@code side x side} RGB images. */
    public static void images(Path dir, String[] classes, int trainPer, int testPer, int side, long seed) throws IOException {
        SplittableRandom rng = new SplittableRandom(seed);
        for (String part : new String[]{"train", "test"}) {
            int per = part.equals("train") ? trainPer : testPer;
            for (int y = 0; y < classes.length; y++) {
                Path folder = Files.createDirectories(dir.resolve(part).resolve(classes[y]));
                for (int i = 0; i < per; i++) {
                    BufferedImage img = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
                    for (int r = 0; r < side; r++)
                        for (int c = 0; c < side; c++) {
                            int v = pixel(y, classes.length, 0, r, c, side, rng);
                            img.setRGB(c, r, (v << 16) | (v << 8) | v);
                        }
                    String format = i % 2 == 0 ? "png" : "jpg";
                    ImageIO.write(img, format, folder.resolve(i + "." + format).toFile());
                }
            }
        }
    }

    /**
     * A CSV of {@code n} rows: a header {@code f0..f{features-1},label}, features where the class's feature is
     * large, and the label as a name {@code class-k} (when {@code names}) or an integer.
     */
    public static void csv(Path file, int n, int features, int classes, boolean names, long seed) throws IOException {
        SplittableRandom rng = new SplittableRandom(seed);
        StringBuilder sb = new StringBuilder();
        for (int j = 0; j < features; j++) sb.append('f').append(j).append(',');
        sb.append("label\n");
        for (int i = 0; i < n; i++) {
            int y = i % classes;
            for (int j = 0; j < features; j++)
                sb.append(String.format(Locale.ROOT, "%.4f", (j % classes == y ? 3.0 : 0.0) + rng.nextGaussian() * 0.5 + 10)).append(',');
            sb.append(names ? "class-" + y : String.valueOf(y)).append('\n');
        }
        Files.writeString(file, sb);
    }

    /** The four IDX files of {@code n} training and {@code test} test images of {@code side x side}. */
    public static void idx(Path dir, int n, int test, int side, long seed) throws IOException {
        Files.createDirectories(dir);
        SplittableRandom rng = new SplittableRandom(seed);
        idxPair(dir, "train", n, side, rng);
        idxPair(dir, "t10k", test, side, rng);
    }

    private static void idxPair(Path dir, String prefix, int n, int side, SplittableRandom rng) throws IOException {
        byte[] images = new byte[n * side * side];
        byte[] labels = new byte[n];
        for (int i = 0; i < n; i++) {
            int y = i % 10;
            labels[i] = (byte) y;
            for (int r = 0; r < side; r++)
                for (int c = 0; c < side; c++) images[i * side * side + r * side + c] = (byte) pixel(y, 10, 0, r, c, side, rng);
        }
        try (OutputStream out = Files.newOutputStream(dir.resolve(prefix + "-images-idx3-ubyte"))) {
            out.write(new byte[]{0, 0, 8, 3});
            writeInt(out, n);
            writeInt(out, side);
            writeInt(out, side);
            out.write(images);
        }
        try (OutputStream out = Files.newOutputStream(dir.resolve(prefix + "-labels-idx1-ubyte"))) {
            out.write(new byte[]{0, 0, 8, 1});
            writeInt(out, n);
            out.write(labels);
        }
    }

    private static void writeInt(OutputStream out, int v) throws IOException {
        out.write(new byte[]{(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v});
    }
}
