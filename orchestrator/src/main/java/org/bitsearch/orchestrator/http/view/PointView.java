package org.bitsearch.orchestrator.http.view;

import java.util.List;
import java.util.Map;

/**
 * One point of the Pareto front.
 *
 * @param testAccuracy null until measured
 * @param compression  all-32-bit size / this size, null if the model's layers are unknown
 */
public record PointView(int number, double valAccuracy, Double testAccuracy, long sizeBits, double sizeKiB,
                        Double compression, List<Integer> bits, Map<String, Object> params) {
    public PointView {
        bits = List.copyOf(bits);
        params = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(params));
    }
}
