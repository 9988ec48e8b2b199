package org.bitsearch.orchestrator.cli;

import java.io.File;
import java.util.concurrent.TimeUnit;

/**
 * The terminal's width in columns, for {@link ProgressView}: {@code $COLUMNS} if set, else {@code stty size}
 * on {@code /dev/tty}, else 80. Looked up at most every few seconds (a resized window is seen soon).
 */
final class TerminalWidth {
    private static final long REFRESH_NANOS = TimeUnit.SECONDS.toNanos(3);
    private int columns = -1;
    private long readAt;

    synchronized int columns() {
        if (columns < 0 || System.nanoTime() - readAt > REFRESH_NANOS) {
            columns = read();
            readAt = System.nanoTime();
        }
        return columns;
    }

    private static int read() {
        String env = System.getenv("COLUMNS");
        if (env != null && env.matches("\\d{2,4}")) return Integer.parseInt(env);
        File tty = new File("/dev/tty");
        if (!tty.exists()) return 80;
        try {
            Process p = new ProcessBuilder("stty", "size").redirectInput(tty).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            if (p.waitFor(2, TimeUnit.SECONDS) && p.exitValue() == 0 && out.matches("\\d+ \\d+"))
                return Math.max(20, Integer.parseInt(out.split(" ")[1]));
        } catch (Exception e) {
            // no terminal to ask
        }
        return 80;
    }
}
