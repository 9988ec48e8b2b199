package org.bitsearch.orchestrator.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.bitsearch.orchestrator.view.ViewJson;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The API's one JSON mapper (the read model's, {@link ViewJson#mapper()}: java.time and Optional support, instants
 * as ISO-8601 text) and the helpers
 * that turn values into JSON responses. Errors always have the shape {@code {"error": "...", "problems": [...]}}.
 * Thread-safe.
 */
public final class JsonSupport {
    private static final ObjectMapper MAPPER = ViewJson.mapper();

    private JsonSupport() {}

    public static ObjectMapper mapper() { return MAPPER; }

    /** Serialises {@code value}; a value that cannot be serialised is a programming error. */
    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    public static HttpResponse json(StatusCode status, Object value, HttpHeader... headers) {
        return HttpResponse.create().withStatus(status).addHeaders(List.of(headers))
                .withEntity(ContentTypes.APPLICATION_JSON, write(value));
    }

    public static HttpResponse ok(Object value) { return json(StatusCodes.OK, value); }

    public static HttpResponse error(StatusCode status, String message, HttpHeader... headers) {
        return error(status, message, List.of(), headers);
    }

    public static HttpResponse error(StatusCode status, String message, List<String> problems, HttpHeader... headers) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", message);
        body.put("problems", List.copyOf(problems));
        return json(status, body, headers);
    }

    /** A finite double as is, NaN or infinite as {@code null} (JSON has no NaN). */
    public static Double finite(double d) { return ViewJson.finite(d); }
}
