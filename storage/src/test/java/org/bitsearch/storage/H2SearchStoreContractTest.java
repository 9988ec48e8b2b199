package org.bitsearch.storage;

import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/** The contract suite against H2 in a fresh temporary data directory per test. */
class H2SearchStoreContractTest extends SearchStoreContract {
    @TempDir Path dir;

    @Override protected SearchStore openStore() { return H2SearchStore.open(dir); }

    @Override protected Path dataDir() { return dir; }
}
