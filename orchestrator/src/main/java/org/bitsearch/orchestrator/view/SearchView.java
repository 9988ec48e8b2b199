package org.bitsearch.orchestrator.view;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonView;
import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One search as the API shows it; the command line's {@code list --json} prints the fields not marked
 * {@link ViewJson.ApiOnly}. Null fields are left out, except {@code bestValAccuracy} (null before any report).
 *
 * @param counts         trial counts: total proposed so far and per state (lowercase names)
 * @param maxTrials      the spec's {@code budget.maxTrials}, null if the spec has none
 * @param progress       finished trials / maxTrials in [0, 1], null without a trial budget
 * @param hypervolume    hypervolume of the current Pareto front, null before the first front
 * @param bestValAccuracy best validation accuracy of any trial so far, null if none reported yet
 * @param spec           the validated spec (only in the single-search view)
 * @param layers         the model's quantizable layers (only in the single-search view; empty if unknown)
 * @param resumable      whether {@code POST /api/searches/{id}/resume} may accept it (today: it is STOPPED; an
 *                       interrupted RUNNING search is resumed by the server at start-up)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SearchView(long id, String name, String state, String message, @JsonView(ViewJson.ApiOnly.class) long seed, Instant created,
                         Instant updated, CountsView counts, @JsonView(ViewJson.ApiOnly.class) Integer maxTrials,
                         @JsonView(ViewJson.ApiOnly.class) Double progress, @JsonView(ViewJson.ApiOnly.class) Double hypervolume,
                         @JsonInclude(JsonInclude.Include.ALWAYS) Double bestValAccuracy, @JsonView(ViewJson.ApiOnly.class) JsonNode spec,
                         @JsonView(ViewJson.ApiOnly.class) List<LayerView> layers, @JsonView(ViewJson.ApiOnly.class) boolean resumable) {
    public SearchView {
        if (layers != null) layers = List.copyOf(layers);
    }
}
