package org.bitsearch.search.space;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The factorized layers of a model and their ranks (Quantization Aware Factorization, Cherniuk et al. 2023):
 * which quantizable layers are stored as quantized factors ({@link FactorLayer}), the rank ratio each takes when a
 * candidate does not choose one ({@code defaultRatio}), and, when the ranks are searched, the ratios a layer may
 * choose ({@code allowedRatios}, spec {@code space.ranks.allowed}).
 *
 * <p>A searched rank is an ordinary categorical dimension named {@code rank.<layer name>} ({@link #param}) over the
 * allowed ratios ({@link #dimensions()}): every sampler draws it from the trial's seeded generator like any other
 * hyperparameter, it is stored with the candidate's parameters and shown wherever they are. {@link #sizeBits} is
 * the exact model size of a candidate with its ranks: the factorized layers' {@link FactorLayer#storedBits}, the
 * others' {@link QuantLayer#storedBits}.
 *
 * @param layers        the factorized layers, by increasing layer index, distinct; may be empty (nothing factorized)
 * @param defaultRatio  the ratio of a layer whose rank is not searched, in (0, 1]
 * @param allowedRatios the ratios a searched rank may take (sorted, distinct, each in (0, 1]); empty = not searched
 */
public record RankSpace(List<FactorLayer> layers, double defaultRatio, List<Double> allowedRatios) {
    /** The prefix of a rank parameter's name. */
    public static final String PREFIX = "rank.";

    public RankSpace {
        if (layers == null || layers.stream().anyMatch(Objects::isNull)) throw new IllegalArgumentException("ranks: layers must be given");
        layers = List.copyOf(layers);
        for (int i = 1; i < layers.size(); i++)
            if (layers.get(i).layer() <= layers.get(i - 1).layer())
                throw new IllegalArgumentException("ranks: layers must have increasing, distinct indices, but are "
                        + layers.stream().map(FactorLayer::layer).toList());
        if (!(defaultRatio > 0 && defaultRatio <= 1)) throw new IllegalArgumentException("ranks: defaultRatio is " + defaultRatio + ", but must be in (0, 1]");
        if (allowedRatios == null || allowedRatios.stream().anyMatch(Objects::isNull)) throw new IllegalArgumentException("space.ranks.allowed must list ratios");
        for (double r : allowedRatios)
            if (!(r > 0 && r <= 1)) throw new IllegalArgumentException("space.ranks.allowed contains " + r + ", but every ratio must be in (0, 1]");
        allowedRatios = allowedRatios.stream().sorted().distinct().toList();
        if (!allowedRatios.isEmpty() && layers.isEmpty())
            throw new IllegalArgumentException("space.ranks is given, but the trainer factorizes no layer (set trainer.factorization)");
    }

    /** No factorized layer. */
    public static final RankSpace NONE = new RankSpace(List.of(), 1.0, List.of());

    /** The name of the rank parameter of {@code layer}: {@code rank.<name>}. */
    public static String param(FactorLayer layer) { return PREFIX + layer.name(); }

    /** True if the ranks are a search dimension. */
    public boolean searched() { return !allowedRatios.isEmpty(); }

    /** The categorical rank dimensions (one per factorized layer over {@link #allowedRatios}), or none if not searched. */
    public List<Dimension> dimensions() {
        if (!searched()) return List.of();
        List<Dimension> out = new ArrayList<>();
        for (FactorLayer l : layers) out.add(new Dimension.Categorical(param(l), List.copyOf(allowedRatios)));
        return out;
    }

    /**
     * The rank ratio a candidate's parameters ({@code Candidate.params()}) give {@code layer}: its {@code rank.<name>}
     * parameter, else {@link #defaultRatio}.
     *
     * @throws IllegalArgumentException if the parameter is not a number
     */
    public double ratio(Map<String, Object> params, FactorLayer layer) {
        Object v = params.get(param(layer));
        if (v == null) return defaultRatio;
        if (v instanceof Number n) return n.doubleValue();
        throw new IllegalArgumentException("param '" + param(layer) + "' is '" + v + "', but must be a rank ratio in (0, 1]");
    }

    /** The rank of each factorized layer under a candidate's parameters, in {@link #layers} order. */
    public List<Integer> ranks(Map<String, Object> params) {
        return layers.stream().map(l -> l.rank(ratio(params, l))).toList();
    }

    /** The factorized layer with quantizable-layer index {@code index}, or null. */
    public FactorLayer at(int index) {
        for (FactorLayer l : layers) if (l.layer() == index) return l;
        return null;
    }

    /**
     * Exact size in bits of a candidate's model (its bit allocation and parameters): each factorized layer at its rank
     * and bit-width, every other layer as {@link ModelSize} counts it.
     */
    public long sizeBits(List<QuantLayer> model, BitAllocation bits, Map<String, Object> params) {
        if (model.size() != bits.layers())
            throw new IllegalArgumentException("bits has " + bits.layers() + " entries, but the model has " + model.size() + " quantizable layers");
        long total = 0;
        for (int i = 0; i < model.size(); i++) {
            FactorLayer f = at(i);
            total = Math.addExact(total, f == null ? model.get(i).storedBits(bits.get(i)) : f.storedBits(f.rank(ratio(params, f)), bits.get(i)));
        }
        return total;
    }
}
