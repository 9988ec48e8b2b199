package org.bitsearch.orchestrator.http;

import java.time.Duration;
import java.util.Optional;

/**
 * How the API server binds and guards itself.
 *
 * @param host         interface to bind; anything but a loopback address requires a token
 * @param port         TCP port, 0 for a free one
 * @param token        bearer token every mutating request must carry ({@code Authorization: Bearer T}), if set
 * @param maxBodyBytes largest request body accepted; larger ones get 413
 * @param heartbeat    interval of the event stream's keep-alive comments
 */
public record HttpSettings(String host, int port, Optional<String> token, long maxBodyBytes, Duration heartbeat) {
    public static final long DEFAULT_MAX_BODY = 1024 * 1024;

    public HttpSettings {
        if (host == null || host.isBlank()) throw new IllegalArgumentException("host must not be blank");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port is " + port + ", but must be in [0, 65535]");
        if (token == null) token = Optional.empty();
        token = token.filter(t -> !t.isBlank());
        if (token.isPresent() && token.get().length() < 8)
            throw new IllegalArgumentException("token has " + token.get().length() + " characters, but must have >= 8");
        if (maxBodyBytes < 1) throw new IllegalArgumentException("maxBodyBytes is " + maxBodyBytes + ", but must be >= 1");
        if (heartbeat == null || heartbeat.isNegative() || heartbeat.isZero())
            throw new IllegalArgumentException("heartbeat is " + heartbeat + ", but must be > 0");
    }

    public static HttpSettings loopback(int port) {
        return new HttpSettings("127.0.0.1", port, Optional.empty(), DEFAULT_MAX_BODY, Duration.ofSeconds(15));
    }

    public HttpSettings withToken(String t) { return new HttpSettings(host, port, Optional.ofNullable(t), maxBodyBytes, heartbeat); }
}
