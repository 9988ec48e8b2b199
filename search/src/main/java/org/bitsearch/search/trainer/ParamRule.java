package org.bitsearch.search.trainer;

import org.bitsearch.search.space.Dimension;

import java.util.ArrayList;
import java.util.List;

/**
 * One hyperparameter a {@link Trainer} kind reads from {@link org.bitsearch.search.trial.Candidate#params()}: its
 * name and the values it accepts. A trainer kind declares the full list of the names it reads (next to the code
 * that reads them), and a search spec is checked against it before anything runs: a dimension whose name is not
 * declared, or that can produce a value the trainer would reject, is an error of the spec, not of a trial.
 * Immutable; thread-safe.
 */
public sealed interface ParamRule {
    /** The parameter's name, as a search-space dimension must spell it. */
    String name();

    /** The rule in words, for messages and docs ("a number > 0"). */
    String describe();

    /**
     * Checks that every value {@code dimension} can produce is acceptable to the trainer.
     *
     * @param path    the dimension's field path in the spec ("space.params.optimizer")
     * @param trainer the trainer kind's name, for the messages ("dl4j")
     * @return one message per problem, each naming the field path, the value and the rule; empty if acceptable
     */
    List<String> check(Dimension dimension, String path, String trainer);

    /** A real number above {@code min} (exclusive) or from {@code min} on (inclusive). */
    record Real(String name, double min, boolean minExclusive) implements ParamRule {
        public Real {
            requireName(name);
            if (!Double.isFinite(min)) throw new IllegalArgumentException("min is " + min + ", but must be finite");
        }

        @Override public String describe() { return "a number " + (minExclusive ? "> " : ">= ") + fmt(min); }

        private boolean ok(double v) { return Double.isFinite(v) && (minExclusive ? v > min : v >= min); }

        @Override public List<String> check(Dimension d, String path, String trainer) {
            List<String> out = new ArrayList<>();
            String rule = "the " + trainer + " trainer needs " + name + " to be " + describe();
            if (d instanceof Dimension.Categorical c) {
                for (Object v : c.choices())
                    if (!(v instanceof Number n) || !ok(n.doubleValue()))
                        out.add(path + ".choices contains " + show(v) + ", but " + rule);
            } else if (d instanceof Dimension.IntRange r) {
                if (!ok(r.low())) out.add(path + ".low is " + r.low() + ", but " + rule);
            } else {
                double low = d instanceof Dimension.FloatRange r ? r.low() : ((Dimension.LogFloatRange) d).low();
                if (!ok(low)) out.add(path + ".low is " + low + ", but " + rule);
            }
            return out;
        }
    }

    /** An integer from {@code min} on: an {@code int} range or a categorical of integers. */
    record Whole(String name, long min) implements ParamRule {
        public Whole { requireName(name); }

        @Override public String describe() { return "an integer >= " + min + " (type int, or categorical of integers)"; }

        @Override public List<String> check(Dimension d, String path, String trainer) {
            List<String> out = new ArrayList<>();
            String rule = "the " + trainer + " trainer needs " + name + " to be " + describe();
            if (d instanceof Dimension.IntRange r) {
                if (r.low() < min) out.add(path + ".low is " + r.low() + ", but " + rule);
            } else if (d instanceof Dimension.Categorical c) {
                for (Object v : c.choices())
                    if (!(v instanceof Long n) || n < min) out.add(path + ".choices contains " + show(v) + ", but " + rule);
            } else {
                out.add(path + ".type is '" + typeOf(d) + "', but " + rule);
            }
            return out;
        }
    }

    /** One of a fixed set of strings: a categorical whose choices are a subset of {@code allowed}. */
    record Choice(String name, List<String> allowed) implements ParamRule {
        public Choice {
            requireName(name);
            if (allowed == null || allowed.isEmpty()) throw new IllegalArgumentException("allowed is empty, but must list at least one value");
            allowed = List.copyOf(allowed);
        }

        @Override public String describe() { return "one of " + String.join(", ", allowed); }

        @Override public List<String> check(Dimension d, String path, String trainer) {
            List<String> out = new ArrayList<>();
            if (d instanceof Dimension.Categorical c) {
                for (Object v : c.choices())
                    if (!allowed.contains(v)) out.add(path + ".choices contains " + show(v) + ", but the " + trainer
                            + " trainer accepts " + String.join(", ", allowed));
            } else {
                out.add(path + ".type is '" + typeOf(d) + "', but the " + trainer + " trainer needs " + name
                        + " to be categorical with choices among " + String.join(", ", allowed));
            }
            return out;
        }
    }

    /**
     * Checks a whole space's dimensions against a trainer kind's declared rules: every dimension must be declared
     * and acceptable to its rule.
     *
     * @param names      the names of every dimension the spec lists (also those whose definition was invalid, so
     *                   that an unknown name is reported alongside the definition's own problems)
     * @param dimensions the dimensions that were built
     * @param pathPrefix the field path of the params object ("space.params")
     * @return one message per problem; empty if the space is acceptable
     */
    static List<String> checkAll(List<ParamRule> rules, List<String> names, List<Dimension> dimensions,
                                 String pathPrefix, String trainer) {
        List<String> out = new ArrayList<>();
        List<String> known = rules.stream().map(ParamRule::name).toList();
        for (String n : names)
            if (!known.contains(n))
                out.add(pathPrefix + "." + n + " is not a hyperparameter of the " + trainer + " trainer; known: " + String.join(", ", known));
        for (Dimension d : dimensions)
            rules.stream().filter(r -> r.name().equals(d.name())).findFirst()
                    .ifPresent(r -> out.addAll(r.check(d, pathPrefix + "." + d.name(), trainer)));
        return out;
    }

    private static void requireName(String name) {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("name must not be blank");
    }

    private static String typeOf(Dimension d) {
        return d instanceof Dimension.IntRange ? "int" : d instanceof Dimension.FloatRange ? "float"
                : d instanceof Dimension.LogFloatRange ? "logfloat" : "categorical";
    }

    private static String show(Object v) { return v instanceof String s ? "'" + s + "'" : String.valueOf(v); }

    private static String fmt(double v) { return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v); }
}
