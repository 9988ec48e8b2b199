package org.bitsearch.actors.spec;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects every problem found in a spec, so that validation reports all of them at once. Each problem names
 * the field path, the value and the rule ("budget.maxTrials is 0, but must be >= 1"). Not thread-safe: one per
 * validation.
 */
final class Problems {
    private final List<String> problems = new ArrayList<>();

    /** Adds "{@code path} is {@code value}, but {@code rule}". */
    void add(String path, Object value, String rule) {
        problems.add(path + " is " + show(value) + ", but " + rule);
    }

    /** Adds a problem phrased by the caller; it must name the field path. */
    void addRaw(String message) { problems.add(message); }

    boolean isEmpty() { return problems.isEmpty(); }

    List<String> list() { return List.copyOf(problems); }

    /** Throws {@link SpecException} with every problem if any was found. */
    void throwIfAny() throws SpecException {
        if (!problems.isEmpty()) throw new SpecException(problems);
    }

    static String show(Object value) {
        if (value == null) return "missing";
        if (value instanceof String s) return "'" + s + "'";
        return String.valueOf(value);
    }
}
