package org.bitsearch.orchestrator.view;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * The one JSON mapper of the read model (java.time and Optional support; instants as ISO-8601 text), used by the
 * REST API and by the command line's {@code --json}. Both print the same view records: the API all of their
 * fields, the command line those not marked {@link ApiOnly} (README lists both shapes). Thread-safe.
 */
public final class ViewJson {
    /** Marks a view field that only the REST API shows; the command line's {@code --json} leaves it out. */
    public interface ApiOnly {}

    /** The command line's JSON view: every field not marked {@link ApiOnly}. */
    public interface Cli {}

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .addModule(new Jdk8Module())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .build();

    private ViewJson() {}

    public static ObjectMapper mapper() { return MAPPER; }

    /** {@code value} as the command line prints it: indented, without the {@link ApiOnly} fields. */
    public static String cli(Object value) {
        try {
            return MAPPER.writerWithView(Cli.class).withDefaultPrettyPrinter().writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    /** A finite double as is, NaN or infinite as {@code null} (JSON has no NaN). */
    public static Double finite(double d) { return Double.isFinite(d) ? d : null; }
}
