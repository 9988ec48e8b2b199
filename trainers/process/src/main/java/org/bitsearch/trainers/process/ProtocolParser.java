package org.bitsearch.trainers.process;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * Reads the lines a trainer program prints on stdout. A line whose first non-blank character is <code>{</code> is a
 * protocol message and must be a JSON object with a known {@code type} and well-typed fields (unknown fields are
 * ignored, for forward compatibility); any other line is free text (logged). NaN and Infinity are accepted as
 * numbers (Python's {@code json.dumps} writes them), as is null for a loss: both mean a diverged epoch.
 * Stateless; thread-safe.
 */
final class ProtocolParser {
    static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private ProtocolParser() {}

    /** True if {@code line} claims to be a protocol message (starts with <code>{</code>, after blanks). */
    static boolean isMessage(String line) {
        return line.stripLeading().startsWith("{");
    }

    /**
     * Parses one protocol line.
     *
     * @throws ProtocolException naming the line and the rule it breaks
     */
    static ProtocolMessage parse(String line) throws ProtocolException {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new ProtocolException("malformed line " + quote(line) + ": not a JSON object ("
                    + e.getOriginalMessage() + ")");
        }
        if (node == null || !node.isObject()) throw new ProtocolException("malformed line " + quote(line) + ": not a JSON object");
        JsonNode type = node.get("type");
        if (type == null || !type.isTextual())
            throw new ProtocolException("malformed line " + quote(line) + ": \"type\" is missing, but must be one of epoch, test, exported");
        try {
            return switch (type.asText()) {
                case "epoch" -> {
                    double val = number(node, "valAccuracy", line, true);
                    JsonNode current = node.get("currentAccuracy");
                    yield new ProtocolMessage.Epoch(integer(node, "epoch", line), val,
                            number(node, "valLoss", line, true), number(node, "trainLoss", line, true),
                            text(node, "checkpoint", line), optionalNumber(node, "samplesPerSecond", line),
                            current == null || current.isNull() ? val : number(node, "currentAccuracy", line, false));
                }
                case "test" -> new ProtocolMessage.Test(number(node, "testAccuracy", line, false));
                case "exported" -> new ProtocolMessage.Exported();
                default -> throw new ProtocolException("malformed line " + quote(line) + ": type is '" + type.asText()
                        + "', but must be one of epoch, test, exported");
            };
        } catch (IllegalArgumentException e) {
            throw new ProtocolException("malformed line " + quote(line) + ": " + e.getMessage());
        }
    }

    private static int integer(JsonNode node, String field, String line) throws ProtocolException {
        JsonNode v = node.get(field);
        if (v == null || !v.canConvertToInt() || !(v.isIntegralNumber() || (v.isNumber() && v.asDouble() == Math.rint(v.asDouble()))))
            throw new ProtocolException("malformed line " + quote(line) + ": \"" + field + "\" is "
                    + (v == null ? "missing" : v.toString()) + ", but must be an integer");
        return v.asInt();
    }

    private static double number(JsonNode node, String field, String line, boolean nullIsNaN) throws ProtocolException {
        JsonNode v = node.get(field);
        if (v != null && v.isNull() && nullIsNaN) return Double.NaN;
        if (v == null || !v.isNumber())
            throw new ProtocolException("malformed line " + quote(line) + ": \"" + field + "\" is "
                    + (v == null ? "missing" : v.toString()) + ", but must be a number" + (nullIsNaN ? " (or null when diverged)" : ""));
        return v.asDouble();
    }

    private static double optionalNumber(JsonNode node, String field, String line) throws ProtocolException {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? 0 : number(node, field, line, false);
    }

    private static String text(JsonNode node, String field, String line) throws ProtocolException {
        JsonNode v = node.get(field);
        if (v == null || !v.isTextual() || v.asText().isBlank())
            throw new ProtocolException("malformed line " + quote(line) + ": \"" + field + "\" is "
                    + (v == null ? "missing" : v.toString()) + ", but must be a non-empty string");
        return v.asText();
    }

    static String quote(String line) {
        String s = line.length() > 200 ? line.substring(0, 200) + "..." : line;
        return "'" + s + "'";
    }
}
