package org.bitsearch.bench;

import org.bitsearch.trainers.io.AtomicFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Builds the Markdown of {@code BENCHMARKS.md}: headings, paragraphs and pipe tables, in call order, and writes it
 * through a temp file beside the target and an atomic move, so a reader never sees half a report. Not thread-safe:
 * the bench command fills it from its main thread.
 */
public final class BenchReport {
    private final StringBuilder md = new StringBuilder();

    /** A heading of {@code level} 1..6. @throws IllegalArgumentException for another level or a blank text */
    public BenchReport heading(int level, String text) {
        if (level < 1 || level > 6) throw new IllegalArgumentException("level is " + level + ", but must be in 1..6");
        if (text == null || text.isBlank()) throw new IllegalArgumentException("heading text must not be blank");
        blankLine();
        md.append("#".repeat(level)).append(' ').append(text.strip()).append("\n\n");
        return this;
    }

    /** A paragraph of text (may hold Markdown). */
    public BenchReport paragraph(String text) {
        if (text == null || text.isBlank()) throw new IllegalArgumentException("paragraph text must not be blank");
        blankLine();
        md.append(text.strip()).append("\n\n");
        return this;
    }

    /** A fenced code block. */
    public BenchReport code(String text) {
        blankLine();
        md.append("```\n").append(text.strip()).append("\n```\n\n");
        return this;
    }

    /**
     * A pipe table. Pipes in cells are escaped; numbers are the caller's formatting.
     *
     * @throws IllegalArgumentException if the header is empty or a row has another number of cells
     */
    public BenchReport table(List<String> header, List<List<String>> rows) {
        if (header == null || header.isEmpty()) throw new IllegalArgumentException("table header is empty, but must name at least one column");
        for (int i = 0; i < rows.size(); i++)
            if (rows.get(i).size() != header.size())
                throw new IllegalArgumentException("table row " + i + " has " + rows.get(i).size() + " cells, but the header has " + header.size());
        blankLine();
        row(header);
        md.append('|');
        header.forEach(h -> md.append(" --- |"));
        md.append('\n');
        rows.forEach(this::row);
        md.append('\n');
        return this;
    }

    /** An image reference {@code ![alt](file)}. */
    public BenchReport image(String alt, String file) {
        blankLine();
        md.append("![").append(alt).append("](").append(file).append(")\n\n");
        return this;
    }

    private void row(List<String> cells) {
        md.append('|');
        for (String c : cells) md.append(' ').append(c == null ? "" : c.replace("|", "\\|").replace("\n", " ")).append(" |");
        md.append('\n');
    }

    private void blankLine() {
        int n = md.length();
        if (n > 0 && !(n >= 2 && md.charAt(n - 1) == '\n' && md.charAt(n - 2) == '\n')) md.append(n > 0 && md.charAt(n - 1) == '\n' ? "\n" : "\n\n");
    }

    /** The Markdown so far, ending with exactly one newline. */
    public String markdown() {
        return md.toString().stripTrailing() + "\n";
    }

    /**
     * Writes {@link #markdown()} to {@code file}: a temp file in the same directory, then an atomic move (a plain
     * replacing move where the file system cannot move atomically).
     *
     * @throws IOException if the directory is not writable
     */
    public void write(Path file) throws IOException {
        AtomicFiles.write(file, markdown().getBytes(StandardCharsets.UTF_8));
    }

}
