package org.bitsearch.search.trial;

import org.bitsearch.search.space.BitAllocation;

import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One configuration to train: hyperparameter values by dimension name, the per-layer weight bit allocation and,
 * when the space searches activations ({@code space.activationBits}), the per-layer activation bit allocation
 * (entry l: the bits of layer l's output activations; 32 = FP32). Parameter values are {@code String}, {@code Long}
 * (integers), {@code Double} or {@code Boolean}; the map is kept sorted by name so that equal candidates print,
 * hash and serialise the same.
 *
 * @param activationBits empty: activations stay FP32 (every space without {@code activationBits}); else one entry
 *                       per quantizable layer, as many as {@code bits}
 */
public record Candidate(Map<String, Object> params, BitAllocation bits, Optional<BitAllocation> activationBits) {
    public Candidate {
        if (params == null) throw new IllegalArgumentException("params must not be null");
        if (bits == null) throw new IllegalArgumentException("bits must not be null");
        if (activationBits == null) activationBits = Optional.empty();
        if (activationBits.isPresent() && activationBits.get().layers() != bits.layers())
            throw new IllegalArgumentException("activationBits has " + activationBits.get().layers() + " entries, but bits has "
                    + bits.layers() + ": both need one entry per quantizable layer");
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

    /** A candidate with FP32 activations (no activation allocation). */
    public Candidate(Map<String, Object> params, BitAllocation bits) { this(params, bits, Optional.empty()); }

    /** A candidate with activation bits {@code activationBits} (null: FP32 activations). */
    public Candidate(Map<String, Object> params, BitAllocation bits, BitAllocation activationBits) {
        this(params, bits, Optional.ofNullable(activationBits));
    }

    /** This candidate with other hyperparameter values, the same bit allocations. */
    public Candidate withParams(Map<String, Object> newParams) { return new Candidate(newParams, bits, activationBits); }

    /** The activation bits of {@code layer}: 32 (FP32) when the candidate has no activation allocation. */
    public int activationBitsAt(int layer) { return activationBits.map(a -> a.get(layer)).orElse(32); }

    /** "W/A" per layer, e.g. {@code [4/8, 2/8, 8/32]}; just the weight bits when activations are FP32. */
    public String bitsLabel() {
        if (activationBits.isEmpty()) return bits.toString();
        StringBuilder b = new StringBuilder("[");
        for (int l = 0; l < bits.layers(); l++) b.append(l == 0 ? "" : ", ").append(bits.get(l)).append('/').append(activationBits.get().get(l));
        return b.append(']').toString();
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
