package org.bitsearch.bench;

import java.io.PrintStream;
import java.nio.file.Path;

/**
 * What one {@code bitsearch bench} run measures and how much: the mode, the repeats per figure, the dataset.
 *
 * @param quick   the small mode (minutes instead of up to half an hour)
 * @param repeats repetitions of each measured figure (>= 1; min/median/max are over them)
 * @param dataDir the Fashion-MNIST IDX directory
 * @param log     where progress lines go (stderr)
 */
public record BenchConfig(boolean quick, int repeats, Path dataDir, PrintStream log) {
    public BenchConfig {
        if (repeats < 1) throw new IllegalArgumentException("--repeats is " + repeats + ", but must be >= 1");
        if (dataDir == null) throw new IllegalArgumentException("--data must be given");
        if (log == null) throw new IllegalArgumentException("log must not be null");
    }

    /** {@code full} in the full mode, {@code quick} in the quick one. */
    public int pick(int full, int quick) { return this.quick ? quick : full; }

    /** Prints one progress line. */
    public void progress(String format, Object... args) {
        log.printf(java.util.Locale.ROOT, "[bench] " + format + "%n", args);
        log.flush();
    }
}
