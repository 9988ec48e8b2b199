package org.bitsearch.orchestrator.cli;

import org.bitsearch.actors.SearchSystem;
import org.bitsearch.actors.SearchSystemSettings;
import org.bitsearch.orchestrator.wiring.StandardTrainers;
import org.bitsearch.storage.H2SearchStore;
import org.bitsearch.storage.SearchRow;
import org.bitsearch.storage.SearchState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real search (H2 in a temp dir, the real search system, the simulated trainer) run in the foreground, with its
 * progress in both modes: plain lines when not on a terminal, the redrawn block with lines above it otherwise.
 */
class ForegroundSearchTest {
    @TempDir Path dir;

    private static final String SPEC = """
            {"name": "fg", "seed": 5,
             "trainer": {"kind": "simulated", "hidden": [32, 16], "epochSeconds": 0.05},
             "space": {"params": {"learningRate": {"type": "logfloat", "low": 0.0001, "high": 0.01}},
                       "bits": {"allowed": [2, 4, 8]}},
             "pruner": {"type": "asha", "minResource": 1, "reductionFactor": 2},
             "budget": {"maxTrials": 6, "maxEpochs": 3, "maxConcurrent": 2}}
            """;

    private String run(boolean terminal) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        try (H2SearchStore store = H2SearchStore.open(dir.resolve(terminal ? "t" : "p"))) {
            SearchSystemSettings settings = SearchSystemSettings.defaults(store.dataDir(), StandardTrainers.factory())
                    .withCpuSlots(2).withUseGpus(false).withShutdownTimeout(Duration.ofSeconds(20));
            try (SearchSystem system = SearchSystem.start(store, settings)) {
                ForegroundSearch fg = new ForegroundSearch(system, store, err, terminal);
                fg.watchAt("http://127.0.0.1:1234/");
                SearchRow row = fg.run(() -> system.service().submit(SPEC));
                fg.cleanedUp();
                assertEquals(SearchState.COMPLETED, row.state());
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test void plainModePrintsOneLinePerEventAndNoEscapes() throws Exception {
        String out = run(false);
        assertFalse(out.contains("\033"), "no terminal escapes when not on a terminal");
        List<String> lines = Arrays.asList(out.split("\n"));
        // the search's own events (its start, the first trials' starts) may come before or after these two lines:
        // the supervisor runs on its own dispatcher while the command prints them
        int running = lines.indexOf("search 1 running; Ctrl-C stops it (resumable with: bitsearch resume 1)");
        assertTrue(running >= 0, out);
        for (String before : lines.subList(0, running))
            assertTrue(before.equals("search 1 'fg' started") || before.matches("trial \\d+ started on cpu:\\d \\(attempt 1, from epoch 1\\)"),
                    "only start events precede the running line: " + before);
        assertEquals("watch it in a browser: http://127.0.0.1:1234/#/search/1", lines.get(running + 1));
        assertTrue(lines.stream().anyMatch(l -> l.matches("trial \\d+ started on cpu:\\d \\(attempt 1, from epoch 1\\)")), out);
        assertTrue(lines.stream().anyMatch(l -> l.matches("trial \\d+ epoch 1: valAccuracy 0\\.\\d{4}, (CONTINUE|STOP).*")), out);
        assertEquals(6, lines.stream().filter(l -> l.matches("trial \\d+ (COMPLETED|PRUNED|FAILED).*")).count(), out);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("progress: 6 done (")), out);
        assertTrue(lines.get(lines.size() - 1).startsWith("search 1 COMPLETED"), out);
    }

    @Test void terminalModeRedrawsTheBlockInPlaceWithEveryOtherLineAboveIt() throws Exception {
        PrintStream before = System.err;
        String out = run(true);
        assertEquals(before, System.err, "stderr is given back");
        assertTrue(out.contains("\r\033[2K\033[1A\r\033[2K\033[1A\r\033[2K"), "the three-line block is erased before each redraw");
        // replay the output on a model terminal: what stays on screen is the lines above and the last block
        List<String> screen = ScreenModel.replay(out);
        int last = screen.size();
        assertTrue(screen.get(last - 3).startsWith("[####################] 6/6 trials"), screen.toString());
        assertTrue(Pattern.matches("running: none", screen.get(last - 2)), screen.toString());
        assertTrue(screen.get(last - 1).matches("front: (\\d\\.\\d{4}@\\d+\\.\\dKiB ?)+"), screen.toString());
        assertTrue(screen.subList(0, 2).stream().anyMatch(l -> l.startsWith("search 1 running")), screen.toString());
        assertEquals(6, screen.stream().filter(l -> l.matches("trial \\d+ (COMPLETED|PRUNED|FAILED).*")).count(), screen.toString());
        assertTrue(screen.stream().noneMatch(l -> l.contains("epoch 1: valAccuracy")), "epochs show in the block, not as lines");
        assertEquals(1, screen.stream().filter(l -> l.startsWith("[")).count(), "one bar on screen: " + screen);
    }

    @Test void terminalModePrintsLogLinesAboveTheBlock() throws Exception {
        // a log line written while the block is up (logback's console appender writes to System.err)
        PrintStream before = System.err;
        Thread logger = new Thread(() -> {
            try {
                while (System.err == before) Thread.sleep(5); // the block is up
                Thread.sleep(100);
                LoggerFactory.getLogger("org.bitsearch.test").warn("a log line during the run");
            } catch (InterruptedException ignored) {
                // test over
            }
        });
        logger.start();
        String out = run(true);
        logger.join();
        List<String> screen = ScreenModel.replay(out);
        assertTrue(screen.stream().anyMatch(l -> l.endsWith("a log line during the run") && !l.contains("trials")),
                "the log line is whole, on its own line: " + screen);
        assertEquals(1, screen.stream().filter(l -> l.startsWith("[")).count(), "one bar on screen: " + screen);
    }

    /** A minimal terminal: text, \n, \r, ESC[2K (clear line) and ESC[1A (cursor up). */
    static final class ScreenModel {
        static List<String> replay(String out) {
            List<StringBuilder> rows = new java.util.ArrayList<>(List.of(new StringBuilder()));
            int row = 0, col = 0;
            for (int i = 0; i < out.length(); i++) {
                char c = out.charAt(i);
                if (c == '\033') {
                    if (out.startsWith("\033[2K", i)) { rows.get(row).setLength(0); col = 0; i += 3; continue; }
                    if (out.startsWith("\033[1A", i)) { row = Math.max(0, row - 1); i += 3; continue; }
                    throw new AssertionError("unexpected escape at " + i + ": " + out.substring(i, Math.min(out.length(), i + 8)));
                }
                if (c == '\r') { col = 0; continue; }
                if (c == '\n') {
                    row++;
                    col = 0;
                    if (row == rows.size()) rows.add(new StringBuilder());
                    continue;
                }
                StringBuilder r = rows.get(row);
                if (col < r.length()) r.setCharAt(col, c); else r.append(c);
                col++;
            }
            List<String> screen = rows.stream().map(StringBuilder::toString).toList();
            int end = screen.size();
            while (end > 0 && screen.get(end - 1).isEmpty()) end--;
            return screen.subList(0, end);
        }
    }
}
