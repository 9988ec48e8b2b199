package org.bitsearch.search.pareto;

import java.util.List;

/**
 * The 2-D hypervolume (the area dominated by a set of points and bounded by a reference point) in the
 * (accuracy up, size down) plane: the union of the rectangles [size, refSizeBits] × [refAccuracy, accuracy].
 * Points not strictly better than the reference in both objectives add nothing.
 */
public final class Hypervolume {
    private Hypervolume() {}

    /**
     * The raw area in accuracy × bits. O(n log n) (dominated points are filtered first).
     *
     * @throws IllegalArgumentException if the reference point is not finite or refSizeBits is not positive
     */
    public static double raw(List<FrontPoint> points, double refAccuracy, double refSizeBits) {
        check(refAccuracy, refSizeBits);
        double area = 0;
        List<FrontPoint> front = Pareto.front(points); // size ascending, accuracy ascending
        for (int i = 0; i < front.size(); i++) {
            FrontPoint p = front.get(i);
            if (p.sizeBits() >= refSizeBits || p.accuracy() <= refAccuracy) continue;
            double right = i + 1 < front.size() ? Math.min(front.get(i + 1).sizeBits(), refSizeBits) : refSizeBits;
            area += (right - p.sizeBits()) * (p.accuracy() - refAccuracy);
        }
        return area;
    }

    /**
     * The area divided by the largest possible one, (1 − refAccuracy) · refSizeBits (a model of size 0 with
     * accuracy 1), so it lies in [0, 1] and compares across models. This is what {@code SearchEngine.hypervolume()}
     * reports.
     */
    public static double normalized(List<FrontPoint> points, double refAccuracy, double refSizeBits) {
        check(refAccuracy, refSizeBits);
        if (refAccuracy >= 1) return 0;
        return raw(points, refAccuracy, refSizeBits) / ((1 - refAccuracy) * refSizeBits);
    }

    private static void check(double refAccuracy, double refSizeBits) {
        if (!Double.isFinite(refAccuracy)) throw new IllegalArgumentException("refAccuracy is " + refAccuracy + ", but must be finite");
        if (!(refSizeBits > 0) || Double.isInfinite(refSizeBits))
            throw new IllegalArgumentException("refSizeBits is " + refSizeBits + ", but must be finite and > 0");
    }
}
