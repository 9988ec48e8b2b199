package org.bitsearch.orchestrator.insight;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Per-parameter importance as the <em>main effect</em> of each parameter on the objective, measured by a one-way
 * analysis of variance, the first-order term of a functional ANOVA (Hutter, Hoos &amp; Leyton-Brown, "An Efficient
 * Approach for Assessing Hyperparameter Importance", ICML 2014, who estimate it from a random forest; here it is
 * estimated straight from the observed trials, without a surrogate model).
 *
 * <p>For a parameter, the trials are grouped by its value: categorical and boolean values (and numbers with at
 * most {@value #MAX_GROUPS} distinct values, each seen twice on average, like bit-widths) one group per value;
 * other numbers into
 * {@code clamp(n / }{@value #PER_GROUP}{@code , 2, }{@value #MAX_GROUPS}{@code )} groups of consecutive values by rank, about equally full (equal values always share a group), so that the
 * result does not depend on the scale (linear or log) of the parameter. With {@code n} trials, {@code k} groups,
 * {@code SS_B} the between-group and {@code SS_T} the total sum of squares of the objective, the importance is
 * the bias-corrected share of variance explained, epsilon squared:
 * {@code ε² = (SS_B − (k−1)·SS_W/(n−k)) / SS_T} with {@code SS_W = SS_T − SS_B}, clamped to [0, 1]. A parameter
 * that does not matter scores about 0 (the correction removes the share that grouping noise explains by
 * chance); one that determines the objective scores near 1. {@code share} normalises the importances to sum 1,
 * as optuna's importance plot does. Interactions between parameters are not measured.
 *
 * <p>Pure and deterministic; not thread-affine.
 */
public final class ParamImportance {
    /** At most this many groups per parameter. */
    public static final int MAX_GROUPS = 8;
    /** About this many observations per group of a numeric parameter (at least 2 groups, at most {@link #MAX_GROUPS}). */
    public static final int PER_GROUP = 10;
    /** Fewer observations than this give no importances. */
    public static final int MIN_OBSERVATIONS = 4;

    private ParamImportance() {}

    /** One trial: its parameter values (numbers, strings, booleans) and its objective. */
    public record Observation(Map<String, Object> values, double objective) {
        public Observation {
            Objects.requireNonNull(values, "values");
            if (!Double.isFinite(objective)) throw new IllegalArgumentException("objective is " + objective + ", but must be finite");
            values = new LinkedHashMap<>(values);
        }
    }

    /**
     * One parameter's importance.
     *
     * @param importance epsilon squared in [0, 1]
     * @param share      importance / sum of all importances (0 when all are 0)
     * @param groups     how many groups its values formed
     */
    public record Result(String name, double importance, double share, int groups) {}

    /**
     * The importance of every parameter that appears in the observations, most important first (ties by name).
     * Observations lacking a parameter are left out of that parameter's analysis. Empty when there are fewer than
     * {@value #MIN_OBSERVATIONS} observations.
     */
    public static List<Result> of(List<Observation> observations) {
        if (observations.size() < MIN_OBSERVATIONS) return List.of();
        Set<String> names = new LinkedHashSet<>();
        observations.forEach(o -> names.addAll(o.values().keySet()));
        Map<String, double[]> raw = new LinkedHashMap<>();
        for (String name : names) {
            List<Object> xs = new ArrayList<>();
            List<Double> ys = new ArrayList<>();
            for (Observation o : observations) {
                Object v = o.values().get(name);
                if (v == null) continue;
                xs.add(v);
                ys.add(o.objective());
            }
            List<List<Double>> groups = groups(xs, ys);
            raw.put(name, new double[] {epsilonSquared(groups), groups.size()});
        }
        double total = raw.values().stream().mapToDouble(r -> r[0]).sum();
        List<Result> results = new ArrayList<>();
        raw.forEach((name, r) -> results.add(new Result(name, r[0], total > 0 ? r[0] / total : 0, (int) r[1])));
        results.sort(Comparator.comparingDouble(Result::importance).reversed().thenComparing(Result::name));
        return List.copyOf(results);
    }

    /** ε² of the objective over the groups; 0 when undefined (one group, no spread, no residual degrees of freedom). */
    static double epsilonSquared(List<List<Double>> groups) {
        int n = groups.stream().mapToInt(List::size).sum();
        int k = groups.size();
        if (k < 2 || n - k < 1) return 0;
        double mean = groups.stream().flatMap(List::stream).mapToDouble(Double::doubleValue).average().orElse(0);
        double ssT = groups.stream().flatMap(List::stream).mapToDouble(y -> (y - mean) * (y - mean)).sum();
        if (ssT <= 1e-300) return 0;
        double ssB = 0;
        for (List<Double> g : groups) {
            double gm = g.stream().mapToDouble(Double::doubleValue).average().orElse(0);
            ssB += g.size() * (gm - mean) * (gm - mean);
        }
        double ssW = Math.max(0, ssT - ssB);
        double eps = (ssB - (k - 1) * ssW / (n - k)) / ssT;
        return Math.max(0, Math.min(1, eps));
    }

    /** The objectives grouped by the parameter's value (see the class comment). */
    static List<List<Double>> groups(List<Object> xs, List<Double> ys) {
        boolean numeric = xs.stream().allMatch(x -> x instanceof Number);
        Map<Object, List<Double>> byValue = numeric ? new TreeMap<>() : new LinkedHashMap<>();
        for (int i = 0; i < xs.size(); i++) {
            Object key = numeric ? (Object) ((Number) xs.get(i)).doubleValue() : String.valueOf(xs.get(i));
            byValue.computeIfAbsent(key, x -> new ArrayList<>()).add(ys.get(i));
        }
        // one group per value: categorical values, and numbers with few values each seen twice on average (bits)
        if (!numeric || (byValue.size() <= MAX_GROUPS && 2 * byValue.size() <= xs.size()))
            return new ArrayList<>(byValue.values());
        // consecutive distinct values (ascending) into `bins` groups of about n / bins observations
        int n = xs.size();
        int bins = Math.max(2, Math.min(MAX_GROUPS, n / PER_GROUP));
        List<List<Double>> groups = new ArrayList<>();
        List<Double> current = new ArrayList<>();
        int taken = 0;
        for (List<Double> sameValue : byValue.values()) {
            current.addAll(sameValue);
            taken += sameValue.size();
            if (taken >= (long) n * (groups.size() + 1) / bins && groups.size() < bins - 1) {
                groups.add(current);
                current = new ArrayList<>();
            }
        }
        if (!current.isEmpty()) groups.add(current);
        return groups;
    }
}
