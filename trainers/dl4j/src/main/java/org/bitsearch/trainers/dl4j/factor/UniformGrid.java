package org.bitsearch.trainers.dl4j.factor;

/**
 * The k-bit symmetric uniform grid of DESIGN.md, {s · q : q integer, |q| ≤ 2^(k−1) − 1}, with the per-tensor scale
 * s = max|X| / (2^(k−1) − 1) of the values being projected. {@link #project} is the Euclidean projection onto
 * that grid (round to nearest, clamp). 3 ≤ k ≤ 8.
 */
public final class UniformGrid {
    private UniformGrid() {}

    public static int maxLevel(int bits) {
        if (bits < 3 || bits > 8) throw new IllegalArgumentException("bits is " + bits + ", but factor grids need 3..8");
        return (1 << (bits - 1)) - 1;
    }

    /** The scale the projection of {@code x} uses. */
    public static double scale(double[][] x, int bits) {
        double max = 0;
        for (double[] row : x) for (double v : row) max = Math.max(max, Math.abs(v));
        return max == 0 ? 1 : max / maxLevel(bits);
    }

    /** Q(x): every entry rounded to the nearest grid point of scale {@link #scale}. */
    public static double[][] project(double[][] x, int bits) {
        int top = maxLevel(bits);
        double s = scale(x, bits);
        double[][] q = new double[x.length][x[0].length];
        for (int i = 0; i < x.length; i++)
            for (int j = 0; j < x[0].length; j++) q[i][j] = s * Math.max(-top, Math.min(top, Math.rint(x[i][j] / s)));
        return q;
    }

    /** True if every entry of {@code x} is s·q for one scale s and integers |q| ≤ 2^(k−1) − 1 (up to rounding 1e-9). */
    public static boolean onGrid(double[][] x, int bits) {
        int top = maxLevel(bits);
        double s = scale(x, bits);
        for (double[] row : x)
            for (double v : row) {
                double q = v / s;
                if (Math.abs(q - Math.rint(q)) > 1e-9 || Math.abs(Math.rint(q)) > top) return false;
            }
        return true;
    }
}
