package org.bitsearch.orchestrator.http;

import org.bitsearch.orchestrator.Main;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A server with a token: mutations need it (401 otherwise), reads stay open; off loopback a token is required. */
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

    @Test void mutationsWithTheTokenSucceedAndReadsStayOpen() {
        HttpResponse<String> r = http.post("/api/searches", TestServers.shortSpec("authorized", 2, 0), "Authorization", "Bearer " + TOKEN);
        assertEquals(201, r.statusCode(), r.body());
        long id = HttpTestClient.json(r).get("id").asLong();
        http.await("/api/searches/" + id, s -> s.get("state").asText().equals("COMPLETED"), Duration.ofSeconds(60), "completion");
        assertEquals(200, http.get("/api/searches").statusCode());
        assertEquals(200, http.get("/").statusCode());
        assertTrue(http.getJson("/api/info").get("authRequired").asBoolean());
    }

    @Test void bindingBeyondLoopbackWithoutATokenIsRefusedBeforeAnythingOpens(@TempDir Path other) {
        HttpSettings open = new HttpSettings("0.0.0.0", 0, Optional.empty(), HttpSettings.DEFAULT_MAX_BODY, Duration.ofSeconds(15));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BitsearchServer.start(other, open, TestServers::settings, "test"));
        assertTrue(e.getMessage().contains("requires a token"), e.getMessage());
        assertFalse(Files.exists(org.bitsearch.storage.H2SearchStore.databaseFile(other)), "no database may be created");
    }

    @Test void serveCommandRefusesToBindBeyondLoopbackWithoutAToken(@TempDir Path other) {
        StringWriter err = new StringWriter();
        var cli = Main.commandLine().setErr(new PrintWriter(err));
        // an empty --token means none, whatever BITSEARCH_TOKEN says
        int code = cli.execute("serve", "--db", other.toString(), "--host", "0.0.0.0", "--port", "0", "--token", "");
        assertEquals(2, code, err.toString());
        assertTrue(err.toString().contains("requires a token (--token or the environment variable BITSEARCH_TOKEN)"), err.toString());
        assertFalse(Files.exists(org.bitsearch.storage.H2SearchStore.databaseFile(other)), "no database may be created");
    }

    @Test void tokensMustNotBeTrivial() {
        assertThrows(IllegalArgumentException.class, () -> HttpSettings.loopback(0).withToken("short"));
    }
}
