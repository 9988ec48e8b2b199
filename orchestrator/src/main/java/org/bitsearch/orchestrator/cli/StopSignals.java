package org.bitsearch.orchestrator.cli;

import sun.misc.Signal;
import sun.misc.SignalHandler;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Ctrl-C (SIGINT) and SIGTERM while a search runs in the foreground: the first signal runs {@code onFirst} (which
 * stops the search; the command then ends normally, exit 0, the search STOPPED and resumable), a second one exits at
 * once with 128 + the signal's number (130 for SIGINT, 143 for SIGTERM) without waiting for anything. Nothing is lost
 * by a forced exit: every recorded fact is committed to the database (the search is then left RUNNING, as after a
 * crash, and {@code bitsearch resume} goes on).
 *
 * <p>Uses {@code sun.misc.Signal} (module jdk.unsupported) instead of a JVM shutdown hook: a hook cannot change the
 * exit code, which would be 143 after SIGTERM. A signal the JVM cannot handle (ignored since start, e.g. SIGINT of a
 * background job, or {@code -Xrs}) is skipped: it keeps its default behaviour. Handlers run on a thread of their own
 * per signal; {@code onFirst} must not block for long. {@link #close()} restores the previous handlers.
 */
final class StopSignals implements AutoCloseable {
    private static final String[] SIGNALS = {"INT", "TERM"};

    private final Map<Signal, SignalHandler> previous = new LinkedHashMap<>();
    private final AtomicInteger received = new AtomicInteger();
    private final Runnable onFirst;
    private final PrintStream err;

    private StopSignals(Runnable onFirst, PrintStream err) {
        this.onFirst = onFirst;
        this.err = err;
    }

    /** Installs the handlers for SIGINT and SIGTERM. */
    static StopSignals install(Runnable onFirst, PrintStream err) {
        StopSignals s = new StopSignals(onFirst, err);
        for (String name : SIGNALS) {
            try {
                Signal signal = new Signal(name);
                s.previous.put(signal, Signal.handle(signal, s::onSignal));
            } catch (IllegalArgumentException notHandled) {
                // the JVM or the OS keeps this one (e.g. -Xrs): its default stays
            }
        }
        return s;
    }

    private void onSignal(Signal signal) {
        if (received.incrementAndGet() == 1) {
            onFirst.run();
        } else {
            err.printf("%nsecond SIG%s: exiting now (the search stays resumable: bitsearch resume)%n", signal.getName());
            err.flush();
            Runtime.getRuntime().halt(128 + signal.getNumber());
        }
    }

    /** Restores the handlers that were installed before. Idempotent. */
    @Override
    public synchronized void close() {
        previous.forEach((signal, handler) -> {
            try {
                Signal.handle(signal, handler);
            } catch (IllegalArgumentException ignored) {
                // cannot happen for a signal we handled
            }
        });
        previous.clear();
    }
}
