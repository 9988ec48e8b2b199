package org.bitsearch.orchestrator.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.bitsearch.orchestrator.view.ParetoView;
import org.bitsearch.orchestrator.view.TrialView;
import org.bitsearch.orchestrator.view.ViewJson;
import org.bitsearch.search.space.BitAllocation;
import org.bitsearch.search.trial.Candidate;
import org.bitsearch.storage.H2SearchStore;
import org.bitsearch.storage.ParetoRow;
import org.bitsearch.storage.SearchRow;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The read model behind the REST API ({@link SearchReader}) over a real H2 store: a trial's activation bits are in
 * its {@link TrialView} and its front point's view, and in the API's JSON as {@code activationBits}; a trial
 * without them (FP32 activations) has no such field, so the JSON of searches without activationBits is unchanged.
 */
class ActivationBitsViewsTest {
    @TempDir Path dir;

    @Test
    void activationBitsReachTheTrialAndFrontViewsAndTheirJson() throws Exception {
        try (H2SearchStore store = H2SearchStore.open(dir)) {
            SearchRow s = store.createSearch("wa", "{}", 1);
            store.createTrial(s.id(), 0, new Candidate(Map.of("lr", 0.01), BitAllocation.of(4, 8), BitAllocation.of(2, 32)), 1, 1000);
            store.createTrial(s.id(), 1, new Candidate(Map.of("lr", 0.02), BitAllocation.of(8, 8)), 2, 2000);
            store.replaceFront(s.id(), List.of(new ParetoRow(s.id(), 0, 0.8, 1000, Optional.empty())), 0.5);
            SearchReader reader = new SearchReader(store, row -> { throw new IllegalStateException("no trainer needed"); });

            List<TrialView> trials = reader.trials(s.id()).orElseThrow();
            assertEquals(List.of(2, 32), trials.get(0).activationBits());
            assertNull(trials.get(1).activationBits());
            ParetoView front = reader.pareto(s.id()).orElseThrow();
            assertEquals(List.of(2, 32), front.points().get(0).activationBits());

            JsonNode t0 = ViewJson.mapper().valueToTree(trials.get(0)), t1 = ViewJson.mapper().valueToTree(trials.get(1));
            assertEquals("[2,32]", t0.get("activationBits").toString());
            assertFalse(t1.has("activationBits"), "FP32 activations: no field, as before: " + t1);
            JsonNode p = ViewJson.mapper().valueToTree(front.points().get(0));
            assertEquals("[4,8]", p.get("bits").toString());
            assertEquals("[2,32]", p.get("activationBits").toString());
            String csv = ExportBuilder.trialsCsv(trials, List.of("dense0", "dense1"), Map.of());
            assertTrue(csv.lines().findFirst().orElseThrow().contains(",bits.dense0,bits.dense1,activationBits.dense0,activationBits.dense1,"), csv);
            assertTrue(csv.lines().skip(1).findFirst().orElseThrow().contains(",4,8,2,32,"), csv);
        }
    }
}
