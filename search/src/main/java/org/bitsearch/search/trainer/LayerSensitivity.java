package org.bitsearch.search.trainer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The per-layer, per-bit-width sensitivity table a {@link Trainer} measures: for each quantizable layer l and
 * bit-width b, the predicted increase of the validation loss when only l is quantized to b. It is what the
 * sensitivity-guided sampler's knapsack minimises (summed over layers: the additive model of HAWQ, Dong et al.
 * 2019/2020) and what a progressive schedule's "sensitivity" order ranks (Lan 2021).
 *
 * @param mode    how it was measured: "proxy" (post-training: quantize one layer of a pre-trained model),
 *                "train" (Lan 2021: quantize one layer alone and train briefly), "hessian" (HAWQ-V2: Hutchinson's
 *                trace estimate times the quantization perturbation), "simulated" (the simulated trainer's model)
 * @param layers  number of quantizable layers
 * @param entries the measurements; at least one per layer, (layer, bits) pairs distinct
 */
public record LayerSensitivity(String mode, int layers, List<Entry> entries) {
    /** One measurement: only {@code layer} at {@code bits} raises the validation loss by {@code lossIncrease}. */
    public record Entry(int layer, int bits, double lossIncrease) {
        public Entry {
            if (layer < 0) throw new IllegalArgumentException("layer is " + layer + ", but must be >= 0");
            if (bits < 1 || bits > 32) throw new IllegalArgumentException("bits is " + bits + ", but must be in 1..32");
            if (!Double.isFinite(lossIncrease)) throw new IllegalArgumentException("lossIncrease of layer " + layer + " at " + bits + " bits is " + lossIncrease + ", but must be finite");
        }
    }

    public LayerSensitivity {
        if (mode == null || mode.isBlank()) throw new IllegalArgumentException("mode must not be blank");
        if (layers < 1) throw new IllegalArgumentException("layers is " + layers + ", but must be >= 1");
        entries = List.copyOf(entries);
        boolean[] seen = new boolean[layers];
        java.util.Set<Long> keys = new java.util.HashSet<>();
        for (Entry e : entries) {
            if (e.layer() >= layers) throw new IllegalArgumentException("an entry names layer " + e.layer() + ", but the model has " + layers + " layers");
            if (!keys.add(((long) e.layer() << 32) | e.bits()))
                throw new IllegalArgumentException("layer " + e.layer() + " at " + e.bits() + " bits is measured twice");
            seen[e.layer()] = true;
        }
        for (int l = 0; l < layers; l++)
            if (!seen[l]) throw new IllegalArgumentException("layer " + l + " has no measurement, but every layer needs one");
    }

    /**
     * The predicted loss increase of {@code layer} at {@code bits}, clamped at 0 (a measured decrease is noise):
     * the measured value if there is one; otherwise linear interpolation in b between the nearest measured
     * widths, with 32 bits (full precision) costing 0 unless measured; below the narrowest measured width, that
     * width's value (the table says nothing about fewer bits, so this is optimistic).
     */
    public double cost(int layer, int bits) {
        if (layer < 0 || layer >= layers) throw new IllegalArgumentException("layer is " + layer + ", but must be in 0.." + (layers - 1));
        TreeMap<Integer, Double> m = byBits(layer);
        if (!m.containsKey(32)) m.put(32, 0.0);
        Double exact = m.get(bits);
        if (exact != null) return Math.max(0, exact);
        Map.Entry<Integer, Double> lo = m.floorEntry(bits), hi = m.ceilingEntry(bits);
        if (lo == null) return Math.max(0, hi.getValue());
        if (hi == null) return Math.max(0, lo.getValue());
        double t = (double) (bits - lo.getKey()) / (hi.getKey() - lo.getKey());
        return Math.max(0, lo.getValue() + t * (hi.getValue() - lo.getValue()));
    }

    private TreeMap<Integer, Double> byBits(int layer) {
        TreeMap<Integer, Double> m = new TreeMap<>();
        for (Entry e : entries) if (e.layer() == layer) m.put(e.bits(), e.lossIncrease());
        return m;
    }

    /** Mean measured loss increase of {@code layer} over its measured widths (the ranking Lan 2021 sorts by). */
    public double meanIncrease(int layer) {
        return entries.stream().filter(e -> e.layer() == layer).mapToDouble(Entry::lossIncrease).average().orElse(0);
    }

    /** Layer indices from the least to the most sensitive by {@link #meanIncrease} (ties: forward order). */
    public int[] leastSensitiveFirst() {
        List<Integer> order = new ArrayList<>();
        for (int l = 0; l < layers; l++) order.add(l);
        order.sort(java.util.Comparator.<Integer>comparingDouble(this::meanIncrease).thenComparing(i -> i));
        return order.stream().mapToInt(Integer::intValue).toArray();
    }
}
