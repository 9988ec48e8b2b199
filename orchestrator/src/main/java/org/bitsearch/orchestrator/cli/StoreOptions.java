package org.bitsearch.orchestrator.cli;

import org.bitsearch.storage.H2SearchStore;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The {@code --db DIR} option shared by the search commands: the data directory (database and checkpoints). */
public final class StoreOptions {
    @Option(names = "--db", paramLabel = "DIR", defaultValue = "bitsearch-data",
            description = "data directory: database and checkpoints (default: ${DEFAULT-VALUE})")
    Path db;

    Path dataDir() { return db.toAbsolutePath().normalize(); }

    H2SearchStore open() { return H2SearchStore.open(dataDir()); }

    /**
     * The store, if {@code --db} names an existing database; the read and resume commands use this so that a
     * mistyped {@code --db} creates nothing.
     *
     * @throws BadInput saying there is no database there
     */
    H2SearchStore openExisting() {
        if (!H2SearchStore.exists(dataDir()))
            throw new BadInput("there is no bitsearch database in " + dataDir()
                    + " ('bitsearch run' creates one; --db names another directory)");
        return open();
    }

    /** Bad input found while running a command: exit 2 with this message, no stack trace. */
    static final class BadInput extends RuntimeException {
        BadInput(String message) { super(message); }
    }
}
