package org.bitsearch.orchestrator.http;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.IntSupplier;

/**
 * The {@code Host} header values this server answers to, against DNS rebinding: a page on another site whose
 * name was re-pointed at 127.0.0.1 sends its own name in {@code Host}, so only {@code localhost},
 * {@code 127.0.0.1}, {@code [::1]} and the configured bind host are accepted, each with the bound port (a
 * request without a port is accepted only on port 80). When the server binds a wildcard address
 * ({@code 0.0.0.0}, {@code ::}) the names it is reached by are unknown: every host is accepted, and the token
 * that such a server must have guards it. Thread-safe; the port is read when a request is checked, since it is
 * known only once bound.
 */
final class AllowedHosts {
    private final Set<String> names;
    private final boolean any;
    private final IntSupplier port;

    AllowedHosts(String bindHost, IntSupplier port) {
        String configured = bracketed(bindHost.toLowerCase(Locale.ROOT));
        this.names = Set.copyOf(List.of("localhost", "127.0.0.1", "[::1]", configured));
        this.any = configured.equals("0.0.0.0") || configured.equals("[::]") || configured.equals("[0:0:0:0:0:0:0:0]");
        this.port = port;
    }

    /** Whether a request whose {@code Host} header is {@code host} (empty if absent) may be answered. */
    boolean allows(String host) {
        if (any) return true;
        String h = host.trim().toLowerCase(Locale.ROOT);
        if (h.isEmpty()) return false;
        int colon = h.lastIndexOf(':');
        String name = h;
        int p = 80;
        if (colon > h.lastIndexOf(']')) {
            name = h.substring(0, colon);
            try {
                p = Integer.parseInt(h.substring(colon + 1));
            } catch (NumberFormatException e) {
                return false;
            }
        }
        int bound = port.getAsInt();
        return names.contains(name) && (bound <= 0 || p == bound);
    }

    private static String bracketed(String host) {
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }
}
