package org.bitsearch.actors.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;

/**
 * Typed reads from one object of a parsed spec, each reporting a problem (with the field's full path) instead
 * of throwing, so that the whole spec is checked in one pass. A missing or wrongly typed field yields an empty
 * value and one problem.
 */
final class SpecTree {
    private final ObjectNode node;
    private final String path;
    private final Problems problems;

    private SpecTree(ObjectNode node, String path, Problems problems) {
        this.node = node;
        this.path = path;
        this.problems = problems;
    }

    /** The object at {@code path}, or empty (with a problem unless it is missing and optional). */
    static Optional<SpecTree> object(JsonNode value, String path, Problems problems, boolean required) {
        if (value == null || value.isMissingNode() || value.isNull()) {
            if (required) problems.add(path, null, "is required");
            return Optional.empty();
        }
        if (!value.isObject()) {
            problems.add(path, value, "must be an object");
            return Optional.empty();
        }
        return Optional.of(new SpecTree((ObjectNode) value, path, problems));
    }

    ObjectNode node() { return node; }

    String path() { return path; }

    String pathOf(String field) { return path.isEmpty() ? field : path + "." + field; }

    Problems problems() { return problems; }

    JsonNode raw(String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v;
    }

    /** Reports every field not in {@code known}. */
    void onlyFields(Set<String> known) {
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!known.contains(name))
                problems.addRaw(pathOf(name) + " is not a known field; known fields are " + new TreeSet<>(known));
        }
    }

    Optional<SpecTree> object(String field, boolean required) {
        return object(raw(field), pathOf(field), problems, required);
    }

    Optional<String> string(String field, boolean required) {
        JsonNode v = raw(field);
        if (v == null) {
            if (required) problems.add(pathOf(field), null, "is required");
            return Optional.empty();
        }
        if (!v.isTextual()) {
            problems.add(pathOf(field), v, "must be a string");
            return Optional.empty();
        }
        return Optional.of(v.asText());
    }

    /** An integer field in [min, max]; empty if missing (a problem if required) or invalid. */
    OptionalLong integer(String field, boolean required, long min, long max) {
        JsonNode v = raw(field);
        if (v == null) {
            if (required) problems.add(pathOf(field), null, "is required");
            return OptionalLong.empty();
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            problems.add(pathOf(field), v, "must be an integer");
            return OptionalLong.empty();
        }
        long x = v.asLong();
        if (x < min) { problems.add(pathOf(field), x, "must be >= " + min); return OptionalLong.empty(); }
        if (x > max) { problems.add(pathOf(field), x, "must be <= " + max); return OptionalLong.empty(); }
        return OptionalLong.of(x);
    }

    int integer(String field, int fallback, int min, int max) {
        OptionalLong v = integer(field, false, min, max);
        return v.isPresent() ? (int) v.getAsLong() : fallback;
    }

    /** A finite number field; empty if missing (a problem if required) or invalid. */
    OptionalDouble number(String field, boolean required) {
        JsonNode v = raw(field);
        if (v == null) {
            if (required) problems.add(pathOf(field), null, "is required");
            return OptionalDouble.empty();
        }
        if (!v.isNumber() || !Double.isFinite(v.asDouble())) {
            problems.add(pathOf(field), v, "must be a finite number");
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(v.asDouble());
    }

    /** A number in [min, max] (inclusive), or {@code fallback} when missing or invalid. */
    double number(String field, double fallback, double min, double max) {
        OptionalDouble v = number(field, false);
        if (v.isEmpty()) return fallback;
        double x = v.getAsDouble();
        if (x < min || x > max) {
            problems.add(pathOf(field), x, "must be in [" + min + ", " + max + "]");
            return fallback;
        }
        return x;
    }

    boolean bool(String field, boolean fallback) {
        JsonNode v = raw(field);
        if (v == null) return fallback;
        if (!v.isBoolean()) {
            problems.add(pathOf(field), v, "must be true or false");
            return fallback;
        }
        return v.asBoolean();
    }

    /** A list field, or empty (with a problem if it is not a list). */
    Optional<List<JsonNode>> list(String field) {
        JsonNode v = raw(field);
        if (v == null) return Optional.empty();
        if (!v.isArray()) {
            problems.add(pathOf(field), v, "must be a list");
            return Optional.empty();
        }
        List<JsonNode> out = new ArrayList<>();
        v.forEach(out::add);
        return Optional.of(out);
    }
}
