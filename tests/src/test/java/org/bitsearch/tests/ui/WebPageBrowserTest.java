package org.bitsearch.tests.ui;

import org.bitsearch.actors.SearchSystemSettings;
import org.bitsearch.orchestrator.http.BitsearchServer;
import org.bitsearch.orchestrator.http.HttpSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.logging.Level;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The page in a real browser: headless Chromium against a real server (H2 in a temp dir, the real search system
 * on the simulated trainer). Launches a short search from the page, waits until the Pareto plot and the trial
 * table show every finished trial, sorts the table, looks at a pruned trial's rung ladder, saves screenshots under
 * {@code target/}, then launches a slow search and stops, resumes and stops it again from the page.
 */
class WebPageBrowserTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int TRIALS = 10;

    @TempDir Path dir;
    private BitsearchServer server;
    private ChromeDriver browser;

    @BeforeEach void start() {
        server = BitsearchServer.start(dir.resolve("data"),
                new HttpSettings("127.0.0.1", 0, Optional.empty(), HttpSettings.DEFAULT_MAX_BODY, Duration.ofSeconds(5)),
                WebPageBrowserTest::settings, "browser-test");
        browser = HeadlessChromium.start(dir.resolve("chromium-profile"), 1440, 2400);
    }

    @AfterEach void stop() {
        try {
            if (browser != null) browser.quit();
        } finally {
            if (server != null) server.close();
        }
    }

    @Test void launchWatchAndStopSearchesFromThePage() throws IOException {
        browser.get(server.url());
        WebDriverWait wait = new WebDriverWait(browser, WAIT, Duration.ofMillis(100));
        wait.ignoring(StaleElementReferenceException.class);
        wait.until(ExpectedConditions.textToBe(By.id("live"), "live"));

        // an invalid spec: every problem is listed, nothing starts
        launch(spec("invalid", 0, 0).replace("reductionFactor: 2", "reductionFactor: 1"));
        wait.until(d -> count("#spec-problems li") >= 3);
        String problems = browser.findElement(By.id("spec-problems")).getText();
        assertTrue(problems.contains("budget.maxTrials") && problems.contains("pruner.reductionFactor"), problems);
        assertEquals(0, server.store().searches().size(), "nothing is written for an invalid spec");

        // launch a short search from the form
        launch(spec("page-launched", TRIALS, 0.02));
        wait.until(ExpectedConditions.urlMatches("#/search/1$"));
        wait.until(ExpectedConditions.textToBe(By.id("search-state"), "COMPLETED"));
        wait.until(d -> finishedRows() == TRIALS);
        wait.until(d -> intAttribute(browser.findElement(By.id("pareto-chart")), "data-points") >= 1);

        int frontPoints = intAttribute(browser.findElement(By.id("pareto-chart")), "data-points");
        assertEquals(frontPoints, count("#trial-table tbody tr.front"),
                "the table marks exactly the front's trials");
        assertEquals(frontPoints, count("#heatmap tbody tr"), "one heatmap row per front point");
        assertEquals(TRIALS, intAttribute(browser.findElement(By.id("pareto-chart")), "data-trials"), "every finished trial is plotted");
        assertTrue(browser.findElement(By.id("stats")).getText().contains(TRIALS + " / " + TRIALS), browser.findElement(By.id("stats")).getText());

        // the table sorts: trial number descending on a second click of its header (ascending is the default)
        browser.findElement(By.cssSelector("#trial-table th[data-sort=number]")).click();
        wait.until(d -> String.valueOf(TRIALS - 1).equals(((JavascriptExecutor) browser).executeScript(
                "return document.querySelector('#trial-table tbody tr').dataset.number;")));
        browser.findElement(By.cssSelector("#trial-table th[data-sort=number]")).click();

        // a pruned trial's rung ladder says why it was pruned
        assertTrue(count("#trial-table tbody tr[data-state=PRUNED]") > 0, "ASHA with reduction factor 2 prunes some of " + TRIALS + " trials");
        browser.findElement(By.cssSelector("#trial-table tbody tr[data-state=PRUNED]")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("ladder"), "Pruned:"));
        assertEquals(1, count("#ladder li.stop"), "exactly one STOP verdict");
        if (frontPoints >= 2) {
            // the comparison starts with the smallest front point against the most accurate (heatmap rows: smallest first)
            Object expected = ((JavascriptExecutor) browser).executeScript("const rows = document.querySelectorAll('#heatmap tbody tr');"
                    + "return 'trial ' + rows[0].dataset.number + ' trial ' + rows[rows.length - 1].dataset.number;");
            Object shown = ((JavascriptExecutor) browser).executeScript(
                    "return [...document.querySelectorAll('#compare thead th')].map(t => t.textContent).join(' ').trim();");
            assertEquals(expected, shown);
            assertTrue(browser.findElement(By.id("compare")).getText().contains("val accuracy"));
        }
        assertTrue(browser.findElement(By.id("spec-json")).getAttribute("textContent").contains("\"page-launched\""));
        screenshot("ui-search.png");

        // a slow search, stopped from the page
        browser.get(server.url() + "#/");
        launch(spec("to-stop", 60, 0.3));
        wait.until(ExpectedConditions.urlMatches("#/search/2$"));
        wait.until(ExpectedConditions.textToBe(By.id("search-state"), "RUNNING"));
        wait.until(d -> count("#trial-table tbody tr[data-state=RUNNING]") > 0);
        wait.until(ExpectedConditions.elementToBeClickable(By.id("stop-btn"))).click();
        wait.until(ExpectedConditions.textToBe(By.id("search-state"), "STOPPED"));
        assertTrue(browser.findElement(By.id("resume-btn")).isEnabled(), "a stopped search can be resumed");
        assertTrue(!browser.findElement(By.id("stop-btn")).isEnabled());
        browser.findElement(By.id("resume-btn")).click();
        wait.until(ExpectedConditions.textToBe(By.id("search-state"), "RUNNING"));
        wait.until(ExpectedConditions.elementToBeClickable(By.id("stop-btn"))).click();
        wait.until(ExpectedConditions.textToBe(By.id("search-state"), "STOPPED"));

        browser.get(server.url() + "#/");
        wait.until(ExpectedConditions.textToBe(By.cssSelector("#searches tr[data-search-id='2'] .state"), "STOPPED"));
        wait.until(ExpectedConditions.textToBe(By.cssSelector("#searches tr[data-search-id='1'] .state"), "COMPLETED"));
        screenshot("ui-list.png");

        // a phone-sized window: one column, nothing cut off sideways
        browser.manage().window().setSize(new org.openqa.selenium.Dimension(420, 1800));
        browser.get(server.url() + "#/search/1");
        wait.until(ExpectedConditions.textToBe(By.id("search-state"), "COMPLETED"));
        wait.until(d -> finishedRows() == TRIALS);
        long overflow = (Long) ((JavascriptExecutor) browser).executeScript(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
        assertEquals(0, overflow, "the page must not scroll sideways on a narrow screen (tables scroll inside their cards)");
        screenshot("ui-narrow.png");

        List<LogEntry> errors = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
                // the invalid launch above: Chromium logs every 4xx answer to fetch()
                .filter(e -> !e.getMessage().contains("/api/searches - Failed to load resource: the server responded with a status of 400"))
                .toList();
        assertTrue(errors.isEmpty(), "the page logged errors: " + errors);
    }

    private void launch(String spec) {
        WebElement text = browser.findElement(By.id("spec-text"));
        ((JavascriptExecutor) browser).executeScript("arguments[0].value = arguments[1];", text, spec);
        browser.findElement(By.id("launch-btn")).click();
    }

    /** Counted in the page in one go: the table is re-rendered on every event, so elements go stale. */
    private long finishedRows() {
        return count("#trial-table tbody tr[data-state=COMPLETED], #trial-table tbody tr[data-state=PRUNED]");
    }

    private long count(String css) {
        return ((Number) ((JavascriptExecutor) browser).executeScript(
                "return document.querySelectorAll(arguments[0]).length;", css)).longValue();
    }

    private static int intAttribute(WebElement e, String name) {
        String v = e.getAttribute(name);
        return v == null || v.isEmpty() ? -1 : Integer.parseInt(v);
    }

    private void screenshot(String name) throws IOException {
        Path target = Path.of("target", name);
        Files.createDirectories(target.getParent());
        Files.copy(browser.getScreenshotAs(OutputType.FILE).toPath(), target, StandardCopyOption.REPLACE_EXISTING);
    }

    private static String spec(String name, int trials, double epochSeconds) {
        return """
                name: %s
                seed: 11
                trainer: {kind: simulated, hidden: [256, 128, 64], epochSeconds: %s}
                space:
                  params:
                    learningRate: {type: logfloat, low: 0.0001, high: 0.01}
                    batchSize: {type: categorical, choices: [64, 128]}
                  bits: {allowed: [1, 2, 4, 8], nonIncreasing: true}
                pruner: {type: asha, minResource: 1, reductionFactor: 2}
                budget: {maxTrials: %d, maxEpochs: 8, maxConcurrent: 2}
                """.formatted(name, epochSeconds, trials);
    }

    private static SearchSystemSettings settings(SearchSystemSettings defaults) {
        return defaults.withCpuSlots(2).withUseGpus(false).withShutdownTimeout(Duration.ofSeconds(20));
    }
}
