package org.bitsearch.orchestrator.http.view;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One trial as the API shows it (the trial table's row).
 *
 * @param reason          why it ended (pruner verdict, error), or the last retried error; empty if none
 * @param params          hyperparameter values by name
 * @param bits            bit-width per quantizable layer, in layer order
 * @param compression     all-32-bit size / this size, null if the model's layers are unknown
 * @param epochs          epochs reported so far
 * @param valAccuracy     validation accuracy at the last reported epoch, null if none
 * @param bestValAccuracy best validation accuracy over the reported epochs, null if none
 * @param testAccuracy    test accuracy of the quantized model (measured for front points), null if not measured
 * @param onFront         whether the trial is on the current Pareto front
 */
public record TrialView(int number, String state, String reason, Map<String, Object> params, List<Integer> bits,
                        long sizeBits, double sizeKiB, Double compression, long seed, int attempts, String device,
                        int epochs, Double valAccuracy, Double bestValAccuracy, Double testAccuracy, boolean onFront,
                        Instant created, Instant updated) {
    public TrialView {
        params = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(params));
        bits = List.copyOf(bits);
    }
}
