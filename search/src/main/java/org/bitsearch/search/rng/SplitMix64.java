package org.bitsearch.search.rng;

/**
 * A small, fully specified pseudo-random generator (Steele, Lea and Flood, "Fast splittable pseudorandom number
 * generators", OOPSLA 2014): the same seed gives the same sequence on every JVM, unlike generators whose
 * algorithm a JDK may change. Not thread-safe; make one per use from a derived seed (see
 * {@link org.bitsearch.search.engine.Seeds}).
 */
public final class SplitMix64 {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private long state;

    public SplitMix64(long seed) { this.state = seed; }

    /** The SplitMix64 finaliser: a bijective 64-bit mix with good avalanche. */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    public long nextLong() {
        state += GOLDEN;
        return mix(state);
    }

    /** Uniform in [0, 1). */
    public double nextDouble() { return (nextLong() >>> 11) * 0x1.0p-53; }

    /** Uniform in [0, bound), unbiased (rejection). */
    public int nextInt(int bound) {
        if (bound <= 0) throw new IllegalArgumentException("bound is " + bound + ", but must be > 0");
        int bits, val;
        do {
            bits = (int) (nextLong() >>> 33);
            val = bits % bound;
        } while (bits - val + (bound - 1) < 0);
        return val;
    }

    /** Uniform in [low, high], both inclusive, unbiased, for any long range. */
    public long nextLong(long low, long high) {
        if (low > high) throw new IllegalArgumentException("low is " + low + " and high is " + high + ", but low must be <= high");
        long span = high - low + 1;
        if (span <= 0) { // the range covers more than half of all longs (or all of them)
            long x;
            do { x = nextLong(); } while (x < low || x > high);
            return x;
        }
        long bits, val;
        do {
            bits = nextLong() >>> 1;
            val = bits % span;
        } while (bits - val + (span - 1) < 0);
        return low + val;
    }

    /** True with probability {@code p}. */
    public boolean nextBoolean(double p) { return nextDouble() < p; }

    /** Standard normal (Box-Muller with {@link StrictMath}, so that every platform gives the same bits). */
    public double nextGaussian() {
        double u1 = 1.0 - nextDouble(); // (0, 1]
        double u2 = nextDouble();
        return StrictMath.sqrt(-2.0 * StrictMath.log(u1)) * StrictMath.cos(2.0 * StrictMath.PI * u2);
    }
}
