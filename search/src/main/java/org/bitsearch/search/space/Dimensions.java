package org.bitsearch.search.space;

import org.bitsearch.search.rng.SplitMix64;

import java.util.ArrayList;
import java.util.List;

/**
 * Sampling, grids and the unit-interval encoding of hyperparameter {@link Dimension}s. Numeric dimensions map to
 * [0, 1] linearly (log-float ranges in log space), which is where TPE's Parzen estimators and NSGA-II's mutation
 * work. All arithmetic uses {@link StrictMath} so that results are the same on every platform.
 */
public final class Dimensions {
    private Dimensions() {}

    /** A uniform draw (log-uniform for {@link Dimension.LogFloatRange}). */
    public static Object sample(Dimension d, SplitMix64 rng) {
        if (d instanceof Dimension.Categorical c) return c.choices().get(rng.nextInt(c.choices().size()));
        if (d instanceof Dimension.IntRange r) return rng.nextLong(r.low(), r.high());
        return fromUnit(d, rng.nextDouble());
    }

    /** True for integer, float and log-float ranges. */
    public static boolean isNumeric(Dimension d) { return !(d instanceof Dimension.Categorical); }

    private static IllegalArgumentException categorical(Dimension d) {
        return new IllegalArgumentException(d.name() + " is categorical, but only numeric dimensions have a unit encoding");
    }

    /** The position of a numeric value in [0, 1]. */
    public static double toUnit(Dimension d, Object value) {
        double v = ((Number) value).doubleValue();
        if (d instanceof Dimension.IntRange r)
            return r.low() == r.high() ? 0.5 : (v - r.low()) / ((double) r.high() - r.low());
        if (d instanceof Dimension.FloatRange f)
            return f.low() == f.high() ? 0.5 : (v - f.low()) / (f.high() - f.low());
        if (d instanceof Dimension.LogFloatRange f)
            return f.low() == f.high() ? 0.5
                    : (StrictMath.log(v) - StrictMath.log(f.low())) / (StrictMath.log(f.high()) - StrictMath.log(f.low()));
        throw categorical(d);
    }

    /** The numeric value at position {@code u} (clamped to [0, 1]); integers are rounded. */
    public static Object fromUnit(Dimension d, double u) {
        double x = Math.max(0, Math.min(1, u));
        if (d instanceof Dimension.IntRange r)
            return Math.max(r.low(), Math.min(r.high(), r.low() + Math.round(x * ((double) r.high() - r.low()))));
        if (d instanceof Dimension.FloatRange f)
            return Math.max(f.low(), Math.min(f.high(), f.low() + x * (f.high() - f.low())));
        if (d instanceof Dimension.LogFloatRange f)
            return Math.max(f.low(), Math.min(f.high(),
                    StrictMath.exp(StrictMath.log(f.low()) + x * (StrictMath.log(f.high()) - StrictMath.log(f.low())))));
        throw categorical(d);
    }

    /**
     * The grid values of a dimension, in a stable order: every choice of a categorical; every integer of a range
     * with at most {@code pointsPerFloat} values, otherwise {@code pointsPerFloat} evenly spaced integers; for
     * float ranges {@code pointsPerFloat} evenly spaced points including both ends (log-spaced for log ranges; a
     * single point is the middle). Duplicates are dropped.
     */
    public static List<Object> grid(Dimension d, int pointsPerFloat) {
        if (pointsPerFloat < 1) throw new IllegalArgumentException("sampler.pointsPerFloat is " + pointsPerFloat + ", but must be >= 1");
        if (d instanceof Dimension.Categorical c) return c.choices();
        if (d instanceof Dimension.IntRange r && (double) r.high() - r.low() + 1 <= pointsPerFloat) {
            List<Object> all = new ArrayList<>();
            for (long v = r.low(); v <= r.high(); v++) all.add(v);
            return List.copyOf(all);
        }
        List<Object> out = new ArrayList<>();
        for (int i = 0; i < pointsPerFloat; i++) {
            double u = pointsPerFloat == 1 ? 0.5 : (double) i / (pointsPerFloat - 1);
            Object v = fromUnit(d, u);
            if (!out.contains(v)) out.add(v);
        }
        return List.copyOf(out);
    }
}
