package org.bitsearch.search.trial;

import org.bitsearch.search.space.BitAllocation;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * One configuration to train: hyperparameter values by dimension name and the per-layer bit allocation.
 * Parameter values are {@code String}, {@code Long} (integers), {@code Double} or {@code Boolean}; the map is
 * kept sorted by name so that equal candidates print, hash and serialise the same.
 */
public record Candidate(Map<String, Object> params, BitAllocation bits) {
    public Candidate {
        if (params == null) throw new IllegalArgumentException("params must not be null");
        if (bits == null) throw new IllegalArgumentException("bits must not be null");
        TreeMap<String, Object> sorted = new TreeMap<>();
        for (Map.Entry<String, Object> e : params.entrySet()) {
            Object v = e.getValue();
            if (v instanceof Integer i) v = i.longValue();
            if (v instanceof Float f) v = f.doubleValue();
            if (!(v instanceof String || v instanceof Long || v instanceof Double || v instanceof Boolean))
                throw new IllegalArgumentException("param '" + e.getKey() + "' is " + v
                        + ", but must be a string, integer, number or boolean");
            sorted.put(e.getKey(), v);
        }
        params = Collections.unmodifiableMap(sorted);
    }

    /** The value of a numeric parameter, or {@code fallback} when the candidate does not set it. */
    public double number(String name, double fallback) {
        Object v = params.get(name);
        if (v == null) return fallback;
        if (v instanceof Number n) return n.doubleValue();
        throw new IllegalArgumentException("param '" + name + "' is '" + v + "', but must be a number");
    }

    /** The value of a string parameter, or {@code fallback} when the candidate does not set it. */
    public String string(String name, String fallback) {
        Object v = params.get(name);
        return v == null ? fallback : v.toString();
    }
}
