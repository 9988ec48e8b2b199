package org.bitsearch.orchestrator.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The lines of {@code bitsearch run}'s terminal progress block, as a pure function of a {@link Snapshot}:
 * <pre>
 * [########------------]  7/24 trials  4 completed, 2 pruned, 1 failed | 1m12s elapsed, ETA 2m55s
 * running: #7 epoch 3/9, #8 epoch 1/9
 * front: 0.8712@12.3KiB 0.8650@6.1KiB 0.8011@2.0KiB
 * </pre>
 * Every line is cut to {@code width - 1} characters so that the terminal never wraps it (the block is redrawn by
 * moving the cursor up one line per line). Plain ASCII, so that any terminal shows it.
 */
final class ProgressView {
    static final int BAR = 20;

    private ProgressView() {}

    /** One running trial and the epochs it has finished (the last one it reported; 0 before its first). */
    record Running(int number, int epoch) {}

    /** One front point: final-epoch validation accuracy and size in KiB. */
    record Point(double accuracy, double sizeKiB) {}

    /**
     * @param doneAtStart trials already finished when this process started (a resume): the ETA uses this
     *                    session's rate only
     * @param budget      maxTrials, 0 if unknown
     * @param maxEpochs   the budget's epochs per trial, 0 if unknown
     */
    record Snapshot(int completed, int pruned, int failed, int doneAtStart, int budget, int maxEpochs,
                    Duration elapsed, List<Running> running, List<Point> front) {
        Snapshot {
            running = List.copyOf(running);
            front = List.copyOf(front);
        }

        int done() { return completed + pruned + failed; }
    }

    static List<String> render(Snapshot s, int width) {
        List<String> lines = new ArrayList<>();
        int done = s.done();
        StringBuilder head = new StringBuilder();
        if (s.budget() > 0) {
            int filled = (int) Math.min(BAR, Math.round(BAR * (double) done / s.budget()));
            head.append('[').append("#".repeat(filled)).append("-".repeat(BAR - filled)).append("] ");
            head.append(String.format(Locale.ROOT, "%d/%d trials", done, s.budget()));
        } else {
            head.append(String.format(Locale.ROOT, "%d trials", done));
        }
        head.append(String.format(Locale.ROOT, "  %d completed, %d pruned, %d failed | %s elapsed, ETA %s",
                s.completed(), s.pruned(), s.failed(), duration(s.elapsed()), eta(s)));
        lines.add(head.toString());

        StringBuilder running = new StringBuilder("running:");
        if (s.running().isEmpty()) running.append(" none");
        List<Running> byNumber = s.running().stream().sorted(Comparator.comparingInt(Running::number)).toList();
        for (int i = 0; i < byNumber.size(); i++) {
            Running r = byNumber.get(i);
            running.append(i == 0 ? " " : ", ").append('#').append(r.number()).append(" epoch ").append(r.epoch());
            if (s.maxEpochs() > 0) running.append('/').append(s.maxEpochs());
        }
        lines.add(running.toString());

        StringBuilder front = new StringBuilder("front:");
        if (s.front().isEmpty()) front.append(" none yet");
        s.front().stream().sorted(Comparator.comparingDouble(Point::accuracy).reversed())
                .forEach(p -> front.append(String.format(Locale.ROOT, " %.4f@%.1fKiB", p.accuracy(), p.sizeKiB())));
        lines.add(front.toString());
        return lines.stream().map(l -> fit(l, width)).toList();
    }

    /** "ETA 2m55s" from this session's rate; "?" before its first finished trial or without a budget. */
    static String eta(Snapshot s) {
        int doneHere = s.done() - s.doneAtStart();
        if (s.budget() <= 0 || doneHere <= 0) return "?";
        int left = Math.max(0, s.budget() - s.done());
        long millis = Math.round(s.elapsed().toMillis() / (double) doneHere * left);
        return duration(Duration.ofMillis(millis));
    }

    /** 9s, 1m05s, 2h03m. */
    static String duration(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 60) return s + "s";
        if (s < 3600) return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
    }

    /** Cuts a line to width - 1 characters (ending in "..." when cut); widths under 10 count as 10. */
    static String fit(String line, int width) {
        int max = Math.max(10, width) - 1;
        if (line.length() <= max) return line;
        return line.substring(0, max - 3) + "...";
    }
}
