package org.bitsearch.orchestrator.http;

import org.bitsearch.orchestrator.view.SearchView;
import org.bitsearch.storage.H2SearchStore;
import org.bitsearch.storage.SearchRow;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A search this process gave up after a storage failure (its row still says RUNNING: the store could not record
 * more) reads as FAILED with the cause and what to do; other searches read as stored. Real H2.
 */
class SearchReaderFailureTest {
    @TempDir Path dir;

    @Test
    void aSearchGivenUpAfterAStorageFailureReadsAsFailedWithItsCause() {
        try (H2SearchStore store = H2SearchStore.open(dir)) {
            SearchRow broken = store.createSearch("broken", "{}", 1);
            SearchRow fine = store.createSearch("fine", "{}", 2);
            Map<Long, String> failures = Map.of(broken.id(), "storage failure: Writing to " + dir + " failed");
            SearchReader reader = new SearchReader(store, s -> { throw new IllegalStateException("no trainer needed"); },
                    id -> Optional.ofNullable(failures.get(id)));

            SearchView b = reader.search(broken.id()).orElseThrow();
            assertEquals("RUNNING", store.search(broken.id()).orElseThrow().state().name(), "the row is unchanged");
            assertEquals("FAILED", b.state());
            assertTrue(b.message().startsWith("could not go on: storage failure: Writing to"), b.message());
            assertTrue(b.message().contains("resume search " + broken.id()), b.message());
            assertEquals("RUNNING", reader.search(fine.id()).orElseThrow().state());
            assertEquals("FAILED", reader.searches().stream().filter(s -> s.id() == broken.id()).findFirst().orElseThrow().state());
        }
    }
}
