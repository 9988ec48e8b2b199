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
}
