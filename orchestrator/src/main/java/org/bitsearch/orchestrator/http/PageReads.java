package org.bitsearch.orchestrator.http;

import org.bitsearch.orchestrator.insight.ParamImportance;
import org.bitsearch.search.space.QuantLayer;
import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.search.trial.TrialState;
import org.bitsearch.storage.HypervolumeRow;
import org.bitsearch.storage.ReportRow;
import org.bitsearch.storage.SearchRow;
import org.bitsearch.storage.SearchStore;
import org.bitsearch.storage.TrialRow;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The page's extra reads: the hypervolume history with a time axis ({@code GET /api/searches/{id}/hypervolume})
 * and per-parameter importance ({@code GET /api/searches/{id}/importance}). Blocking (JDBC): call on the
 * blocking executor. Thread-safe.
 */
final class PageReads {
    /** One step of the hypervolume history; {@code seconds} since the search was created (wall clock). */
    record HypervolumeStep(int step, double hypervolume, int frontSize, java.time.Instant at, double seconds,
                           int trialsFinished) {}

    /** One parameter's importance (see {@link ParamImportance}). */
    record ParamView(String name, double importance, double share, int groups) {}

    /**
     * @param method    how importance is computed, in words
     * @param objective what it explains
     * @param trials    how many trials it used
     * @param params    most important first; empty until {@link ParamImportance#MIN_OBSERVATIONS} trials completed
     */
    record ImportanceView(String method, String objective, int trials, List<ParamView> params) {}

    static final String METHOD = "epsilon-squared main effect: one-way ANOVA of the objective over each parameter's "
            + "values (numbers in up to " + ParamImportance.MAX_GROUPS + " rank bins), bias-corrected, fANOVA first order";
    static final String OBJECTIVE = "validation accuracy at the final epoch of COMPLETED trials";

    private final SearchStore store;
    private final SearchReader reader;

    PageReads(SearchStore store, SearchReader reader) {
        this.store = store;
        this.reader = reader;
    }

    Optional<List<HypervolumeStep>> hypervolume(long id) {
        return store.search(id).map(s -> store.hypervolumeTimeline(id).stream()
                .map(h -> step(s, h)).toList());
    }

    private static HypervolumeStep step(SearchRow s, HypervolumeRow h) {
        double seconds = Math.max(0, Duration.between(s.created(), h.recorded()).toMillis() / 1000.0);
        return new HypervolumeStep(h.step(), h.hypervolume(), h.frontSize(), h.recorded(), seconds, h.trialsFinished());
    }

    /**
     * Importance of every hyperparameter and of each layer's bit-width ({@code "bits: <layer>"}) for the final
     * validation accuracy of the COMPLETED trials (pruned trials stopped early, their accuracy is not comparable).
     */
    Optional<ImportanceView> importance(long id) {
        return store.search(id).map(s -> {
            List<QuantLayer> layers = reader.layers(s);
            Map<Integer, EpochMetrics> last = new HashMap<>();
            for (ReportRow r : store.reports(id))
                last.merge(r.number(), r.metrics(), (a, b) -> b.epoch() >= a.epoch() ? b : a);
            List<ParamImportance.Observation> observations = new ArrayList<>();
            for (TrialRow t : store.trials(id)) {
                EpochMetrics m = last.get(t.number());
                if (t.state() != TrialState.COMPLETED || m == null || !Double.isFinite(m.valAccuracy())) continue;
                Map<String, Object> values = new LinkedHashMap<>(t.candidate().params());
                List<Integer> bits = t.candidate().bits().bits();
                for (int i = 0; i < bits.size(); i++)
                    values.put("bits: " + (layers.size() == bits.size() ? layers.get(i).name() : "layer " + i), bits.get(i));
                observations.add(new ParamImportance.Observation(values, m.valAccuracy()));
            }
            List<ParamView> params = ParamImportance.of(observations).stream()
                    .map(r -> new ParamView(r.name(), r.importance(), r.share(), r.groups()))
                    .sorted(Comparator.comparingDouble(ParamView::importance).reversed().thenComparing(ParamView::name))
                    .toList();
            return new ImportanceView(METHOD, OBJECTIVE, observations.size(), params);
        });
    }
}
