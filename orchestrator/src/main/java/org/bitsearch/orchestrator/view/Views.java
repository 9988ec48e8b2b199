package org.bitsearch.orchestrator.view;

import org.bitsearch.search.space.BitAllocation;
import org.bitsearch.search.space.ModelSize;
import org.bitsearch.search.space.QuantLayer;
import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.search.trial.TrialRecord;
import org.bitsearch.search.trial.Verdict;
import org.bitsearch.storage.ParetoRow;
import org.bitsearch.storage.ReportRow;
import org.bitsearch.storage.RungDecisionRow;
import org.bitsearch.storage.TrialRow;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the view records from stored rows; the one place the read model computes a number. Accuracies come from
 * the search's trial record ({@link TrialRecord#finalValAccuracy()}: last epoch, {@link TrialRecord#bestValAccuracy()}:
 * best epoch), sizes from {@link ModelSize} (KiB, and compression against the all-32-bit model, scales included).
 * The command line ({@code run/resume/show/list --json}, tables) and the REST API both build their views here.
 */
public final class Views {
    private Views() {}

    /** All-32-bit size / this size, null if the model's layers are unknown (or do not match the allocation). */
    public static Double compression(List<QuantLayer> layers, BitAllocation bits) {
        if (layers.isEmpty() || layers.size() != bits.layers()) return null;
        return ModelSize.of(layers, bits).compressionRatio();
    }

    /** The trial's activation bits, or null when its activations are FP32 (no activationBits). */
    static List<Integer> activationBits(TrialRow t) {
        return t.candidate().activationBits().map(BitAllocation::bits).orElse(null);
    }

    /** "W/A" per layer ("[4/8, 2/32]"), or the weight bits alone when {@code activationBits} is null. */
    public static String bitsLabel(List<Integer> bits, List<Integer> activationBits) {
        if (activationBits == null) return bits.toString();
        StringBuilder b = new StringBuilder("[");
        for (int l = 0; l < bits.size(); l++) b.append(l == 0 ? "" : ", ").append(bits.get(l)).append('/').append(activationBits.get(l));
        return b.append(']').toString();
    }

    /** A trial row and its reports (epoch order) as the trial table shows it. */
    public static TrialView trial(TrialRow t, List<EpochMetrics> reports, List<QuantLayer> layers, boolean onFront) {
        TrialRecord record = new TrialRecord(t.number(), t.candidate(), t.state(), reports, t.sizeBits());
        return new TrialView(t.number(), t.state().name(), t.statusReason(), t.candidate().params(),
                t.candidate().bits().bits(), activationBits(t), t.sizeBits(), ModelSize.kib(t.sizeBits()), compression(layers, t.candidate().bits()),
                t.seed(), t.attempts(), t.device(), reports.size(), ViewJson.finite(record.finalValAccuracy()),
                ViewJson.finite(record.bestValAccuracy()), t.testAccuracy().orElse(null), onFront, t.created(), t.updated());
    }

    /** A front point; its test accuracy is the front row's, else the trial's (null until measured). */
    public static PointView point(ParetoRow p, TrialRow t, List<QuantLayer> layers) {
        return new PointView(p.number(), p.valAccuracy(), p.testAccuracy().or(t::testAccuracy).orElse(null), p.sizeBits(),
                ModelSize.kib(p.sizeBits()), compression(layers, t.candidate().bits()), t.candidate().bits().bits(),
                activationBits(t), t.candidate().params());
    }

    /** The front, smallest model first (then by trial number); rows whose trial is unknown are left out. */
    public static List<PointView> front(List<ParetoRow> front, Map<Integer, TrialRow> trials, List<QuantLayer> layers) {
        List<PointView> points = new ArrayList<>();
        for (ParetoRow p : front) {
            TrialRow t = trials.get(p.number());
            if (t != null) points.add(point(p, t, layers));
        }
        points.sort(Comparator.comparingLong(PointView::sizeBits).thenComparingInt(PointView::number));
        return List.copyOf(points);
    }

    public static ReportView report(ReportRow r, Verdict verdict) {
        EpochMetrics m = r.metrics();
        return new ReportView(r.number(), m.epoch(), r.seq(), ViewJson.finite(m.valAccuracy()),
                ViewJson.finite(m.valLoss()), ViewJson.finite(m.trainLoss()), m.seconds(), m.samplesPerSecond(),
                verdict == null ? null : verdict.decision().name(), verdict == null ? null : verdict.rung());
    }

    public static DecisionView decision(RungDecisionRow d) {
        return new DecisionView(d.epoch(), d.verdict().decision().name(), d.verdict().rung(), d.verdict().reason());
    }

    public static List<LayerView> layers(List<QuantLayer> layers) {
        return layers.stream().map(l -> new LayerView(l.index(), l.name(), l.weights(), l.biases())).toList();
    }

    /** Trials by number. */
    public static Map<Integer, TrialRow> byNumber(List<TrialRow> trials) {
        Map<Integer, TrialRow> m = new HashMap<>();
        for (TrialRow t : trials) m.put(t.number(), t);
        return m;
    }

    /** Every trial's reports in epoch order, from one query's rows. */
    public static Map<Integer, List<EpochMetrics>> reportsByTrial(List<ReportRow> rows) {
        Map<Integer, List<EpochMetrics>> byTrial = new HashMap<>();
        for (ReportRow r : rows) byTrial.computeIfAbsent(r.number(), n -> new ArrayList<>()).add(r.metrics());
        for (List<EpochMetrics> l : byTrial.values()) l.sort(Comparator.comparingInt(EpochMetrics::epoch));
        return byTrial;
    }
}
