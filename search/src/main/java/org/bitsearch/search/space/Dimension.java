package org.bitsearch.search.space;

import java.util.List;

/**
 * A named hyperparameter dimension. Values are {@code String}, {@code Long}, {@code Double} or {@code Boolean},
 * as in {@link org.bitsearch.search.trial.Candidate}.
 */
public sealed interface Dimension {
    String name();

    /** True if {@code value} lies in this dimension. */
    boolean contains(Object value);

    private static String checkName(String name) {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("dimension name must not be blank");
        if (name.equals("bits")) throw new IllegalArgumentException("dimension name 'bits' is reserved for the bit allocation");
        return name;
    }

    /** One of a fixed list of values (strings, integers, numbers or booleans). */
    record Categorical(String name, List<Object> choices) implements Dimension {
        public Categorical {
            checkName(name);
            if (choices == null || choices.isEmpty())
                throw new IllegalArgumentException(name + ".choices is empty, but must list at least one value");
            choices = choices.stream().map(v -> v instanceof Integer i ? (Object) i.longValue() : v instanceof Float f ? (Object) f.doubleValue() : v).toList();
            if (choices.stream().distinct().count() != choices.size())
                throw new IllegalArgumentException(name + ".choices " + choices + " has duplicates, but values must be distinct");
        }
        @Override public boolean contains(Object value) {
            Object v = value instanceof Integer i ? (Object) i.longValue() : value;
            return choices.contains(v);
        }
    }

    /** An integer in [low, high], both inclusive. */
    record IntRange(String name, long low, long high) implements Dimension {
        public IntRange {
            checkName(name);
            if (low > high) throw new IllegalArgumentException(name + ": low is " + low + " and high is " + high + ", but low must be <= high");
        }
        @Override public boolean contains(Object value) {
            return (value instanceof Long || value instanceof Integer) && ((Number) value).longValue() >= low && ((Number) value).longValue() <= high;
        }
    }

    /** A real number in [low, high], sampled uniformly. */
    record FloatRange(String name, double low, double high) implements Dimension {
        public FloatRange {
            checkName(name);
            if (!Double.isFinite(low) || !Double.isFinite(high))
                throw new IllegalArgumentException(name + ": low and high must be finite, but are " + low + " and " + high);
            if (low > high) throw new IllegalArgumentException(name + ": low is " + low + " and high is " + high + ", but low must be <= high");
        }
        @Override public boolean contains(Object value) {
            return value instanceof Double d && d >= low && d <= high;
        }
    }

    /** A positive real number in [low, high], sampled uniformly in log space (learning rates, weight decay). */
    record LogFloatRange(String name, double low, double high) implements Dimension {
        public LogFloatRange {
            checkName(name);
            if (!(low > 0) || !Double.isFinite(high))
                throw new IllegalArgumentException(name + ": low is " + low + ", but a log range needs 0 < low and a finite high");
            if (low > high) throw new IllegalArgumentException(name + ": low is " + low + " and high is " + high + ", but low must be <= high");
        }
        @Override public boolean contains(Object value) {
            return value instanceof Double d && d >= low && d <= high;
        }
    }
}
