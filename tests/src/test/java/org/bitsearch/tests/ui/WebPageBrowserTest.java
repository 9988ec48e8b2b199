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
 * table show every finished trial, sorts and filters the table, looks at a pruned trial's rung ladder, the loss
 * curves, the hypervolume's time axes, the parallel coordinates and the parameter importance, saves screenshots
 * under {@code target/}, then launches a slow search, watches its curves and rung ladder fill live, stops,
 * resumes and stops it again, and deletes it from the page.
 */
class WebPageBrowserTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int TRIALS = 16;

    @TempDir Path dir;
    private BitsearchServer server;
    private ChromeDriver browser;

    @BeforeEach void start() {
        server = BitsearchServer.start(dir.resolve("data"),
                new HttpSettings("127.0.0.1", 0, Optional.empty(), HttpSettings.DEFAULT_MAX_BODY, Duration.ofSeconds(5)),
                WebPageBrowserTest::settings, "browser-test");
        browser = HeadlessChromium.start(dir.resolve("chromium-profile"), 1440, 3000);
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
        // its logs (the simulated trainer keeps none: two attempt logs are written where the process trainer would),
        // the latest attempt's shown first, the other one click away
        String withLogs = browser.findElement(By.cssSelector("#trial-table tbody tr[data-state=PRUNED]")).getAttribute("data-number");
        Path logDir = Files.createDirectories(dir.resolve("data").resolve("checkpoints").resolve("1").resolve(withLogs).resolve("logs"));
        Files.writeString(logDir.resolve("attempt-1.log"), "RuntimeError: CUDA out of memory\n");
        Files.writeString(logDir.resolve("attempt-2.log"), "epoch 1 done\n");
        browser.findElement(By.cssSelector("#trial-table tbody tr[data-state=PRUNED]")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("log-text"), "epoch 1 done"));
        assertEquals(2, count("#logs button.log-file"));
        browser.findElement(By.cssSelector("#logs button[data-log='attempt-1.log']")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("log-text"), "CUDA out of memory"));
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

        // the cards say which accuracy they show
        String stats = browser.findElement(By.id("stats")).getText().toLowerCase(java.util.Locale.ROOT);
        assertTrue(stats.contains("final epoch") && stats.contains("any epoch"), stats);

        // filter the table by state
        long pruned = count("#trial-table tbody tr[data-state=PRUNED]");
        select("state-filter", "PRUNED");
        wait.until(d -> count("#trial-table tbody tr") == pruned);
        assertEquals(pruned, count("#trial-table tbody tr[data-state=PRUNED]"));
        assertEquals(pruned + " of " + TRIALS, browser.findElement(By.id("filter-count")).getText());
        select("state-filter", "");
        wait.until(d -> count("#trial-table tbody tr") == TRIALS);

        // loss curves: the same trials, another metric
        long curves = intAttribute(browser.findElement(By.id("curve-chart")), "data-curves");
        assertTrue(curves >= 1, "the front's curves are drawn");
        select("curve-metric", "valLoss");
        assertEquals("validation loss", js("return Chart.getChart(document.getElementById('curve-chart')).options.scales.y.title.text;"));
        assertEquals(curves, intAttribute(browser.findElement(By.id("curve-chart")), "data-curves"));
        select("curve-metric", "trainLoss");
        assertEquals("training loss", js("return Chart.getChart(document.getElementById('curve-chart')).options.scales.y.title.text;"));
        select("curve-metric", "valAccuracy");

        // the hypervolume over trials finished (default) and over wall clock
        assertEquals("trials", browser.findElement(By.id("hv-chart")).getAttribute("data-axis"));
        assertTrue(intAttribute(browser.findElement(By.id("hv-chart")), "data-points") >= 1);
        Object lastX = js("const d = Chart.getChart(document.getElementById('hv-chart')).data.datasets[0].data; return d[d.length - 1].x;");
        assertTrue(((Number) lastX).intValue() >= 1 && ((Number) lastX).intValue() <= TRIALS, "trials finished: " + lastX);
        select("hv-axis", "minutes");
        assertTrue(String.valueOf(js("return Chart.getChart(document.getElementById('hv-chart')).options.scales.x.title.text;")).contains("minutes"));
        select("hv-axis", "trials");

        // parallel coordinates: one line per completed trial, an axis per param, per layer's bits, and accuracy
        long completed = count("#trial-table tbody tr[data-state=COMPLETED]");
        if (completed >= 2) {
            wait.until(d -> count("#parallel svg polyline") == completed);
            assertEquals(2 + 4 + 1, intAttribute(browser.findElement(By.id("parallel")), "data-axes"), "2 params, 4 layers, val acc");
        }
        // parameter importance over the completed trials
        assertTrue(browser.findElement(By.id("importance-note")).getText().contains("epsilon-squared"));
        // learningRate, batchSize and 4 layers' bits (refetched a second after the last trial finished)
        if (completed >= 4) wait.until(d -> count("#importance [data-param]") == 2 + 4);
        else assertTrue(browser.findElement(By.id("importance")).getText().contains("at least four"));
        screenshot("ui-search.png");

        // a slow search, stopped from the page
        browser.get(server.url() + "#/");
        launch(spec("to-stop", 60, 0.3));
        wait.until(ExpectedConditions.urlMatches("#/search/2$"));
        wait.until(ExpectedConditions.textToBe(By.id("search-state"), "RUNNING"));
        wait.until(d -> count("#trial-table tbody tr[data-state=RUNNING]") > 0);
        assertTrue(!browser.findElement(By.id("delete-btn")).isEnabled(), "a running search cannot be deleted");
        // live: the learning curves and the rung ladder fill from the first reported epochs, with no reload,
        // while no trial has finished yet (epochs of 0.3 s, at least two before ASHA's first rung can stop one)
        wait.until(d -> intAttribute(browser.findElement(By.id("curve-chart")), "data-points") >= 1);
        wait.until(d -> count("#ladder li") >= 1);
        assertEquals("RUNNING", browser.findElement(By.id("search-state")).getText());
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

        // delete the stopped search from its page: gone from the list, with its checkpoints
        // the list re-renders on every poll: a row found just before a redraw is stale by the click, so find and click again
        wait.ignoring(StaleElementReferenceException.class).until(d -> {
            d.findElement(By.cssSelector("#searches tr[data-search-id='2']")).click();
            return true;
        });
        wait.until(ExpectedConditions.textToBe(By.id("search-state"), "STOPPED"));
        js("window.confirm = () => true;");
        long end = System.nanoTime() + WAIT.toNanos();
        while (server.store().search(2).isPresent() && System.nanoTime() < end) { // 409 until its last epochs end
            wait.until(ExpectedConditions.elementToBeClickable(By.id("delete-btn"))).click();
            try {
                wait.withTimeout(Duration.ofSeconds(3)).until(ExpectedConditions.urlMatches("#/$"));
            } catch (org.openqa.selenium.TimeoutException stillThere) {
                browser.get(server.url() + "#/search/2");
                wait.withTimeout(WAIT).until(ExpectedConditions.textToBe(By.id("search-state"), "STOPPED"));
            }
            wait.withTimeout(WAIT);
        }
        wait.until(ExpectedConditions.urlMatches("#/$"));
        wait.until(d -> count("#searches tbody tr") == 1);
        assertTrue(server.store().search(2).isEmpty(), "search 2 is deleted");
        assertTrue(!Files.exists(dir.resolve("data").resolve("checkpoints").resolve("2")), "with its checkpoints");

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
                // a delete tried while the stopped search's last epochs were still ending
                .filter(e -> !e.getMessage().contains("/api/searches/2 - Failed to load resource: the server responded with a status of 409"))
                .toList();
        assertTrue(errors.isEmpty(), "the page logged errors: " + errors);
    }

    @Test void thePageWorksAgainstAServerWithAToken() {
        String token = "page-token-for-tests";
        server.close();
        server = BitsearchServer.start(dir.resolve("data-token"),
                new HttpSettings("127.0.0.1", 0, Optional.of(token), HttpSettings.DEFAULT_MAX_BODY, Duration.ofSeconds(5)),
                WebPageBrowserTest::settings, "browser-test");
        browser.get(server.url());
        WebDriverWait wait = new WebDriverWait(browser, WAIT, Duration.ofMillis(100));
        wait.ignoring(StaleElementReferenceException.class);
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("token")));
        WebElement field = browser.findElement(By.id("token"));
        field.sendKeys(token);
        field.sendKeys(org.openqa.selenium.Keys.TAB); // change: stores it, reopens the event stream with it
        wait.until(ExpectedConditions.textToBe(By.id("live"), "live"));
        // with activation bits too: the heatmap and the trial table show W/A
        launch(spec("with-token", 4, 0.02).replace("nonIncreasing: true}", "nonIncreasing: true}\n  activationBits: {allowed: [4, 8]}"));
        wait.until(ExpectedConditions.urlMatches("#/search/1$"));
        wait.until(ExpectedConditions.textToBe(By.id("search-state"), "COMPLETED"));
        wait.until(d -> count("#trial-table tbody tr[data-state=COMPLETED], #trial-table tbody tr[data-state=PRUNED],"
                + " #trial-table tbody tr[data-state=FAILED]") == 4);
        assertTrue(browser.findElement(By.id("export-link")).getAttribute("href").endsWith("?token=" + token),
                "the download link carries the token");
        wait.until(d -> count("#heatmap tbody tr") >= 1);
        Object cell = js("const c = document.querySelector('#heatmap tbody tr td:nth-child(4)'); return c.textContent + '|' + c.title;");
        assertTrue(String.valueOf(cell).matches("[1248]/[48]\\|[1248]-bit weights, [48]-bit activations"), "a W/A heatmap cell: " + cell);
        Object last = js("const r = document.querySelector('#heatmap tbody tr'); return r.lastElementChild.textContent;");
        assertTrue(String.valueOf(last).endsWith("/32"), "the output layer's activations stay FP32: " + last);
    }

    @Test void aProgressiveTrialsCurrentAccuracyIsADashedCurveAndInItsLadder() {
        browser.get(server.url());
        WebDriverWait wait = new WebDriverWait(browser, WAIT, Duration.ofMillis(100));
        wait.ignoring(StaleElementReferenceException.class);
        wait.until(ExpectedConditions.textToBe(By.id("live"), "live"));
        // 4 layers, one more quantized every epoch: epochs 1-3 have a partially quantized current model
        launch(spec("progressive", 3, 0.02).replace("epochSeconds: 0.02}", "epochSeconds: 0.02, progressiveEveryEpochs: 1}")
                .replace("pruner: {type: asha, minResource: 1, reductionFactor: 2}", "pruner: {type: none}"));
        wait.until(ExpectedConditions.urlMatches("#/search/1$"));
        wait.until(ExpectedConditions.textToBe(By.id("search-state"), "COMPLETED"));
        wait.until(d -> finishedRows() == 3);
        WebElement chart = browser.findElement(By.id("curve-chart"));
        wait.until(d -> intAttribute(chart, "data-current-curves") >= 1);
        assertEquals(intAttribute(chart, "data-curves"), intAttribute(chart, "data-current-curves"), "one dashed current curve per progressive trial drawn");
        Object dash = js("return Chart.getChart(document.getElementById('curve-chart')).data.datasets.find((d) => d.label.endsWith('(current)')).borderDash.length;");
        assertEquals(2L, ((Number) dash).longValue(), "the current curve is dashed");
        browser.findElement(By.cssSelector("#trial-table tbody tr[data-state=COMPLETED]")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("ladder"), "(current "));
        select("curve-metric", "currentAccuracy");
        assertEquals("current (partially quantized) accuracy", js("return Chart.getChart(document.getElementById('curve-chart')).options.scales.y.title.text;"));
        assertEquals(0, intAttribute(chart, "data-current-curves"), "no second dashed line when the metric is the current accuracy");
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

    private Object js(String script) {
        return ((JavascriptExecutor) browser).executeScript(script);
    }

    /** Picks an option of a select and fires its change event. */
    private void select(String id, String value) {
        new org.openqa.selenium.support.ui.Select(browser.findElement(By.id(id))).selectByValue(value);
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
