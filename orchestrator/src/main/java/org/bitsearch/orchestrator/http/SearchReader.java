package org.bitsearch.orchestrator.http;

import org.bitsearch.orchestrator.view.CountsView;
import org.bitsearch.orchestrator.view.ViewJson;
import org.bitsearch.orchestrator.view.Views;
import org.bitsearch.storage.SearchState;
import org.bitsearch.storage.TrialCounts;

import com.fasterxml.jackson.databind.JsonNode;
import org.bitsearch.orchestrator.view.DecisionView;
import org.bitsearch.orchestrator.view.ParetoView;
import org.bitsearch.orchestrator.view.PointView;
import org.bitsearch.orchestrator.view.ReportView;
import org.bitsearch.orchestrator.view.SearchView;
import org.bitsearch.orchestrator.view.TrialDetailView;
import org.bitsearch.orchestrator.view.TrialView;
import org.bitsearch.search.space.QuantLayer;
import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.search.trial.Verdict;
import org.bitsearch.storage.ParetoRow;
import org.bitsearch.storage.ReportRow;
import org.bitsearch.storage.RungDecisionRow;
import org.bitsearch.storage.SearchRow;
import org.bitsearch.storage.SearchStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongFunction;

/**
 * Reads the API's views from the {@link SearchStore}; the records and their numbers come from {@link Views}, as
 * the command line's do. Blocking (JDBC): call it on the blocking
 * executor, never on a route thread. Thread-safe; the model's layers are looked up once per search and cached.
 */
public final class SearchReader {
    private static final Logger log = LoggerFactory.getLogger(SearchReader.class);

    private final SearchStore store;
    private final TrainerLookup trainers;
    private final LongFunction<Optional<String>> failures;
    private final Map<Long, List<QuantLayer>> layersBySearch = new ConcurrentHashMap<>();
    private final Set<Long> warned = ConcurrentHashMap.newKeySet();

    public SearchReader(SearchStore store, TrainerLookup trainers) {
        this(store, trainers, id -> Optional.empty());
    }

    /**
     * @param failures why a search of the process that serves this store could not go on (its supervisor was given
     *                 up after a storage failure: a full disk, a read-only file), if it could not. The row of such a
     *                 search still says RUNNING, since the store could not be written; it reads as {@code FAILED} with
     *                 that cause and what to do, not as a search that is still running.
     */
    public SearchReader(SearchStore store, TrainerLookup trainers, LongFunction<Optional<String>> failures) {
        this.store = store;
        this.trainers = trainers;
        this.failures = failures;
    }

    /** Every search, newest first: two queries in all (the searches, and their counts by GROUP BY). */
    public List<SearchView> searches() {
        Map<Long, TrialCounts> counts = store.trialCounts();
        return store.searches().stream()
                .map(s -> searchView(s, counts.getOrDefault(s.id(), TrialCounts.none(s.id())), false)).toList();
    }

    public Optional<SearchView> search(long id) {
        return store.search(id).map(s -> searchView(s, store.trialCounts(id), true));
    }

    public Optional<List<TrialView>> trials(long id) {
        return store.search(id).map(s -> {
            List<QuantLayer> layers = layers(s);
            Set<Integer> front = frontNumbers(id);
            Map<Integer, List<EpochMetrics>> reports = Views.reportsByTrial(store.reports(id));
            return store.trials(id).stream()
                    .map(t -> Views.trial(t, reports.getOrDefault(t.number(), List.of()), layers, front.contains(t.number())))
                    .toList();
        });
    }

    public Optional<TrialDetailView> trial(long id, int number) {
        Optional<SearchRow> search = store.search(id);
        if (search.isEmpty()) return Optional.empty();
        return store.trial(id, number).map(t -> {
            List<ReportRow> rows = store.reports(id, number);
            List<RungDecisionRow> decisionRows = store.decisions(id, number);
            TrialView view = Views.trial(t, rows.stream().map(ReportRow::metrics).toList(), layers(search.get()),
                    frontNumbers(id).contains(number));
            List<DecisionView> decisions = decisionRows.stream().map(Views::decision).toList();
            Integer checkpoint = store.latestCheckpoint(id, number).map(c -> c.epoch()).orElse(null);
            Map<Integer, Verdict> verdicts = new HashMap<>();
            for (RungDecisionRow d : decisionRows) verdicts.put(d.epoch(), d.verdict());
            return new TrialDetailView(view, rows.stream().map(r -> Views.report(r, verdicts.get(r.metrics().epoch()))).toList(),
                    decisions, checkpoint);
        });
    }

    /** Every report of a search in recorded order, with its verdict (the learning curves and rungs of all trials). */
    public Optional<List<ReportView>> reports(long id) {
        return store.search(id).map(s -> store.reportsWithDecisions(id).stream()
                .map(r -> Views.report(r.report(), r.verdict().orElse(null))).toList());
    }

    public Optional<ParetoView> pareto(long id) {
        return store.search(id).map(s -> {
            List<QuantLayer> layers = layers(s);
            List<PointView> points = Views.front(store.front(id), Views.byNumber(store.trials(id)), layers);
            List<ParetoView.HypervolumePoint> history = store.hypervolumeHistory(id).stream()
                    .map(h -> new ParetoView.HypervolumePoint(h[0], h[1])).toList();
            Double hv = history.isEmpty() ? null : history.get(history.size() - 1).hypervolume();
            return new ParetoView(points, hv, history, Views.layers(layers));
        });
    }

    /**
     * The model's layers for a search; empty (and logged) if its trainer cannot be built right now. Only a
     * success is cached, so that a trainer that works later (its data directory appeared) is found then.
     */
    public List<QuantLayer> layers(SearchRow search) {
        List<QuantLayer> known = layersBySearch.get(search.id());
        if (known != null) return known;
        try {
            List<QuantLayer> layers = List.copyOf(trainers.trainerFor(search).layers());
            layersBySearch.put(search.id(), layers);
            return layers;
        } catch (Exception | LinkageError e) {
            if (warned.add(search.id())) log.warn("search {}: cannot find its model's layers: {}", search.id(), e.toString());
            return List.of();
        }
    }

    // ---- views ----------------------------------------------------------------------------------------------

    private SearchView searchView(SearchRow s, TrialCounts c, boolean detail) {
        int finished = c.finished();
        JsonNode spec = parseSpec(s);
        Integer maxTrials = spec.path("budget").path("maxTrials").canConvertToInt()
                ? spec.path("budget").path("maxTrials").intValue() : null;
        Double progress = maxTrials == null || maxTrials <= 0 ? null : Math.min(1.0, finished / (double) maxTrials);
        List<double[]> hv = store.hypervolumeHistory(s.id());
        Double hypervolume = hv.isEmpty() ? null : ViewJson.finite(hv.get(hv.size() - 1)[1]);
        Double best = c.bestValAccuracy().orElse(null);
        String state = s.state().name();
        String message = s.message();
        Optional<String> failure = s.state() == SearchState.RUNNING ? failures.apply(s.id()) : Optional.empty();
        if (failure.isPresent()) {
            state = SearchState.FAILED.name();
            message = "could not go on: " + failure.get() + " (the database still records it as running: fix the cause, "
                    + "then restart and resume search " + s.id() + ")";
        }
        return new SearchView(s.id(), s.name(), state, message, s.seed(), s.created(), s.updated(),
                CountsView.of(c), maxTrials, progress, hypervolume, best, detail ? spec : null,
                detail ? Views.layers(layers(s)) : null, s.state() == SearchState.STOPPED);
    }

    private static JsonNode parseSpec(SearchRow s) {
        try {
            return JsonSupport.mapper().readTree(s.specJson());
        } catch (Exception e) {
            return JsonSupport.mapper().createObjectNode();
        }
    }

    private Set<Integer> frontNumbers(long id) {
        Set<Integer> numbers = new HashSet<>();
        for (ParetoRow p : store.front(id)) numbers.add(p.number());
        return numbers;
    }
}
