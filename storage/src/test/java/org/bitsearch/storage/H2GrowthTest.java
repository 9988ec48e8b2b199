package org.bitsearch.storage;

import org.bitsearch.search.space.BitAllocation;
import org.bitsearch.search.trial.Candidate;
import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.search.trial.TrialState;
import org.bitsearch.search.trial.Verdict;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The database file stays bounded while a search runs: every committed report rewrites a few pages, and
 * without compaction the dead ones pile up (issue 12 measured ~45 KB per report, 156 MB after 3,000). Here
 * 2,000 reports of 200 trials (10 epochs each), with the trial writes a search makes, all through
 * one open store, as a running search does.
 */
class H2GrowthTest {
    static final int TRIALS = 200, EPOCHS = 10;
    /** Well above the live data (a few MB at most), far below the ~135 MB the uncompacted file reached. */
    static final long BOUND = 16L << 20;

    @TempDir Path dir;

    @Test
    void thousandsOfReportsKeepTheFileSmallWhileTheStoreIsOpen() throws IOException {
        Path file = dir.resolve(H2Database.FILE_NAME);
        long largest = 0;
        try (H2SearchStore store = H2SearchStore.open(dir)) {
            long id = store.createSearch("growth", "{}", 1).id();
            for (int t = 0; t < TRIALS; t++) {
                store.createTrial(id, t, new Candidate(Map.of("learningRate", 1e-3 * (t + 1)), BitAllocation.of(8, 4, 2)), t, 1000 + t);
                store.markRunning(id, t, "cpu:0");
                for (int e = 1; e <= EPOCHS; e++) {
                    double acc = 0.5 + 0.04 * e + 1e-4 * t;
                    store.recordReport(id, t, new EpochMetrics(e, acc, 1 - acc, 1.1 - acc, 0.5, 1000), Verdict.proceed());
                }
                store.finishTrial(id, t, TrialState.COMPLETED, "");
                largest = Math.max(largest, Files.size(file));
            }
            assertEquals(TRIALS * EPOCHS, store.reports(id).size(), "every report is there");
        }
        System.out.printf("H2GrowthTest: %d reports, largest file while open %.1f MB, after close %.1f MB%n",
                TRIALS * EPOCHS, largest / 1048576.0, Files.size(file) / 1048576.0);
        assertTrue(largest < BOUND, "the file reached " + largest + " bytes while the store was open, over " + BOUND);
        try (H2SearchStore store = H2SearchStore.open(dir)) {
            assertEquals(TRIALS * EPOCHS, store.reports(1).size(), "nothing lost by compaction");
        }
    }
}
