package org.bitsearch.orchestrator.cli;

import picocli.CommandLine.Option;

/**
 * {@code --ui [PORT]} of {@code run} and {@code resume}: serve the web page (and the read API) for the search this
 * process runs, on 127.0.0.1. One process owns the database, so this is the way to watch a CLI run in a browser.
 */
public final class UiOptions {
    static final int DEFAULT_PORT = 8080;

    @Option(names = "--ui", arity = "0..1", paramLabel = "PORT", fallbackValue = "" + DEFAULT_PORT,
            description = "serve the web page for this search on http://127.0.0.1:PORT/ while it runs "
                    + "(default port " + DEFAULT_PORT + "; 0 picks a free one); the address is printed on stderr")
    Integer port;

    boolean enabled() { return port != null; }
}
