package org.bitsearch.storage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A second process opening a data directory that a running bitsearch holds gets a clear error (H2's file lock;
 * no AUTO_SERVER), and can open it once the first process is gone, even if it was killed.
 */
class H2SecondProcessTest {
    @TempDir Path dir;

    @Test
    void aSecondProcessGetsAClearErrorUntilTheFirstIsGone() throws Exception {
        Path data = dir.resolve("data");
        try (H2SearchStore store = H2SearchStore.open(data)) {
            store.createSearch("held", "{}", 1);
        }
        Path stderr = Files.createFile(dir.resolve("child-stderr.log"));
        ChildProcess holder = ChildProcess.start(data, 0, "hold", stderr);
        try {
            holder.awaitReady(120);
            StoreException e = assertThrows(StoreException.class, () -> H2SearchStore.open(data));
            assertTrue(e.getMessage().contains("is in use by another bitsearch process"), e.getMessage());
            assertTrue(e.getMessage().contains(data.toString()), e.getMessage());
        } finally {
            assertEquals(ChildProcess.SIGKILL_EXIT, holder.kill());
        }
        try (H2SearchStore store = H2SearchStore.open(data)) {
            assertEquals(1, store.searches().size());
        }
    }
}
