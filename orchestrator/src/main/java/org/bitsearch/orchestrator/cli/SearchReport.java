package org.bitsearch.orchestrator.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.bitsearch.actors.spec.SpecCompiler;
import org.bitsearch.actors.spec.TrainerFactory;
import org.bitsearch.storage.ParetoRow;
import org.bitsearch.storage.ReportRow;
import org.bitsearch.storage.TrialCounts;
import org.bitsearch.orchestrator.http.view.CountsView;
import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.storage.SearchRow;
import org.bitsearch.storage.SearchStore;
import org.bitsearch.storage.TrialRow;
import org.bitsearch.search.trial.TrialState;

import java.io.PrintStream;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * Reads one search from the store and prints it: the Pareto front as a table or as JSON, trial counts, and (for
 * {@code show}) every trial. The JSON field names are part of the command line's public interface (examples/README.md).
 */
final class SearchReport {
    static final ObjectMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    private final SearchStore store;
    private final SearchRow search;
    private final List<TrialRow> trials;
    private final List<ParetoRow> front;
    private final OptionalDouble fp32Bits;
    private Map<Integer, List<EpochMetrics>> reports;

    SearchReport(SearchStore store, SearchRow search, TrainerFactory trainers) {
        this.store = store;
        this.search = search;
        this.trials = store.trials(search.id());
        this.front = store.front(search.id());
        this.fp32Bits = fp32(search, trainers);
    }

    /** The all-32-bit size, from the stored spec (empty if the spec no longer compiles here). */
    private static OptionalDouble fp32(SearchRow search, TrainerFactory trainers) {
        try {
            return OptionalDouble.of(new SpecCompiler(trainers).compile(search.specJson()).settings().refSizeBits());
        } catch (Exception e) {
            return OptionalDouble.empty();
        }
    }

    /** The common {@code counts} object: {total, pending, running, completed, pruned, failed}. */
    static ObjectNode countsJson(TrialCounts c) {
        return JSON.valueToTree(CountsView.of(c));
    }

    ObjectNode countsJson() {
        return countsJson(store.trialCounts(search.id()));
    }

    /** Every trial's reports in epoch order, read once in one query (not one query per trial). */
    private Map<Integer, List<EpochMetrics>> reports() {
        if (reports == null) {
            reports = new HashMap<>();
            for (ReportRow r : store.reports(search.id()))
                reports.computeIfAbsent(r.number(), n -> new java.util.ArrayList<>()).add(r.metrics());
            reports.values().forEach(l -> l.sort(java.util.Comparator.comparingInt(EpochMetrics::epoch)));
        }
        return reports;
    }

    private List<EpochMetrics> reports(int number) {
        return reports().getOrDefault(number, List.of());
    }

    private static OptionalDouble best(List<EpochMetrics> reports) {
        return reports.stream().mapToDouble(EpochMetrics::valAccuracy).filter(Double::isFinite).max();
    }

    private static OptionalDouble last(List<EpochMetrics> reports) {
        return reports.isEmpty() || !Double.isFinite(reports.get(reports.size() - 1).valAccuracy()) ? OptionalDouble.empty()
                : OptionalDouble.of(reports.get(reports.size() - 1).valAccuracy());
    }

    private static void put(ObjectNode o, String field, OptionalDouble v) {
        if (v.isPresent()) o.put(field, v.getAsDouble()); else o.putNull(field);
    }

    ObjectNode summaryJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", search.id());
        o.put("name", search.name());
        o.put("state", search.state().name());
        o.put("message", search.message());
        o.set("counts", countsJson());
        o.set("front", frontJson());
        return o;
    }

    ArrayNode frontJson() {
        Map<Integer, TrialRow> byNumber = byNumber();
        ArrayNode a = JSON.createArrayNode();
        for (ParetoRow p : front) {
            ObjectNode f = a.addObject();
            f.put("number", p.number());
            f.put("valAccuracy", p.valAccuracy());
            if (p.testAccuracy().isPresent()) f.put("testAccuracy", p.testAccuracy().get()); else f.putNull("testAccuracy");
            f.put("sizeBits", p.sizeBits());
            f.put("sizeKiB", p.sizeBits() / 8192.0);
            if (fp32Bits.isPresent()) f.put("compression", fp32Bits.getAsDouble() / p.sizeBits()); else f.putNull("compression");
            ArrayNode bits = f.putArray("bits");
            TrialRow row = byNumber.get(p.number());
            if (row != null) row.candidate().bits().bits().forEach(bits::add);
        }
        return a;
    }

    ObjectNode showJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", search.id());
        o.put("name", search.name());
        o.put("state", search.state().name());
        o.put("message", search.message());
        o.put("seed", search.seed());
        o.put("created", search.created() == null ? null : search.created().toString());
        o.put("updated", search.updated() == null ? null : search.updated().toString());
        o.set("counts", countsJson());
        ArrayNode list = o.putArray("trials");
        for (TrialRow t : trials) {
            ObjectNode j = list.addObject();
            List<EpochMetrics> reports = reports(t.number());
            j.put("number", t.number());
            j.put("state", t.state().name());
            j.put("reason", t.statusReason());
            j.put("attempts", t.attempts());
            j.put("epochs", reports.size());
            put(j, "valAccuracy", last(reports));
            put(j, "bestValAccuracy", best(reports));
            if (t.testAccuracy().isPresent()) j.put("testAccuracy", t.testAccuracy().get()); else j.putNull("testAccuracy");
            j.put("sizeBits", t.sizeBits());
            j.put("device", t.device());
            ArrayNode bits = j.putArray("bits");
            t.candidate().bits().bits().forEach(bits::add);
            j.set("params", JSON.valueToTree(t.candidate().params()));
        }
        o.set("front", frontJson());
        return o;
    }

    void printFrontTable(PrintStream out) {
        Map<Integer, TrialRow> byNumber = byNumber();
        out.printf(Locale.ROOT, "Pareto front of search %d '%s' (%s): %d point(s)%n", search.id(), search.name(), search.state(), front.size());
        if (front.isEmpty()) return;
        out.printf(Locale.ROOT, "%6s  %11s  %12s  %12s  %9s  %11s  %s%n", "trial", "valAccuracy", "testAccuracy", "sizeBits", "KiB", "compression", "bits per layer");
        for (ParetoRow p : front) {
            TrialRow row = byNumber.get(p.number());
            out.printf(Locale.ROOT, "%6d  %11.4f  %12s  %12d  %9.2f  %11s  %s%n", p.number(), p.valAccuracy(),
                    p.testAccuracy().map(a -> String.format(Locale.ROOT, "%.4f", a)).orElse("-"), p.sizeBits(), p.sizeBits() / 8192.0,
                    fp32Bits.isPresent() ? String.format(Locale.ROOT, "%.2fx", fp32Bits.getAsDouble() / p.sizeBits()) : "-",
                    row == null ? "?" : row.candidate().bits().toString());
        }
    }

    void printTrialTable(PrintStream out) {
        out.printf(Locale.ROOT, "%6s  %-9s  %8s  %6s  %11s  %12s  %-18s  %s%n", "trial", "state", "attempts", "epochs", "bestValAcc", "sizeBits", "bits", "params | reason");
        for (TrialRow t : trials) {
            List<EpochMetrics> reports = reports(t.number());
            OptionalDouble best = best(reports);
            out.printf(Locale.ROOT, "%6d  %-9s  %8d  %6d  %11s  %12d  %-18s  %s%n", t.number(), t.state(), t.attempts(), reports.size(),
                    best.isPresent() ? String.format(Locale.ROOT, "%.4f", best.getAsDouble()) : "-", t.sizeBits(),
                    // every trial's params, also when it has a reason (a pruned or failed trial's params matter most)
                    t.candidate().bits(), new java.util.TreeMap<>(t.candidate().params())
                            + (t.statusReason().isEmpty() ? "" : " | " + t.statusReason()));
        }
    }

    private Map<Integer, TrialRow> byNumber() {
        Map<Integer, TrialRow> m = new HashMap<>();
        trials.forEach(t -> m.put(t.number(), t));
        return m;
    }
}
