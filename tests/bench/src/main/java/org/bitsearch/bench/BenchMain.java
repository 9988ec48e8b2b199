package org.bitsearch.bench;

import picocli.CommandLine;

/**
 * Entry point of the benchmark jar: {@code ./bitsearch bench ...} runs this class with the application jar and the
 * bench jar on the class path, so the harness stays out of the application jar.
 */
public final class BenchMain {
    private BenchMain() {}

    /** The {@code bench} command line; tests call this to validate arguments in-process. */
    public static CommandLine commandLine() {
        return new CommandLine(new BenchCommand()).setCaseInsensitiveEnumValuesAllowed(true);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
