package org.bitsearch.orchestrator.view;

import com.fasterxml.jackson.annotation.JsonView;

import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One trial as the API shows it (the trial table's row); the command line's {@code show --json} prints the fields
 * not marked {@link ViewJson.ApiOnly}. Built by {@link Views#trial}.
 *
 * @param reason          why it ended (pruner verdict, error), or the last retried error; empty if none
 * @param params          hyperparameter values by name
 * @param bits            bit-width per quantizable layer, in layer order
 * @param activationBits  bit-width of each quantizable layer's output activations (32 = FP32), in layer order; null
 *                        (left out of the JSON) when the search does not quantize activations
 * @param compression     all-32-bit size / this size, null if the model's layers are unknown
 * @param epochs          epochs reported so far
 * @param valAccuracy     validation accuracy at the last reported epoch, null if none
 * @param bestValAccuracy best validation accuracy over the reported epochs, null if none
 * @param testAccuracy    test accuracy of the quantized model (measured for front points), null if not measured
 * @param onFront         whether the trial is on the current Pareto front
 */
public record TrialView(int number, String state, String reason, Map<String, Object> params, List<Integer> bits,
                        @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL) List<Integer> activationBits,
                        long sizeBits, @JsonView(ViewJson.ApiOnly.class) double sizeKiB, @JsonView(ViewJson.ApiOnly.class) Double compression, @JsonView(ViewJson.ApiOnly.class) long seed, int attempts,
                        String device, int epochs, Double valAccuracy, Double bestValAccuracy, Double testAccuracy,
                        @JsonView(ViewJson.ApiOnly.class) boolean onFront, @JsonView(ViewJson.ApiOnly.class) Instant created, @JsonView(ViewJson.ApiOnly.class) Instant updated) {
    public TrialView {
        params = Collections.unmodifiableMap(new TreeMap<>(params));
        bits = List.copyOf(bits);
        activationBits = activationBits == null ? null : List.copyOf(activationBits);
    }
}
