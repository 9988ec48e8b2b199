package org.bitsearch.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Minimum, median and maximum of repeated measurements of one figure. The median of an even count is the mean
 * of the two middle values.
 *
 * @param min    the smallest value
 * @param median the median
 * @param max    the largest value
 * @param count  how many values (>= 1)
 */
public record Summary(double min, double median, double max, int count) {
    public Summary {
        if (count < 1) throw new IllegalArgumentException("count is " + count + ", but must be >= 1");
        if (!(min <= median && median <= max))
            throw new IllegalArgumentException("min " + min + ", median " + median + ", max " + max + " must be ordered min <= median <= max");
    }

    /**
     * Summarises {@code values}.
     *
     * @throws IllegalArgumentException if there are none or one is NaN
     */
    public static Summary of(double... values) {
        if (values == null || values.length == 0) throw new IllegalArgumentException("values is empty, but a summary needs at least one");
        double[] v = values.clone();
        for (double x : v) if (Double.isNaN(x)) throw new IllegalArgumentException("values contains NaN, but every value must be a number");
        Arrays.sort(v);
        int n = v.length;
        double median = n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
        return new Summary(v[0], median, v[n - 1], n);
    }

    public static Summary of(List<Double> values) {
        return of(values.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** "median (min–max)" with {@code decimals} decimals and thousands separators; one value alone if count is 1. */
    public String format(int decimals) {
        if (count == 1) return number(median, decimals);
        return number(median, decimals) + " (" + number(min, decimals) + "–" + number(max, decimals) + ")";
    }

    /** {@code x} with {@code decimals} decimals and comma thousands separators, Locale.ROOT. */
    public static String number(double x, int decimals) {
        return String.format(Locale.ROOT, "%,." + decimals + "f", x);
    }
}
