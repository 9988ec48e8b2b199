package org.bitsearch.orchestrator.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/** Checks an {@code Authorization: Bearer T} header against the server's token in constant time. */
final class BearerToken {
    private BearerToken() {}

    static boolean matches(String token, Optional<String> authorization) {
        if (authorization.isEmpty()) return false;
        String value = authorization.get().trim();
        if (value.length() < 7 || !value.substring(0, 7).equalsIgnoreCase("Bearer ")) return false;
        return MessageDigest.isEqual(value.substring(7).trim().getBytes(StandardCharsets.UTF_8),
                token.getBytes(StandardCharsets.UTF_8));
    }
}
