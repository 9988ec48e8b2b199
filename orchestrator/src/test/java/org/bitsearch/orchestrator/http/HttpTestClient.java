package org.bitsearch.orchestrator.http;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.fail;

/** A small blocking client of a test server. */
final class HttpTestClient {
    final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    final String base;
    final String[] defaults;

    HttpTestClient(String base, String... defaultHeaders) {
        this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        this.defaults = defaultHeaders.clone();
    }

    HttpResponse<String> send(String method, String path, HttpRequest.BodyPublisher body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60)).method(method, body);
        if (defaults.length > 0) b.headers(defaults);
        if (headers.length > 0) b.headers(headers);
        try {
            return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(method + " " + path + " failed: " + e, e);
        }
    }

    HttpResponse<String> get(String path) { return send("GET", path, HttpRequest.BodyPublishers.noBody()); }

    /** A POST; a non-empty body without a Content-Type among {@code headers} is sent as application/yaml. */
    HttpResponse<String> post(String path, String body, String... headers) {
        boolean typed = false;
        for (int i = 0; i < headers.length; i += 2) typed |= headers[i].equalsIgnoreCase("Content-Type");
        for (int i = 0; i < defaults.length; i += 2) typed |= defaults[i].equalsIgnoreCase("Content-Type");
        if (!typed && !body.isEmpty()) {
            String[] withType = java.util.Arrays.copyOf(headers, headers.length + 2);
            withType[headers.length] = "Content-Type";
            withType[headers.length + 1] = "application/yaml";
            headers = withType;
        }
        return send("POST", path, HttpRequest.BodyPublishers.ofString(body), headers);
    }

    static JsonNode json(HttpResponse<String> response) {
        try {
            return JsonSupport.mapper().readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON (" + response.statusCode() + "): " + response.body(), e);
        }
    }

    JsonNode getJson(String path) {
        HttpResponse<String> r = get(path);
        if (r.statusCode() != 200) fail("GET " + path + " answered " + r.statusCode() + ": " + r.body());
        return json(r);
    }

    /** Polls {@code path} until {@code done} holds, failing after {@code timeout}. */
    JsonNode await(String path, Predicate<JsonNode> done, Duration timeout, String what) {
        long end = System.nanoTime() + timeout.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < end) {
            last = getJson(path);
            if (done.test(last)) return last;
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
        return fail("timed out after " + timeout + " waiting for " + what + "; last: " + Optional.ofNullable(last).map(JsonNode::toString).orElse("none"));
    }
}
