package org.bitsearch.orchestrator.cli;

import org.bitsearch.orchestrator.cli.ProgressView.Point;
import org.bitsearch.orchestrator.cli.ProgressView.Running;
import org.bitsearch.orchestrator.cli.ProgressView.Snapshot;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The terminal progress block as a pure function of what the run knows. */
class ProgressViewTest {
    @Test void rendersBarCountsElapsedEtaRunningEpochsAndFront() {
        Snapshot s = new Snapshot(4, 2, 0, 0, 24, 9, Duration.ofSeconds(72),
                List.of(new Running(8, 1), new Running(7, 3)), List.of(new Point(0.80114, 2.0), new Point(0.87123, 12.34)));
        List<String> lines = ProgressView.render(s, 200);
        assertEquals(List.of(
                "[#####---------------] 6/24 trials  4 completed, 2 pruned, 0 failed | 1m12s elapsed, ETA 3m36s",
                "running: #7 epoch 3/9, #8 epoch 1/9",
                "front: 0.8712@12.3KiB 0.8011@2.0KiB"), lines);
    }

    @Test void beforeAnyTrialFinishesTheEtaIsUnknown() {
        Snapshot s = new Snapshot(0, 0, 0, 0, 10, 4, Duration.ofSeconds(5), List.of(), List.of());
        List<String> lines = ProgressView.render(s, 120);
        assertEquals("[--------------------] 0/10 trials  0 completed, 0 pruned, 0 failed | 5s elapsed, ETA ?", lines.get(0));
        assertEquals("running: none", lines.get(1));
        assertEquals("front: none yet", lines.get(2));
    }

    @Test void aResumeEstimatesFromThisSessionsTrialsOnly() {
        // 8 were done before this process started; 2 more in 60 s: 10 left take 300 s
        Snapshot s = new Snapshot(10, 0, 0, 8, 20, 0, Duration.ofSeconds(60), List.of(new Running(10, 2)), List.of());
        assertEquals("5m00s", ProgressView.eta(s));
        assertTrue(ProgressView.render(s, 120).get(1).equals("running: #10 epoch 2"), "no maxEpochs: no /N");
        assertEquals("?", ProgressView.eta(new Snapshot(10, 0, 0, 10, 20, 0, Duration.ofSeconds(60), List.of(), List.of())));
        assertEquals("?", ProgressView.eta(new Snapshot(3, 0, 0, 0, 0, 0, Duration.ofSeconds(60), List.of(), List.of())));
    }

    @Test void aFullBarAndNoBudget() {
        assertTrue(ProgressView.render(new Snapshot(5, 0, 0, 0, 5, 1, Duration.ofHours(2).plusMinutes(3), List.of(), List.of()), 200)
                .get(0).startsWith("[####################] 5/5 trials"));
        assertTrue(ProgressView.render(new Snapshot(5, 0, 0, 0, 5, 1, Duration.ofHours(2).plusMinutes(3), List.of(), List.of()), 200)
                .get(0).contains("2h03m elapsed, ETA 0s"));
        assertTrue(ProgressView.render(new Snapshot(3, 1, 0, 0, 0, 0, Duration.ZERO, List.of(), List.of()), 200)
                .get(0).startsWith("4 trials  3 completed"));
    }

    @Test void linesNeverReachTheLastColumnSoTheTerminalNeverWrapsThem() {
        Snapshot s = new Snapshot(1, 0, 0, 0, 100, 9, Duration.ofSeconds(1),
                List.of(new Running(1, 1), new Running(2, 2), new Running(3, 3), new Running(4, 4)),
                List.of(new Point(0.9, 1), new Point(0.8, 0.5), new Point(0.7, 0.25), new Point(0.6, 0.1)));
        for (String line : ProgressView.render(s, 40)) {
            assertTrue(line.length() <= 39, line);
        }
        assertTrue(ProgressView.render(s, 40).get(0).endsWith("..."));
        assertEquals("abcdef...", ProgressView.fit("abcdefghijklmnop", 3), "widths under 10 count as 10");
    }
}
