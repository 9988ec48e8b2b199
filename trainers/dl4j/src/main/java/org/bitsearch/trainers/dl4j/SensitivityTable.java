package org.bitsearch.trainers.dl4j;

import org.bitsearch.search.space.QuantLayer;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * Per-layer quantization sensitivity: the validation loss and accuracy of a full-precision pre-trained model
 * when only one layer is quantized (HAWQ-style proxy, Dong et al. 2019; Lan 2021's sensitivity pre-training).
 *
 * @param layers           the model's quantizable layers
 * @param baselineAccuracy validation accuracy of the full-precision model
 * @param baselineLoss     validation loss of the full-precision model
 * @param rows             one row per (layer, bits); in mode "hessian" the accuracies are NaN and lossIncrease is
 *                         the second-order prediction Ω_l(b)
 * @param mode             the {@link org.bitsearch.trainers.dl4j.schedule.SensitivityConfig} mode that measured it
 */
public record SensitivityTable(List<QuantLayer> layers, double baselineAccuracy, double baselineLoss, List<Row> rows,
                               String mode) {
    /** Validation metrics with only {@code layer} quantized to {@code bits}. */
    public record Row(int layer, String name, int bits, double valAccuracy, double valLoss,
                      double accuracyDrop, double lossIncrease) {}

    public SensitivityTable {
        layers = List.copyOf(layers);
        rows = List.copyOf(rows);
        if (mode == null) mode = "proxy";
    }

    /** A table measured by the post-training proxy. */
    public SensitivityTable(List<QuantLayer> layers, double baselineAccuracy, double baselineLoss, List<Row> rows) {
        this(layers, baselineAccuracy, baselineLoss, rows, "proxy");
    }

    /** The table in the trainer contract's form (what the sensitivity-guided sampler reads). */
    public org.bitsearch.search.trainer.LayerSensitivity toLayerSensitivity() {
        return new org.bitsearch.search.trainer.LayerSensitivity(mode, layers.size(), rows.stream()
                .map(r -> new org.bitsearch.search.trainer.LayerSensitivity.Entry(r.layer(), r.bits(), r.lossIncrease())).toList());
    }

    /**
     * Sensitivity of a layer: its mean validation-loss increase over the measured bit-widths (a smoother
     * signal than the accuracy drop on a small validation set; HAWQ ranks layers by the loss curvature).
     */
    public double sensitivity(int layer) {
        return rows.stream().filter(r -> r.layer() == layer).mapToDouble(Row::lossIncrease).average().orElse(0);
    }

    /** Layer indices from the least to the most sensitive (ties: forward order), for progressive schedules. */
    public int[] leastSensitiveFirst() {
        return IntStream.range(0, layers.size()).boxed()
                .sorted(Comparator.<Integer>comparingDouble(this::sensitivity).thenComparing(i -> i))
                .mapToInt(Integer::intValue).toArray();
    }

    /** A human-readable table. */
    public String toText() {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "mode %s; baseline (all 32 bits): val accuracy %.4f, val loss %.4f%n", mode, baselineAccuracy, baselineLoss));
        sb.append(String.format(Locale.ROOT, "%-8s %5s %12s %10s %9s %9s%n", "layer", "bits", "valAccuracy", "valLoss", "accDrop", "lossInc"));
        for (Row r : rows)
            sb.append(String.format(Locale.ROOT, "%-8s %5d %12.4f %10.4f %9.4f %9.4f%n", r.name(), r.bits(),
                    r.valAccuracy(), r.valLoss(), r.accuracyDrop(), r.lossIncrease()));
        int[] order = leastSensitiveFirst();
        sb.append("least to most sensitive:");
        for (int i : order) sb.append(' ').append(layers.get(i).name());
        return sb.append(System.lineSeparator()).toString();
    }
}
