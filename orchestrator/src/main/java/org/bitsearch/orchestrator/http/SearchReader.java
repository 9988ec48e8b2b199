package org.bitsearch.orchestrator.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.bitsearch.orchestrator.http.view.DecisionView;
import org.bitsearch.orchestrator.http.view.LayerView;
import org.bitsearch.orchestrator.http.view.ParetoView;
import org.bitsearch.orchestrator.http.view.PointView;
import org.bitsearch.orchestrator.http.view.ReportView;
import org.bitsearch.orchestrator.http.view.SearchView;
import org.bitsearch.orchestrator.http.view.TrialDetailView;
import org.bitsearch.orchestrator.http.view.TrialView;
import org.bitsearch.search.space.BitAllocation;
import org.bitsearch.search.space.ModelSize;
import org.bitsearch.search.space.QuantLayer;
import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.search.trial.TrialState;
import org.bitsearch.search.trial.Verdict;
import org.bitsearch.storage.ParetoRow;
import org.bitsearch.storage.ReportRow;
import org.bitsearch.storage.RungDecisionRow;
import org.bitsearch.storage.SearchRow;
import org.bitsearch.storage.SearchStore;
import org.bitsearch.storage.TrialRow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Builds the API's read views straight from the {@link SearchStore}. Blocking (JDBC): call it on the blocking
 * executor, never on a route thread. Thread-safe; the model's layers are looked up once per search and cached.
 */
public final class SearchReader {
    private static final Logger log = LoggerFactory.getLogger(SearchReader.class);

    private final SearchStore store;
    private final TrainerLookup trainers;
    private final Map<Long, List<QuantLayer>> layersBySearch = new ConcurrentHashMap<>();
    private final Set<Long> warned = ConcurrentHashMap.newKeySet();

    public SearchReader(SearchStore store, TrainerLookup trainers) {
        this.store = store;
        this.trainers = trainers;
    }

    public List<SearchView> searches() {
        return store.searches().stream().map(s -> searchView(s, false)).toList();
    }

    public Optional<SearchView> search(long id) {
        return store.search(id).map(s -> searchView(s, true));
    }

    public Optional<List<TrialView>> trials(long id) {
        return store.search(id).map(s -> {
            List<QuantLayer> layers = layers(s);
            Set<Integer> front = frontNumbers(id);
            Map<Integer, List<EpochMetrics>> reports = reportsByTrial(store.reports(id));
            return store.trials(id).stream()
                    .map(t -> trialView(t, reports.getOrDefault(t.number(), List.of()), layers, front,
                            t.statusReason())).toList();
        });
    }

    public Optional<TrialDetailView> trial(long id, int number) {
        Optional<SearchRow> search = store.search(id);
        if (search.isEmpty()) return Optional.empty();
        return store.trial(id, number).map(t -> {
            List<ReportRow> rows = store.reports(id, number);
            List<RungDecisionRow> decisionRows = store.decisions(id, number);
            TrialView view = trialView(t, rows.stream().map(ReportRow::metrics).toList(), layers(search.get()),
                    frontNumbers(id), t.statusReason());
            List<DecisionView> decisions = decisionRows.stream()
                    .map(d -> new DecisionView(d.epoch(), d.verdict().decision().name(), d.verdict().rung(),
                            d.verdict().reason())).toList();
            Integer checkpoint = store.latestCheckpoint(id, number).map(c -> c.epoch()).orElse(null);
            Map<Integer, Verdict> verdicts = new HashMap<>();
            for (RungDecisionRow d : decisionRows) verdicts.put(d.epoch(), d.verdict());
            return new TrialDetailView(view, rows.stream().map(r -> reportView(r, verdicts.get(r.metrics().epoch()))).toList(),
                    decisions, checkpoint);
        });
    }

    /** Every report of a search in recorded order, with its verdict (the learning curves and rungs of all trials). */
    public Optional<List<ReportView>> reports(long id) {
        return store.search(id).map(s -> {
            Map<Long, Verdict> verdicts = new HashMap<>();
            for (TrialRow t : store.trials(id))
                for (RungDecisionRow d : store.decisions(id, t.number())) verdicts.put(key(d.number(), d.epoch()), d.verdict());
            return store.reports(id).stream()
                    .map(r -> reportView(r, verdicts.get(key(r.number(), r.metrics().epoch())))).toList();
        });
    }

    private static long key(int number, int epoch) { return ((long) number << 32) | epoch; }

    public Optional<ParetoView> pareto(long id) {
        return store.search(id).map(s -> {
            List<QuantLayer> layers = layers(s);
            Map<Integer, TrialRow> trials = new HashMap<>();
            for (TrialRow t : store.trials(id)) trials.put(t.number(), t);
            List<PointView> points = new ArrayList<>();
            for (ParetoRow p : store.front(id)) {
                TrialRow t = trials.get(p.number());
                if (t == null) continue;
                List<Integer> bits = t.candidate().bits().bits();
                points.add(new PointView(p.number(), p.valAccuracy(),
                        p.testAccuracy().or(t::testAccuracy).orElse(null), p.sizeBits(), p.sizeBits() / 8192.0,
                        compression(layers, t), bits, t.candidate().params()));
            }
            points.sort(Comparator.comparingLong(PointView::sizeBits).thenComparingInt(PointView::number));
            List<ParetoView.HypervolumePoint> history = store.hypervolumeHistory(id).stream()
                    .map(h -> new ParetoView.HypervolumePoint(h[0], h[1])).toList();
            Double hv = history.isEmpty() ? null : history.get(history.size() - 1).hypervolume();
            return new ParetoView(points, hv, history, layerViews(layers));
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

    private SearchView searchView(SearchRow s, boolean detail) {
        List<TrialRow> trials = store.trials(s.id());
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (TrialState state : TrialState.values()) counts.put(state.name(), 0);
        int finished = 0;
        for (TrialRow t : trials) {
            counts.merge(t.state().name(), 1, Integer::sum);
            if (t.state().isFinished()) finished++;
        }
        JsonNode spec = parseSpec(s);
        Integer maxTrials = spec.path("budget").path("maxTrials").canConvertToInt()
                ? spec.path("budget").path("maxTrials").intValue() : null;
        Double progress = maxTrials == null || maxTrials <= 0 ? null : Math.min(1.0, finished / (double) maxTrials);
        List<double[]> hv = store.hypervolumeHistory(s.id());
        Double hypervolume = hv.isEmpty() ? null : JsonSupport.finite(hv.get(hv.size() - 1)[1]);
        Double best = store.reports(s.id()).stream().mapToDouble(r -> r.metrics().valAccuracy())
                .filter(Double::isFinite).boxed().max(Double::compare).orElse(null);
        return new SearchView(s.id(), s.name(), s.state().name(), s.message(), s.seed(), s.created(), s.updated(),
                counts, trials.size(), maxTrials, progress, hypervolume, best, detail ? spec : null,
                detail ? layerViews(layers(s)) : null);
    }

    private static JsonNode parseSpec(SearchRow s) {
        try {
            return JsonSupport.mapper().readTree(s.specJson());
        } catch (Exception e) {
            return JsonSupport.mapper().createObjectNode();
        }
    }



    private static TrialView trialView(TrialRow t, List<EpochMetrics> reports, List<QuantLayer> layers, Set<Integer> front,
                                       String reason) {
        Double last = reports.isEmpty() ? null : JsonSupport.finite(reports.get(reports.size() - 1).valAccuracy());
        Double best = reports.stream().mapToDouble(EpochMetrics::valAccuracy).filter(Double::isFinite).boxed()
                .max(Double::compare).orElse(null);
        return new TrialView(t.number(), t.state().name(), reason, t.candidate().params(),
                t.candidate().bits().bits(), t.sizeBits(), t.sizeBits() / 8192.0, compression(layers, t), t.seed(),
                t.attempts(), t.device(), reports.size(), last, best, t.testAccuracy().orElse(null),
                front.contains(t.number()), t.created(), t.updated());
    }

    private static ReportView reportView(ReportRow r, Verdict verdict) {
        EpochMetrics m = r.metrics();
        return new ReportView(r.number(), m.epoch(), r.seq(), JsonSupport.finite(m.valAccuracy()),
                JsonSupport.finite(m.valLoss()), JsonSupport.finite(m.trainLoss()), m.seconds(), m.samplesPerSecond(),
                verdict == null ? null : verdict.decision().name(), verdict == null ? null : verdict.rung());
    }

    private static Double compression(List<QuantLayer> layers, TrialRow t) {
        BitAllocation bits = t.candidate().bits();
        if (layers.isEmpty() || layers.size() != bits.layers()) return null;
        return ModelSize.of(layers, bits).compressionRatio();
    }

    private static List<LayerView> layerViews(List<QuantLayer> layers) {
        return layers.stream().map(l -> new LayerView(l.index(), l.name(), l.weights(), l.biases())).toList();
    }

    private Set<Integer> frontNumbers(long id) {
        Set<Integer> numbers = new HashSet<>();
        for (ParetoRow p : store.front(id)) numbers.add(p.number());
        return numbers;
    }

    private static Map<Integer, List<EpochMetrics>> reportsByTrial(List<ReportRow> rows) {
        Map<Integer, List<EpochMetrics>> byTrial = new HashMap<>();
        for (ReportRow r : rows) byTrial.computeIfAbsent(r.number(), n -> new ArrayList<>()).add(r.metrics());
        for (List<EpochMetrics> l : byTrial.values()) l.sort(Comparator.comparingInt(EpochMetrics::epoch));
        return byTrial;
    }
}
