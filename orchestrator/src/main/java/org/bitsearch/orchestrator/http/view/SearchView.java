package org.bitsearch.orchestrator.http.view;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One search as the API shows it.
 *
 * @param trials         trial counts by state (every state present, zeros included)
 * @param trialsTotal    trials proposed so far
 * @param maxTrials      the spec's {@code budget.maxTrials}, null if the spec has none
 * @param progress       finished trials / maxTrials in [0, 1], null without a trial budget
 * @param hypervolume    hypervolume of the current Pareto front, null before the first front
 * @param bestValAccuracy best validation accuracy of any trial so far, null if none reported yet
 * @param spec           the validated spec (only in the single-search view)
 * @param layers         the model's quantizable layers (only in the single-search view; empty if unknown)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SearchView(long id, String name, String state, String message, long seed, Instant created,
                         Instant updated, Map<String, Integer> trials, int trialsTotal, Integer maxTrials,
                         Double progress, Double hypervolume, Double bestValAccuracy, JsonNode spec,
                         List<LayerView> layers) {
    public SearchView {
        trials = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(trials));
        if (layers != null) layers = List.copyOf(layers);
    }
}
