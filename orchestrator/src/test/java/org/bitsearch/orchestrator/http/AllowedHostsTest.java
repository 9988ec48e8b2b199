package org.bitsearch.orchestrator.http;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AllowedHostsTest {
    @Test void loopbackNamesAndTheBindHostWithTheBoundPortOnly() {
        AllowedHosts hosts = new AllowedHosts("192.168.1.5", () -> 8080);
        for (String ok : new String[] {"localhost:8080", "LOCALHOST:8080", "127.0.0.1:8080", "[::1]:8080", "192.168.1.5:8080"})
            assertTrue(hosts.allows(ok), ok);
        for (String bad : new String[] {"", "evil.example:8080", "localhost:8081", "localhost", "127.0.0.1:x",
                "localhost.evil.example:8080", "[::2]:8080"})
            assertFalse(hosts.allows(bad), bad);
        assertTrue(new AllowedHosts("127.0.0.1", () -> 80).allows("localhost"), "no port means 80");
    }

    @Test void anIpv6BindHostIsComparedInBrackets() {
        assertTrue(new AllowedHosts("::1", () -> 9000).allows("[::1]:9000"));
        assertTrue(new AllowedHosts("fe80::1", () -> 9000).allows("[fe80::1]:9000"));
    }

    @Test void aWildcardBindAcceptsAnyNameSinceItMustHaveAToken() {
        assertTrue(new AllowedHosts("0.0.0.0", () -> 8080).allows("my-workstation:8080"));
        assertTrue(new AllowedHosts("::", () -> 8080).allows("my-workstation:8080"));
    }
}
