package org.bitsearch.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FrontPlotTest {
    private static final List<FrontPlot.Point> POINTS = List.of(
            new FrontPlot.Point(13.1, 0.80, true), new FrontPlot.Point(25.4, 0.85, true),
            new FrontPlot.Point(50.2, 0.86, true), new FrontPlot.Point(30.0, 0.70, false), new FrontPlot.Point(60.0, 0.84, false));

    @Test
    void writesAValidPngOfTheRequestedSize(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("front.png");
        new FrontPlot(900, 600).write(png, "title", "KiB", "accuracy", POINTS);
        byte[] bytes = Files.readAllBytes(png);
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}, Arrays.copyOf(bytes, 8));
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(900, img.getWidth());
        assertEquals(600, img.getHeight());
        try (var files = Files.list(dir)) {
            assertEquals(List.of(png), files.toList());
        }
    }

    @Test
    void drawsTheFrontInRedAndOtherTrialsInGrey() {
        BufferedImage img = new FrontPlot(400, 300).render("t", "x", "y", POINTS);
        int red = 0, grey = 0;
        for (int x = 0; x < img.getWidth(); x++)
            for (int y = 0; y < img.getHeight(); y++) {
                int rgb = img.getRGB(x, y) & 0xffffff;
                if (rgb == 0xc81e1e) red++;
                if (rgb == 0x969696) grey++;
            }
        assertTrue(red > 50, "red pixels: " + red);
        assertTrue(grey > 20, "grey pixels: " + grey);
    }

    @Test
    void ticksAreNiceSteps() {
        assertEquals(10, FrontPlot.tickStep(80, 8), 1e-12);
        assertEquals(0.02, FrontPlot.tickStep(0.1, 6), 1e-12);
        assertEquals(5, FrontPlot.tickStep(30, 6), 1e-12);
    }

    @Test
    void rejectsEmptyPointsAndTinyImages() {
        assertThrows(IllegalArgumentException.class, () -> new FrontPlot(900, 600).render("t", "x", "y", List.of()));
        assertThrows(IllegalArgumentException.class, () -> new FrontPlot(100, 600));
        assertThrows(IllegalArgumentException.class, () -> new FrontPlot.Point(Double.NaN, 1, true));
    }
}
