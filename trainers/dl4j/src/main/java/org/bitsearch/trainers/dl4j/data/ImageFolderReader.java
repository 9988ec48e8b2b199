package org.bitsearch.trainers.dl4j.data;

import org.nd4j.linalg.factory.Nd4j;

import javax.imageio.ImageIO;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Reads a folder of images per class: {@code dir/train/<class>/*} and {@code dir/test/<class>/*}, PNG or JPEG
 * through the JDK's ImageIO (no native image library). The classes are the sorted folder names under
 * {@code train/}; a test folder must name one of them. Each image is drawn, with bilinear interpolation, onto a
 * {@code height x width} canvas (RGB, or grey for one channel) and stored channel-major, scaled by 1/255.
 * Files that are not {@code .png/.jpg/.jpeg} are an error, so that a stray file is not silently skipped.
 */
public final class ImageFolderReader {
    private static final List<String> SUFFIXES = List.of(".png", ".jpg", ".jpeg");

    private ImageFolderReader() {}

    /** The class names: sorted folder names under {@code dir/train}. */
    static List<String> classes(Path dir) throws IOException {
        Path train = dir.resolve("train");
        if (!Files.isDirectory(dir)) throw new DataFileException(dir, "image data directory not found");
        if (!Files.isDirectory(train)) throw new DataFileException(train, "directory not found (images data needs train/<class>/ and test/<class>/)");
        if (!Files.isDirectory(dir.resolve("test"))) throw new DataFileException(dir.resolve("test"), "directory not found (images data needs train/<class>/ and test/<class>/)");
        List<String> names;
        try (Stream<Path> s = Files.list(train)) {
            names = s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
        }
        if (names.size() < 2) throw new DataFileException(train, "has " + names.size() + " class folders, but needs at least 2");
        return names;
    }

    static InputShape shape(DataConfig c) throws IOException {
        return new InputShape(c.channels(), c.height(), c.width(), classes(Path.of(c.dir())).size());
    }

    static Dataset read(DataConfig c) throws IOException {
        Path dir = Path.of(c.dir());
        List<String> classes = classes(dir);
        Part train = part(dir.resolve("train"), classes, c), test = part(dir.resolve("test"), classes, c);
        int f = c.channels() * c.height() * c.width();
        return new Dataset("images", c.channels(), c.height(), c.width(), classes.size(),
                Nd4j.create(train.x, new long[]{train.y.length, f}, 'c'), train.y,
                Nd4j.create(test.x, new long[]{test.y.length, f}, 'c'), test.y);
    }

    private record Part(float[] x, int[] y) {}

    private static Part part(Path root, List<String> classes, DataConfig c) throws IOException {
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        List<Path> folders;
        try (Stream<Path> s = Files.list(root)) {
            folders = s.sorted().toList();
        }
        for (Path folder : folders) {
            String name = folder.getFileName().toString();
            if (!Files.isDirectory(folder))
                throw new DataFileException(folder, "is a file, but " + root + " must hold only class folders");
            int label = classes.indexOf(name);
            if (label < 0) throw new DataFileException(folder, "class '" + name + "' is not among the training classes " + classes);
            try (Stream<Path> s = Files.list(folder)) {
                for (Path p : s.sorted().toList()) {
                    String lower = p.getFileName().toString().toLowerCase(Locale.ROOT);
                    if (SUFFIXES.stream().noneMatch(lower::endsWith))
                        throw new DataFileException(p, "is not a .png, .jpg or .jpeg image");
                    files.add(p);
                    labels.add(label);
                }
            }
        }
        if (files.isEmpty()) throw new DataFileException(root, "holds no images");
        int f = c.channels() * c.height() * c.width();
        float[] x = new float[files.size() * f];
        int[] y = new int[files.size()];
        for (int i = 0; i < files.size(); i++) {
            pixels(files.get(i), c, x, i * f);
            y[i] = labels.get(i);
        }
        return new Part(x, y);
    }

    /** Decodes, resizes and writes one image channel-major into {@code x} at {@code at}. */
    static void pixels(Path file, DataConfig c, float[] x, int at) throws DataFileException {
        BufferedImage img;
        try {
            img = ImageIO.read(file.toFile());
        } catch (IOException e) {
            throw new DataFileException(file, "cannot be decoded: " + e.getMessage(), e);
        }
        if (img == null) throw new DataFileException(file, "is not an image ImageIO can decode (PNG or JPEG)");
        int w = c.width(), h = c.height();
        BufferedImage canvas = new BufferedImage(w, h, c.channels() == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
        Graphics2D g = canvas.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(img, 0, 0, w, h, null);
        g.dispose();
        int plane = w * h;
        if (c.channels() == 1) {
            byte[] grey = new byte[plane];
            canvas.getRaster().getDataElements(0, 0, w, h, grey);
            for (int i = 0; i < plane; i++) x[at + i] = (grey[i] & 0xFF) / 255f;
        } else {
            int[] rgb = canvas.getRGB(0, 0, w, h, null, 0, w);
            for (int i = 0; i < plane; i++) {
                x[at + i] = ((rgb[i] >> 16) & 0xFF) / 255f;
                x[at + plane + i] = ((rgb[i] >> 8) & 0xFF) / 255f;
                x[at + 2 * plane + i] = (rgb[i] & 0xFF) / 255f;
            }
        }
    }
}
