package org.bitsearch.tests.search;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code bitsearch run --ui 0 SPEC} in a real process: while the search runs, the page and the API are served on
 * the printed address (the one process that owns the database), and the run still ends with its front and exit 0.
 */
class RunWithUiTest {
    private static final Pattern WATCH = Pattern.compile("watch it in a browser: (http://127\\.0\\.0\\.1:\\d+/)#/search/(\\d+)");

    private static final String SPEC = """
            name: watched
            seed: 3
            trainer: {kind: simulated, hidden: [32, 16], epochSeconds: 0.25}
            space:
              params:
                learningRate: {type: logfloat, low: 0.0001, high: 0.01}
              bits: {allowed: [2, 4, 8]}
            budget: {maxTrials: 4, maxEpochs: 3, maxConcurrent: 2}
            """;

    @TempDir Path dir;

    @Test void runServesThePageForTheSearchItRuns() throws Exception {
        Path spec = dir.resolve("spec.yaml");
        Files.writeString(spec, SPEC);
        try (CliProcess cli = CliProcess.start(dir, "run", "--ui", "0", "--db", dir.resolve("db").toString(), spec.toString())) {
            cli.awaitErr(lines -> lines.stream().anyMatch(l -> WATCH.matcher(l).find()), 90);
            Matcher m = cli.err.stream().map(WATCH::matcher).filter(Matcher::find).findFirst().orElseThrow();
            String base = m.group(1);
            assertEquals("1", m.group(2));
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(base)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, page.statusCode());
            assertTrue(page.body().contains("<title>bitsearch</title>"), page.body());
            HttpResponse<String> search = http.send(HttpRequest.newBuilder(URI.create(base + "api/searches/1")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, search.statusCode(), search.body());
            assertTrue(search.body().contains("\"name\":\"watched\""), search.body());
            HttpResponse<String> deleting = http.send(HttpRequest.newBuilder(URI.create(base + "api/searches/1"))
                    .DELETE().build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(409, deleting.statusCode(), "the search it runs cannot be deleted: " + deleting.body());
            assertEquals(0, cli.await(120), String.join("\n", cli.err));
            assertTrue(cli.stdout().contains("trial"), cli.stdout());
        }
    }

    @Test void aBadUiPortIsBadInput() throws Exception {
        Path spec = dir.resolve("spec.yaml");
        Files.writeString(spec, SPEC.replace("watched", "never"));
        try (CliProcess cli = CliProcess.start(dir, "run", "--ui", "70000", "--db", dir.resolve("db2").toString(), spec.toString())) {
            assertEquals(2, cli.await(60), String.join("\n", cli.err));
            assertTrue(String.join("\n", cli.err).contains("--ui is 70000, but must be a port in 0..65535"), String.join("\n", cli.err));
        }
    }
}
