package org.bitsearch.orchestrator.http;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StaticFilesTest {

    @Test
    void mapsPlainPathsIntoTheUiFolderAndTheChartWebJar() {
        assertEquals(Optional.of("bitsearch-ui/index.html"), StaticFiles.resourceFor("/"));
        assertEquals(Optional.of("bitsearch-ui/app.js"), StaticFiles.resourceFor("/app.js"));
        assertEquals(Optional.of("chart:chart.umd.min.js"), StaticFiles.resourceFor("/vendor/chart.js/chart.umd.min.js"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/..%2fpom.xml", "/../pom.xml", "/%2e%2e/%2e%2e/etc/passwd", "/..%2F..%2Fetc%2Fpasswd",
            "/vendor/chart.js/..%2f..%2fpackage.json", "/a%5c..%5cb", "/./index.html", "/x%00.js", "//etc/passwd",
            "/index.html/", "/%zz", "/.hidden"})
    void refusesEverythingButPlainSegments(String path) {
        assertTrue(StaticFiles.resourceFor(path).isEmpty(), path + " must not map to a resource");
    }

    @Test
    void servesTheRealFilesWithTheirContentTypes() {
        StaticFiles files = new StaticFiles();
        var index = files.get("/").orElseThrow();
        assertEquals("text/html; charset=UTF-8", index.entity().getContentType().toString());
        var chart = files.get("/vendor/chart.js/chart.umd.min.js").orElseThrow();
        assertTrue(chart.entity().getContentType().toString().startsWith("application/javascript"));
        assertTrue(files.get("/missing.js").isEmpty());
    }
}
