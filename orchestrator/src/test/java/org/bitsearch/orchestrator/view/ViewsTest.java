package org.bitsearch.orchestrator.view;

import com.fasterxml.jackson.databind.JsonNode;
import org.bitsearch.search.space.Architectures;
import org.bitsearch.search.space.BitAllocation;
import org.bitsearch.search.space.ModelSize;
import org.bitsearch.search.space.QuantLayer;
import org.bitsearch.search.trial.Candidate;
import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.search.trial.TrialState;
import org.bitsearch.storage.ParetoRow;
import org.bitsearch.storage.TrialRow;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

/** The read model: one computation of every number, one record per shape, the CLI's fields a subset of the API's. */
class ViewsTest {
    static final List<QuantLayer> LAYERS = Architectures.mlp(784, List.of(64, 32), 10);
    static final BitAllocation BITS = BitAllocation.of(8, 2, 4);
    static final long SIZE = ModelSize.of(LAYERS, BITS).bits();

    static TrialRow row(int number, TrialState state) {
        return new TrialRow(1, number, new Candidate(Map.of("learningRate", 0.01), BITS), 77, SIZE, state, 1, "", "done",
                "cpu:0", Optional.of(0.8), Instant.EPOCH, Instant.EPOCH);
    }

    static List<EpochMetrics> reports(double... accuracies) {
        List<EpochMetrics> l = new ArrayList<>();
        for (int i = 0; i < accuracies.length; i++) l.add(new EpochMetrics(i + 1, accuracies[i], 1, 1, 0, 0));
        return l;
    }

    @Test void numbersComeFromTheTrialRecordAndModelSize() {
        TrialView t = Views.trial(row(0, TrialState.COMPLETED), reports(0.5, 0.7, 0.6), LAYERS, true);
        assertEquals(0.6, t.valAccuracy(), "last epoch");
        assertEquals(0.7, t.bestValAccuracy(), "best epoch");
        assertEquals(3, t.epochs());
        assertEquals(SIZE / 8192.0, t.sizeKiB());
        assertEquals(ModelSize.of(LAYERS, BITS).compressionRatio(), t.compression());
        // the scales are in the size: 784*64*8 + 64*32*2 + 32*10*4 bits of weights, 3 float32 scales, 106 biases
        assertEquals(784L * 64 * 8 + 64 * 32 * 2 + 32 * 10 * 4 + 32 * 3 + 32 * 106, SIZE);
        TrialView diverged = Views.trial(row(1, TrialState.FAILED), reports(0.5, Double.NaN), LAYERS, false);
        assertNull(diverged.valAccuracy(), "NaN is null in JSON");
        assertEquals(0.5, diverged.bestValAccuracy());
        assertNull(Views.trial(row(2, TrialState.RUNNING), reports(0.5), List.of(), false).compression(), "layers unknown");

        PointView p = Views.front(List.of(new ParetoRow(1, 0, 0.6, SIZE, Optional.empty())), Map.of(0, row(0, TrialState.COMPLETED)), LAYERS).get(0);
        assertEquals(t.compression(), p.compression(), "trial table and front agree");
        assertEquals(t.sizeKiB(), p.sizeKiB());
        assertEquals(0.8, p.testAccuracy(), "the trial's measured test accuracy");
    }

    @Test void theCommandLinePrintsTheApisRecordsWithoutTheApiOnlyFields() throws Exception {
        TrialView t = Views.trial(row(0, TrialState.COMPLETED), reports(0.5, 0.7), LAYERS, true);
        JsonNode cli = ViewJson.mapper().readTree(ViewJson.cli(t));
        JsonNode api = ViewJson.mapper().valueToTree(t);
        assertEquals(List.of("number", "state", "reason", "params", "bits", "sizeBits", "attempts", "device", "epochs",
                "valAccuracy", "currentAccuracy", "bestValAccuracy", "testAccuracy"), names(cli));
        assertEquals(List.of("number", "state", "reason", "params", "bits", "sizeBits", "sizeKiB", "compression", "seed",
                "attempts", "device", "epochs", "valAccuracy", "currentAccuracy", "bestValAccuracy", "testAccuracy", "onFront", "created", "updated"), names(api));
        PointView p = Views.point(new ParetoRow(1, 0, 0.6, SIZE, Optional.empty()), row(0, TrialState.COMPLETED), LAYERS);
        assertEquals(List.of("number", "valAccuracy", "testAccuracy", "sizeBits", "sizeKiB", "compression", "bits"),
                names(ViewJson.mapper().readTree(ViewJson.cli(p))));
        assertTrue(ViewJson.mapper().valueToTree(p).has("params"));
        SearchView s = new SearchView(3, "n", "RUNNING", "", 7, Instant.EPOCH, Instant.EPOCH, new CountsView(1, 0, 1, 0, 0, 0, 0),
                null, null, null, null, null, null, false);
        assertEquals(List.of("id", "name", "state", "message", "created", "updated", "counts", "bestValAccuracy"),
                names(ViewJson.mapper().readTree(ViewJson.cli(s))));
        assertTrue(ViewJson.mapper().readTree(ViewJson.cli(s)).get("bestValAccuracy").isNull());
        assertTrue(ViewJson.mapper().valueToTree(s).has("resumable"));
    }

    private static List<String> names(JsonNode n) {
        List<String> l = new ArrayList<>();
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) l.add(it.next());
        return l;
    }
}
