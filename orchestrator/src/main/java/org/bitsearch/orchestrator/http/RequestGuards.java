package org.bitsearch.orchestrator.http;

import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpMethod;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.Allow;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.bitsearch.orchestrator.wiring.Utf8Text;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * The checks every API request passes before its handler runs: the method (405 with {@code Allow}), the origin
 * and bearer token of mutating requests (403, 401), and the body size (413). Each answers with the API's JSON
 * error shape. Stateless apart from the settings; thread-safe.
 */
final class RequestGuards extends AllDirectives {
    private final HttpSettings settings;
    private final AllowedHosts hosts;

    RequestGuards(HttpSettings settings, IntSupplier boundPort) {
        this.settings = settings;
        this.hosts = new AllowedHosts(settings.host(), boundPort);
    }

    /** Answers 421 to a request whose {@code Host} is not this server's (DNS rebinding), else runs {@code inner}. */
    Route host(Supplier<Route> inner) {
        return extractRequest(request -> {
            String host = header(request, "Host").orElse("");
            if (!hosts.allows(host))
                return complete(JsonSupport.error(StatusCodes.MISDIRECTED_REQUEST, "Host '" + host
                        + "' is not a name of this server (localhost, 127.0.0.1, [::1] or " + settings.host() + " with its port)"));
            return inner.get();
        });
    }

    /**
     * Requires the token, when one is set, on an API request: {@code Authorization: Bearer T}, or the query
     * parameter {@code token=T} for what cannot send headers (the page's EventSource, download links). 401 otherwise.
     */
    Route authorized(Supplier<Route> inner) {
        if (settings.token().isEmpty()) return inner.get();
        return extractRequest(request -> {
            String token = settings.token().get();
            Optional<String> query = request.getUri().query().get("token");
            if (BearerToken.matches(token, header(request, "Authorization"))
                    || query.map(q -> BearerToken.matches(token, Optional.of("Bearer " + q))).orElse(false))
                return inner.get();
            return complete(JsonSupport.error(StatusCodes.UNAUTHORIZED,
                    "this server requires a token: send the header 'Authorization: Bearer <token>' (or ?token=<token>)",
                    RawHeader.create("WWW-Authenticate", "Bearer realm=\"bitsearch\"")));
        });
    }

    /** Dispatches on the method; a method not in {@code handlers} gets 405 with the allowed ones in {@code Allow}. */
    Route methods(Map<String, Supplier<Route>> handlers) {
        return extractMethod(m -> {
            Supplier<Route> handler = handlers.get(m.name());
            if (handler != null) return handler.get();
            HttpMethod[] allowed = handlers.keySet().stream().sorted()
                    .map(name -> HttpMethods.lookup(name).orElseThrow()).toArray(HttpMethod[]::new);
            return complete(JsonSupport.error(StatusCodes.METHOD_NOT_ALLOWED, "method " + m.name()
                    + " is not allowed here; allowed: " + String.join(", ", handlers.keySet().stream().sorted().toList()),
                    Allow.create(allowed)));
        });
    }

    /** The media types a request body may have: a spec as JSON or YAML. */
    static final Set<String> BODY_TYPES = Set.of("application/json", "application/yaml",
            "application/x-yaml", "text/yaml");
    /** The media types an HTML form can send without JavaScript (a cross-site form must not launch anything). */
    static final Set<String> FORM_TYPES = Set.of("application/x-www-form-urlencoded",
            "multipart/form-data", "text/plain");

    /**
     * Guards a mutating request: same-origin only ({@code Origin} must be this server, {@code Sec-Fetch-Site}
     * must not be {@code cross-site}: 403), a body only as {@link #BODY_TYPES} and never a form's media type
     * (415; a body-less POST such as stop may send no {@code Content-Type}), and the token when one is set (see
     * {@link #authorized}).
     */
    Route mutating(Supplier<Route> inner) {
        return extractRequest(request -> {
            Optional<String> origin = header(request, "Origin");
            Optional<String> host = header(request, "Host");
            if (origin.isPresent() && !sameOrigin(origin.get(), host.orElse("")))
                return complete(JsonSupport.error(StatusCodes.FORBIDDEN,
                        "Origin " + origin.get() + " is not this server (" + host.orElse("?") + "): cross-site requests are refused"));
            if (header(request, "Sec-Fetch-Site").map(v -> v.strip().equalsIgnoreCase("cross-site")).orElse(false))
                return complete(JsonSupport.error(StatusCodes.FORBIDDEN,
                        "Sec-Fetch-Site is cross-site: cross-site requests are refused"));
            Optional<String> problem = contentTypeProblem(request);
            if (problem.isPresent()) return complete(JsonSupport.error(StatusCodes.UNSUPPORTED_MEDIA_TYPE, problem.get()));
            return authorized(inner);
        });
    }

    /** Why the request's body type is refused, or empty if it is accepted. */
    static Optional<String> contentTypeProblem(HttpRequest request) {
        HttpEntity entity = request.entity();
        boolean declared = header(request, "Content-Type").isPresent()
                || !entity.getContentType().equals(ContentTypes.APPLICATION_OCTET_STREAM);
        var media = entity.getContentType().mediaType(); // its toString carries parameters (a multipart boundary)
        String type = (media.mainType() + "/" + media.subType()).toLowerCase(Locale.ROOT);
        boolean empty = entity.isKnownEmpty()
                || (entity.getContentLengthOption().isPresent() && entity.getContentLengthOption().getAsLong() == 0);
        if (declared && FORM_TYPES.contains(type))
            return Optional.of("Content-Type is " + type + ", but must be one of " + new TreeSet<>(BODY_TYPES)
                    + " (form posts are refused)");
        if (!empty && !BODY_TYPES.contains(type))
            return Optional.of("Content-Type is " + (declared ? type : "not given") + ", but a request body must be one of "
                    + new TreeSet<>(BODY_TYPES));
        return Optional.empty();
    }

    /** Reads the request body as UTF-8 text, refusing (413) bodies over the limit. */
    Route body(Function<String, Route> inner) {
        return extractRequest(request -> {
            HttpEntity entity = request.entity();
            long max = settings.maxBodyBytes();
            if (entity.getContentLengthOption().isPresent() && entity.getContentLengthOption().getAsLong() > max)
                return complete(tooLarge(entity.getContentLengthOption().getAsLong()));
            return extractMaterializer(mat -> onComplete(entity.toStrict(30_000, max, mat), strict -> {
                if (strict.isSuccess()) {
                    byte[] bytes = strict.get().getData().toArray();
                    Optional<String> text = Utf8Text.decode(bytes);
                    if (text.isEmpty())
                        return complete(JsonSupport.error(StatusCodes.BAD_REQUEST, "request body "
                                + Utf8Text.problem(bytes)));
                    return inner.apply(text.get());
                }
                Throwable cause = unwrap(strict.failed().get());
                if (tooLarge(cause)) return complete(tooLarge(-1));
                return complete(JsonSupport.error(StatusCodes.BAD_REQUEST, "cannot read the request body: " + cause.getMessage()));
            }));
        });
    }

    /** Whether reading a body failed because it exceeded the limit (the exception may come wrapped). */
    private static boolean tooLarge(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause())
            if (c instanceof EntityStreamSizeException
                    || (c.getMessage() != null && c.getMessage().startsWith("Request too large"))) return true;
        return false;
    }

    private HttpResponse tooLarge(long length) {
        return JsonSupport.error(StatusCodes.PAYLOAD_TOO_LARGE, "request body " + (length >= 0 ? "is " + length + " bytes" : "is too large")
                + ", but must be <= " + settings.maxBodyBytes() + " bytes");
    }

    private static Optional<String> header(HttpRequest request, String name) {
        return request.getHeader(name).map(HttpHeader::value);
    }

    static boolean sameOrigin(String origin, String host) {
        int scheme = origin.indexOf("://");
        return scheme >= 0 && origin.substring(scheme + 3).equalsIgnoreCase(host);
    }

    /** The cause inside the wrappers that futures add. */
    static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null)
            t = t.getCause();
        return t;
    }
}
