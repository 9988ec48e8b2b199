package org.bitsearch.orchestrator.cli;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.util.List;

/**
 * A block of status lines kept at the bottom of a terminal, redrawn in place, with log lines printed above it:
 * {@link #show} replaces the block, {@link #log} prints a line above it, and {@link #logStream()} is an
 * {@link OutputStream} (for {@code System.setErr}, so that logback's console appender and any other writer go
 * through it) that prints each complete line above the block. The block's lines must not wrap (see
 * {@link ProgressView#fit}): it is erased by moving the cursor up one line per line (ANSI {@code ESC[1A},
 * {@code ESC[2K}). Thread-safe (synchronized).
 */
final class TerminalBlock {
    private static final String CLEAR_LINE = "\r\033[2K";
    private static final String UP = "\033[1A";

    private final PrintStream out;
    private List<String> block = List.of();

    TerminalBlock(PrintStream out) {
        this.out = out;
    }

    synchronized void show(List<String> lines) {
        StringBuilder sb = new StringBuilder(erase());
        block = List.copyOf(lines);
        sb.append(String.join("\n", block));
        out.print(sb);
        out.flush();
    }

    synchronized void log(String line) {
        StringBuilder sb = new StringBuilder(erase());
        sb.append(line).append('\n').append(String.join("\n", block));
        out.print(sb);
        out.flush();
    }

    /** Leaves the block as it is and moves below it; later output starts on a fresh line. */
    synchronized void finish() {
        if (!block.isEmpty()) out.print('\n');
        block = List.of();
        out.flush();
    }

    private String erase() {
        if (block.isEmpty()) return "";
        return CLEAR_LINE + (UP + CLEAR_LINE).repeat(block.size() - 1);
    }

    /** A stream whose complete lines go above the block (a partial line waits for its newline). */
    OutputStream logStream(Charset charset) {
        return new OutputStream() {
            private final ByteArrayOutputStream line = new ByteArrayOutputStream();

            @Override public void write(int b) {
                synchronized (TerminalBlock.this) {
                    if (b == '\n') {
                        String text = line.toString(charset);
                        line.reset();
                        log(text.endsWith("\r") ? text.substring(0, text.length() - 1) : text);
                    } else {
                        line.write(b);
                    }
                }
            }

            @Override public void write(byte[] b, int off, int len) {
                synchronized (TerminalBlock.this) {
                    for (int i = off; i < off + len; i++) write(b[i]);
                }
            }
        };
    }
}
