package org.bitsearch.orchestrator.view;

import com.fasterxml.jackson.annotation.JsonView;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One point of the Pareto front, as the API and the command line ({@code run/resume/show --json}, without
 * {@code params}) show it. Built by {@link Views#point}.
 *
 * @param testAccuracy null until measured
 * @param compression  all-32-bit size / this size, null if the model's layers are unknown
 * @param activationBits per layer the bits of its output activations; null (left out of the JSON) when FP32
 */
public record PointView(int number, double valAccuracy, Double testAccuracy, long sizeBits, double sizeKiB,
                        Double compression, List<Integer> bits,
                        @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL) List<Integer> activationBits,
                        @JsonView(ViewJson.ApiOnly.class) Map<String, Object> params) {
    public PointView {
        bits = List.copyOf(bits);
        activationBits = activationBits == null ? null : List.copyOf(activationBits);
        params = Collections.unmodifiableMap(new TreeMap<>(params));
    }
}
