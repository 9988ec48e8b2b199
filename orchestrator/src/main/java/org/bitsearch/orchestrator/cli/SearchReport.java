package org.bitsearch.orchestrator.cli;

import org.bitsearch.actors.spec.SpecCompiler;
import org.bitsearch.actors.spec.TrainerFactory;
import org.bitsearch.orchestrator.view.CountsView;
import org.bitsearch.orchestrator.view.PointView;
import org.bitsearch.orchestrator.view.RunView;
import org.bitsearch.orchestrator.view.ShowView;
import org.bitsearch.orchestrator.view.TrialView;
import org.bitsearch.orchestrator.view.Views;
import org.bitsearch.search.space.QuantLayer;
import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.storage.SearchRow;
import org.bitsearch.storage.SearchStore;
import org.bitsearch.storage.TrialRow;

import java.io.PrintStream;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads one search from the store into the read model's records ({@link Views}, the same the REST API serves) and
 * prints them: the Pareto front as a table, {@code run/resume --json} ({@link RunView}), and for {@code show} every
 * trial ({@link ShowView}). The JSON field names are part of the command line's public interface (README,
 * examples/README.md); {@link org.bitsearch.orchestrator.view.ViewJson#cli} leaves out the API-only fields.
 */
final class SearchReport {
    private final SearchStore store;
    private final SearchRow search;
    private final List<TrialRow> trials;
    private final List<QuantLayer> layers;
    private final List<PointView> front;

    SearchReport(SearchStore store, SearchRow search, TrainerFactory trainers) {
        this.store = store;
        this.search = search;
        this.trials = store.trials(search.id());
        this.layers = layers(search, trainers);
        this.front = Views.front(store.front(search.id()), Views.byNumber(trials), layers);
    }

    /** The model's layers, from the stored spec (empty if the spec no longer compiles here: no compression then). */
    private static List<QuantLayer> layers(SearchRow search, TrainerFactory trainers) {
        try {
            return new SpecCompiler(trainers).compile(search.specJson()).settings().space().bits().layers();
        } catch (Exception e) {
            return List.of();
        }
    }

    private CountsView counts() { return CountsView.of(store.trialCounts(search.id())); }

    RunView summary() {
        return new RunView(search.id(), search.name(), search.state().name(), search.message(), counts(), front);
    }

    /** Every trial as a view; reports are read in one query, not one per trial. */
    private List<TrialView> trialViews() {
        Map<Integer, List<EpochMetrics>> reports = Views.reportsByTrial(store.reports(search.id()));
        Set<Integer> onFront = new HashSet<>();
        front.forEach(p -> onFront.add(p.number()));
        return trials.stream().map(t -> Views.trial(t, reports.getOrDefault(t.number(), List.of()), layers,
                onFront.contains(t.number()))).toList();
    }

    ShowView show() {
        return new ShowView(search.id(), search.name(), search.state().name(), search.message(), search.seed(),
                search.created(), search.updated(), counts(), trialViews(), front);
    }

    void printFrontTable(PrintStream out) {
        out.printf(Locale.ROOT, "Pareto front of search %d '%s' (%s): %d point(s)%n", search.id(), search.name(), search.state(), front.size());
        if (front.isEmpty()) return;
        out.printf(Locale.ROOT, "%6s  %11s  %12s  %12s  %9s  %11s  %s%n", "trial", "valAccuracy", "testAccuracy", "sizeBits", "KiB", "compression", "bits per layer");
        for (PointView p : front) {
            out.printf(Locale.ROOT, "%6d  %11.4f  %12s  %12d  %9.2f  %11s  %s%n", p.number(), p.valAccuracy(),
                    p.testAccuracy() == null ? "-" : String.format(Locale.ROOT, "%.4f", p.testAccuracy()), p.sizeBits(), p.sizeKiB(),
                    p.compression() == null ? "-" : String.format(Locale.ROOT, "%.2fx", p.compression()), Views.bitsLabel(p.bits(), p.activationBits()));
        }
    }

    void printTrialTable(PrintStream out) {
        out.printf(Locale.ROOT, "%6s  %-9s  %8s  %6s  %11s  %12s  %-18s  %s%n", "trial", "state", "attempts", "epochs", "bestValAcc", "sizeBits", "bits", "params | reason");
        for (TrialView t : trialViews()) {
            out.printf(Locale.ROOT, "%6d  %-9s  %8d  %6d  %11s  %12d  %-18s  %s%n", t.number(), t.state(), t.attempts(), t.epochs(),
                    t.bestValAccuracy() == null ? "-" : String.format(Locale.ROOT, "%.4f", t.bestValAccuracy()), t.sizeBits(),
                    // every trial's params, also when it has a reason (a pruned or failed trial's params matter most)
                    Views.bitsLabel(t.bits(), t.activationBits()), t.params() + (t.reason().isEmpty() ? "" : " | " + t.reason()));
        }
    }
}
