package org.bitsearch.bench;

import org.bitsearch.trainers.io.AtomicFiles;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Draws a Pareto-front scatter plot (model size on x, accuracy on y) with Java2D and writes it as a PNG: every
 * trial as a grey dot, the front's points as larger red dots joined by a staircase, a second accuracy of a front
 * point (e.g. its test accuracy) as a hollow red ring, linear axes with ticks, labels, a title and a legend below
 * the axes. Headless: needs no display. Stateless and thread-safe.
 */
public final class FrontPlot {
    /**
     * One plotted point: {@code x} (size), {@code y} (accuracy), whether it is on the front, and {@code y2}, a second
     * accuracy drawn as a ring (NaN: none).
     */
    public record Point(double x, double y, boolean onFront, double y2) {
        public Point {
            if (!Double.isFinite(x) || !Double.isFinite(y))
                throw new IllegalArgumentException("point (" + x + ", " + y + ") must have finite coordinates");
            if (Double.isInfinite(y2)) throw new IllegalArgumentException("y2 is " + y2 + ", but must be finite or NaN");
        }

        public Point(double x, double y, boolean onFront) { this(x, y, onFront, Double.NaN); }
    }

    private static final int LEFT = 80, RIGHT = 30, TOP = 50, BOTTOM = 95;
    private static final Color RED = new Color(200, 30, 30), GREY = new Color(150, 150, 150);
    private final int width, height;
    private final String[] legend;

    /** A plot of {@code width} × {@code height} pixels with the default legend. @throws IllegalArgumentException below 200 × 150 */
    public FrontPlot(int width, int height) {
        this(width, height, "trial", "Pareto front", "second accuracy");
    }

    /**
     * A plot whose legend names the grey dots, the red dots and the red rings.
     *
     * @throws IllegalArgumentException below 200 × 150 pixels
     */
    public FrontPlot(int width, int height, String trials, String front, String rings) {
        if (width < 200) throw new IllegalArgumentException("width is " + width + ", but must be >= 200");
        if (height < 150) throw new IllegalArgumentException("height is " + height + ", but must be >= 150");
        this.width = width;
        this.height = height;
        this.legend = new String[] {trials, front, rings};
    }

    /** Renders the plot. @throws IllegalArgumentException if {@code points} is empty */
    public BufferedImage render(String title, String xLabel, String yLabel, List<Point> points) {
        if (points == null || points.isEmpty()) throw new IllegalArgumentException("points is empty, but a plot needs at least one");
        System.setProperty("java.awt.headless", "true");
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            double[] xr = range(points.stream().mapToDouble(Point::x).toArray());
            double[] yr = range(points.stream().flatMapToDouble(p -> Double.isNaN(p.y2())
                    ? java.util.stream.DoubleStream.of(p.y()) : java.util.stream.DoubleStream.of(p.y(), p.y2())).toArray());
            int pw = width - LEFT - RIGHT, ph = height - TOP - BOTTOM;
            Axis xa = new Axis(xr[0], xr[1], LEFT, LEFT + pw);
            Axis ya = new Axis(yr[0], yr[1], TOP + ph, TOP);
            drawAxes(g, xa, ya, pw, ph, xLabel, yLabel);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
            FontMetrics fm = g.getFontMetrics();
            g.setColor(Color.BLACK);
            g.drawString(title, (width - fm.stringWidth(title)) / 2, TOP - 20);
            g.setColor(GREY);
            for (Point p : points) if (!p.onFront()) dot(g, xa.px(p.x()), ya.px(p.y()), 7);
            List<Point> front = points.stream().filter(Point::onFront).sorted(Comparator.comparingDouble(Point::x)).toList();
            if (!front.isEmpty()) {
                Path2D stairs = new Path2D.Double();
                stairs.moveTo(xa.px(front.get(0).x()), ya.px(front.get(0).y()));
                for (int i = 1; i < front.size(); i++) {
                    stairs.lineTo(xa.px(front.get(i).x()), ya.px(front.get(i - 1).y()));
                    stairs.lineTo(xa.px(front.get(i).x()), ya.px(front.get(i).y()));
                }
                g.setColor(RED);
                g.setStroke(new BasicStroke(2f));
                g.draw(stairs);
                for (Point p : front) dot(g, xa.px(p.x()), ya.px(p.y()), 11);
                for (Point p : front) if (!Double.isNaN(p.y2())) ring(g, xa.px(p.x()), ya.px(p.y2()), 12);
            }
            drawLegend(g, points.stream().anyMatch(p -> !Double.isNaN(p.y2())));
        } finally {
            g.dispose();
        }
        return img;
    }

    /** Renders and writes the PNG to {@code file} through a temp file and an atomic move. */
    public void write(Path file, String title, String xLabel, String yLabel, List<Point> points) throws IOException {
        BufferedImage img = render(title, xLabel, yLabel, points);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        if (!ImageIO.write(img, "png", bytes)) throw new IOException("no PNG writer in this JVM");
        AtomicFiles.write(file, bytes.toByteArray());
    }

    private record Axis(double lo, double hi, int from, int to) {
        double px(double v) { return from + (v - lo) / (hi - lo) * (to - from); }
    }

    /** [lo, hi] padded by 8% on each side (a unit wide around a single value), so no dot sits on an axis. */
    static double[] range(double[] v) {
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (double x : v) { lo = Math.min(lo, x); hi = Math.max(hi, x); }
        double span = hi - lo;
        if (span == 0) span = Math.max(Math.abs(lo) * 0.1, 1e-3);
        return new double[] {lo - 0.08 * span, hi + 0.08 * span};
    }

    /** A "nice" tick step (1, 2 or 5 × 10^k) giving about {@code target} ticks over {@code span}. */
    static double tickStep(double span, int target) {
        double raw = span / target;
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double r = raw / mag;
        return (r < 1.5 ? 1 : r < 3 ? 2 : r < 7 ? 5 : 10) * mag;
    }

    private void drawAxes(Graphics2D g, Axis xa, Axis ya, int pw, int ph, String xLabel, String yLabel) {
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        FontMetrics fm = g.getFontMetrics();
        double xs = tickStep(xa.hi() - xa.lo(), 8), ys = tickStep(ya.hi() - ya.lo(), 6);
        for (double t = Math.ceil(xa.lo() / xs) * xs; t <= xa.hi(); t += xs) {
            int px = (int) Math.round(xa.px(t));
            g.setColor(new Color(235, 235, 235));
            g.drawLine(px, TOP, px, TOP + ph);
            g.setColor(Color.BLACK);
            g.drawLine(px, TOP + ph, px, TOP + ph + 5);
            String s = label(t, xs);
            g.drawString(s, px - fm.stringWidth(s) / 2, TOP + ph + 20);
        }
        for (double t = Math.ceil(ya.lo() / ys) * ys; t <= ya.hi(); t += ys) {
            int py = (int) Math.round(ya.px(t));
            g.setColor(new Color(235, 235, 235));
            g.drawLine(LEFT, py, LEFT + pw, py);
            g.setColor(Color.BLACK);
            g.drawLine(LEFT - 5, py, LEFT, py);
            String s = label(t, ys);
            g.drawString(s, LEFT - 8 - fm.stringWidth(s), py + fm.getAscent() / 2 - 1);
        }
        g.setColor(Color.BLACK);
        g.setStroke(new BasicStroke(1.5f));
        g.drawRect(LEFT, TOP, pw, ph);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        fm = g.getFontMetrics();
        g.drawString(xLabel, LEFT + (pw - fm.stringWidth(xLabel)) / 2, TOP + ph + 45);
        AffineTransform saved = g.getTransform();
        g.rotate(-Math.PI / 2);
        g.drawString(yLabel, -(TOP + (ph + fm.stringWidth(yLabel)) / 2), 22);
        g.setTransform(saved);
    }

    /** The legend in one row below the x-axis label. */
    private void drawLegend(Graphics2D g, boolean rings) {
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        FontMetrics fm = g.getFontMetrics();
        int x = LEFT, y = height - 15;
        g.setColor(GREY);
        dot(g, x + 5, y - 4, 7);
        g.setColor(Color.BLACK);
        g.drawString(legend[0], x + 14, y);
        x += 14 + fm.stringWidth(legend[0]) + 25;
        g.setColor(RED);
        dot(g, x + 5, y - 4, 11);
        g.setColor(Color.BLACK);
        g.drawString(legend[1], x + 14, y);
        if (!rings) return;
        x += 14 + fm.stringWidth(legend[1]) + 25;
        g.setColor(RED);
        ring(g, x + 6, y - 4, 12);
        g.setColor(Color.BLACK);
        g.drawString(legend[2], x + 17, y);
    }

    private static void ring(Graphics2D g, double x, double y, double d) {
        g.setStroke(new BasicStroke(2f));
        g.draw(new Ellipse2D.Double(x - d / 2, y - d / 2, d, d));
    }

    private static void dot(Graphics2D g, double x, double y, double d) {
        g.fill(new Ellipse2D.Double(x - d / 2, y - d / 2, d, d));
    }

    private static String label(double v, double step) {
        int decimals = Math.max(0, (int) -Math.floor(Math.log10(step) + 1e-9));
        return String.format(Locale.ROOT, "%." + decimals + "f", Math.abs(v) < step / 1e6 ? 0 : v);
    }
}
