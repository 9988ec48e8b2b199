package org.bitsearch.tests.search;

import org.bitsearch.orchestrator.Main;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Runs bitsearch's command line inside the test JVM ({@link Main#commandLine()}, the same code as the launcher) and
 * captures what it prints. Saves a JVM start per call; tests that need a separate process (kills, signals) use
 * {@link CliProcess} instead. Not for concurrent use: it swaps {@code System.out} and {@code System.err}.
 */
final class InProcessCli {
    /** The exit code and the text printed on standard output and standard error. */
    record Result(int exit, String out, String err) {}

    private InProcessCli() {}

    static Result run(String... args) {
        PrintStream out = System.out, err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            code = Main.commandLine().execute(args);
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        return new Result(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }
}
