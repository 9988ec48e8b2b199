package org.bitsearch.orchestrator.http;

import org.bitsearch.orchestrator.Main;
import org.bitsearch.storage.H2SearchStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A server with a token: every API request but /api/info needs it (header or ?token=, 401 otherwise), static
 * files stay open; off loopback a token is required. Also the Host allow-list against DNS rebinding.
 */
class AuthTest {
    static final String TOKEN = "s3cret-token-for-tests";
    @TempDir static Path dir;
    static BitsearchServer server;
    static HttpTestClient http;

    @BeforeAll static void start() {
        server = TestServers.start(dir, Optional.of(TOKEN));
        http = new HttpTestClient(server.url());
    }

    @AfterAll static void stop() {
        if (server != null) server.close();
    }

    @Test void mutationsWithoutTheTokenAnswer401AndWriteNothing() {
        int before = server.store().searches().size();
        for (String auth : new String[] {null, "Bearer wrong-token-123", "Basic " + TOKEN, "Bearer"}) {
            HttpResponse<String> r = auth == null ? http.post("/api/searches", TestServers.shortSpec("x", 2, 0))
                    : http.post("/api/searches", TestServers.shortSpec("x", 2, 0), "Authorization", auth);
            assertEquals(401, r.statusCode(), auth + ": " + r.body());
            assertEquals("Bearer realm=\"bitsearch\"", r.headers().firstValue("WWW-Authenticate").orElseThrow());
            assertTrue(HttpTestClient.json(r).get("error").asText().contains("Authorization: Bearer"));
        }
        assertEquals(401, http.post("/api/searches/1/stop", "").statusCode());
        assertEquals(401, http.post("/api/searches/1/resume", "").statusCode());
        assertEquals(before, server.store().searches().size());
    }

    @Test void mutationsAndReadsWithTheTokenSucceedAndReadsWithoutItAnswer401() {
        HttpResponse<String> r = http.post("/api/searches", TestServers.shortSpec("authorized", 2, 0), "Authorization", "Bearer " + TOKEN);
        assertEquals(201, r.statusCode(), r.body());
        long id = HttpTestClient.json(r).get("id").asLong();
        HttpTestClient authorized = new HttpTestClient(server.url(), "Authorization", "Bearer " + TOKEN);
        authorized.await("/api/searches/" + id, s -> s.get("state").asText().equals("COMPLETED"), Duration.ofSeconds(60), "completion");
        for (String path : new String[] {"/api/searches", "/api/searches/" + id, "/api/searches/" + id + "/trials",
                "/api/searches/" + id + "/trials/0", "/api/searches/" + id + "/reports", "/api/searches/" + id + "/pareto",
                "/api/searches/" + id + "/export", "/api/events", "/api/searches/999"}) {
            assertEquals(401, http.get(path).statusCode(), path + " without the token");
            assertEquals(401, http.get(path + (path.contains("?") ? "&" : "?") + "token=wrong-token-123").statusCode(), path);
        }
        assertEquals(200, authorized.get("/api/searches").statusCode());
        assertEquals(200, http.get("/api/searches?token=" + TOKEN).statusCode(), "the query parameter is accepted too");
        assertEquals(200, http.get("/api/searches/" + id + "/export?token=" + TOKEN).statusCode(), "download links carry it");
        assertEquals(200, http.get("/").statusCode(), "the page itself is open: it asks for the token");
        assertTrue(http.getJson("/api/info").get("authRequired").asBoolean(), "info stays open");
    }

    @Test void theEventStreamAcceptsTheTokenAsAQueryParameter() throws Exception {
        HttpResponse<InputStream> r = http.client.send(HttpRequest.newBuilder(
                URI.create(http.base + "/api/events?token=" + TOKEN)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode());
        try (var in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            assertEquals("data:{\"type\":\"Connected\"}", in.readLine());
        }
    }

    @Test void requestsForAnotherHostNameAnswer421() throws Exception {
        int port = server.port();
        assertTrue(rawGet(port, "evil.example:" + port).startsWith("HTTP/1.1 421"), "DNS rebinding: a foreign name");
        assertTrue(rawGet(port, "localhost:" + (port == 1 ? 2 : port - 1)).startsWith("HTTP/1.1 421"), "another port");
        assertTrue(rawGet(port, "localhost:" + port).startsWith("HTTP/1.1 200"), "localhost with the bound port");
        assertTrue(rawGet(port, "127.0.0.1:" + port).startsWith("HTTP/1.1 200"));
        assertTrue(rawGet(port, "[::1]:" + port).startsWith("HTTP/1.1 200"));
    }

    /** GET /api/info with a chosen Host header (java.net.http refuses to set Host). Returns the status line. */
    private static String rawGet(int port, String host) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET /api/info HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            return new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.US_ASCII)).readLine();
        }
    }

    @Test void bindingBeyondLoopbackWithoutATokenIsRefusedBeforeAnythingOpens(@TempDir Path other) {
        HttpSettings open = new HttpSettings("0.0.0.0", 0, Optional.empty(), HttpSettings.DEFAULT_MAX_BODY, Duration.ofSeconds(15));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BitsearchServer.start(other, open, TestServers::settings, "test"));
        assertTrue(e.getMessage().contains("requires a token"), e.getMessage());
        assertFalse(Files.exists(H2SearchStore.databaseFile(other)), "no database may be created");
    }

    @Test void serveCommandRefusesToBindBeyondLoopbackWithoutAToken(@TempDir Path other) {
        StringWriter err = new StringWriter();
        var cli = Main.commandLine().setErr(new PrintWriter(err));
        // an empty --token means none, whatever BITSEARCH_TOKEN says
        int code = cli.execute("serve", "--db", other.toString(), "--host", "0.0.0.0", "--port", "0", "--token", "");
        assertEquals(2, code, err.toString());
        assertTrue(err.toString().contains("requires a token (--token or the environment variable BITSEARCH_TOKEN)"), err.toString());
        assertFalse(Files.exists(H2SearchStore.databaseFile(other)), "no database may be created");
    }

    @Test void tokensMustNotBeTrivial() {
        assertThrows(IllegalArgumentException.class, () -> HttpSettings.loopback(0).withToken("short"));
    }
}
