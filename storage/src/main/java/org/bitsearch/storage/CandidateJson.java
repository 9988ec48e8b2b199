package org.bitsearch.storage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.bitsearch.search.space.BitAllocation;
import org.bitsearch.search.trial.Candidate;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON form of a {@link Candidate} in the {@code trial.params}, {@code trial.bits} and {@code trial.activation_bits}
 * (NULL: FP32 activations) columns, with an exact
 * round trip: a {@code Long} is written as a JSON integer ({@code 5}), a {@code Double} always with a decimal point
 * or exponent ({@code 5.0}, {@code 1.0E-4}; H2 keeps that form), so that reading back gives the same Java type and
 * value; strings and booleans map to themselves. Non-finite doubles have no JSON form and are refused; -0.0 is
 * stored as 0.0 (H2 holds JSON numbers as decimals, which have no negative zero), see {@link #normalise}.
 * Stateless and thread-safe.
 */
public final class CandidateJson {
    private final ObjectMapper mapper = new ObjectMapper();

    public CandidateJson() {}

    /** The params object, e.g. {@code {"lr":1.0E-4,"layers":3,"opt":"adam","bn":true}}. */
    public String params(Candidate candidate) {
        ObjectNode node = mapper.createObjectNode();
        for (Map.Entry<String, Object> e : candidate.params().entrySet()) {
            Object v = e.getValue();
            if (v instanceof Long l) node.put(e.getKey(), l);
            else if (v instanceof Double d) {
                if (!Double.isFinite(d))
                    throw new StoreException("param '" + e.getKey() + "' is " + d + ", but must be finite to be stored "
                            + "(JSON has no NaN or infinity); fix the search space or sampler that proposed it");
                node.put(e.getKey(), d == 0.0 ? 0.0 : d); // -0.0 becomes 0.0: H2 keeps JSON numbers as decimals
            } else if (v instanceof String s) node.put(e.getKey(), s);
            else if (v instanceof Boolean b) node.put(e.getKey(), b);
            else throw new IllegalStateException("Candidate admitted param '" + e.getKey() + "' of type " + v.getClass());
        }
        return write(node);
    }

    /** The candidate exactly as it will read back: the same, except that a -0.0 parameter becomes 0.0. */
    Candidate normalise(Candidate candidate) {
        return candidate(params(candidate), bits(candidate.bits()), candidate.activationBits().map(this::bits).orElse(null),
                "the candidate being written");
    }

    /** The bit allocation as an array, e.g. {@code [8,4,4,2]}. */
    public String bits(BitAllocation bits) {
        ArrayNode node = mapper.createArrayNode();
        bits.bits().forEach(node::add);
        return write(node);
    }

    /** Reads a candidate with FP32 activations back; {@code where} names the row for the error message if the JSON is not ours. */
    public Candidate candidate(String paramsJson, String bitsJson, String where) {
        return candidate(paramsJson, bitsJson, null, where);
    }

    /**
     * Reads a candidate back; {@code activationBitsJson} null (SQL NULL) means FP32 activations; {@code where} names
     * the row for the error message if the JSON is not ours.
     */
    public Candidate candidate(String paramsJson, String bitsJson, String activationBitsJson, String where) {
        try {
            JsonNode params = mapper.readTree(paramsJson);
            JsonNode bits = mapper.readTree(bitsJson);
            if (params == null || !params.isObject()) throw corrupt(where, "params is not a JSON object: " + paramsJson);
            if (bits == null || !bits.isArray()) throw corrupt(where, "bits is not a JSON array: " + bitsJson);
            Map<String, Object> values = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> e : params.properties())
                values.put(e.getKey(), value(e.getKey(), e.getValue(), where));
            BitAllocation activations = null;
            if (activationBitsJson != null) {
                JsonNode a = mapper.readTree(activationBitsJson);
                if (a == null || !a.isArray()) throw corrupt(where, "activationBits is not a JSON array: " + activationBitsJson);
                activations = new BitAllocation(widths(a, "activationBits", where));
            }
            return new Candidate(values, new BitAllocation(widths(bits, "bits", where)), activations);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw corrupt(where, e.getMessage());
        }
    }

    private static List<Integer> widths(JsonNode array, String field, String where) {
        List<Integer> widths = new ArrayList<>();
        for (JsonNode b : array) {
            if (!b.isIntegralNumber() || !b.canConvertToInt()) throw corrupt(where, field + " holds " + b + ", not an integer");
            widths.add(b.intValue());
        }
        return widths;
    }

    private static Object value(String name, JsonNode v, String where) {
        if (v.isIntegralNumber()) {
            if (!v.canConvertToLong()) throw corrupt(where, "param '" + name + "' = " + v + " does not fit a long");
            return v.longValue();
        }
        if (v.isFloatingPointNumber()) return v.doubleValue();
        if (v.isTextual()) return v.textValue();
        if (v.isBoolean()) return v.booleanValue();
        throw corrupt(where, "param '" + name + "' = " + v + " is not a string, integer, number or boolean");
    }

    private static StoreException corrupt(String where, String detail) {
        return new StoreException("The stored candidate of " + where + " cannot be read: " + detail
                + ". The row was not written by this bitsearch; restore the database from a backup.");
    }

    private String write(JsonNode node) {
        try {
            return mapper.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + node, e);
        }
    }
}
