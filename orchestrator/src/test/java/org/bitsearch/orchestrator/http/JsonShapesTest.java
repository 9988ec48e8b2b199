package org.bitsearch.orchestrator.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.bitsearch.actors.api.SearchEvent;
import org.bitsearch.orchestrator.view.TrialView;
import org.bitsearch.search.pareto.FrontPoint;
import org.bitsearch.search.trial.Decision;
import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.search.trial.TrialState;
import org.bitsearch.search.trial.Verdict;
import org.bitsearch.storage.SearchState;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The JSON shapes clients depend on: event names and fields, plain field names, CSV quoting. */
class JsonShapesTest {

    @Test void eventsCarryTheirTypeAndPlainFields() throws Exception {
        JsonNode epoch = JsonSupport.mapper().readTree(EventStream.toJson(new SearchEvent.EpochReported(3, 7,
                new EpochMetrics(2, 0.81, 0.5, 0.6, 1.5, 4000), new Verdict(Decision.STOP, 1, "rank 3 of 4"))));
        assertEquals("EpochReported", epoch.get("type").asText());
        assertEquals(3, epoch.get("searchId").asLong());
        assertEquals(7, epoch.get("number").asInt());
        assertEquals(0.81, epoch.get("metrics").get("valAccuracy").asDouble());
        assertEquals("STOP", epoch.get("verdict").get("decision").asText());
        assertEquals("rank 3 of 4", epoch.get("verdict").get("reason").asText());

        JsonNode front = JsonSupport.mapper().readTree(EventStream.toJson(new SearchEvent.FrontChanged(3, List.of(new FrontPoint(1, 0.9, 1000)), 0.5)));
        assertEquals("FrontChanged", front.get("type").asText());
        assertEquals(1000, front.get("front").get(0).get("sizeBits").asLong());

        JsonNode done = JsonSupport.mapper().readTree(EventStream.toJson(new SearchEvent.SearchFinished(3, SearchState.STOPPED, "stopped by user")));
        assertEquals("SearchFinished", done.get("type").asText());
        assertEquals("STOPPED", done.get("state").asText());
        JsonNode finished = JsonSupport.mapper().readTree(EventStream.toJson(new SearchEvent.TrialFinished(3, 1, TrialState.PRUNED, "r")));
        assertEquals("PRUNED", finished.get("state").asText());
    }

    @Test void nonFiniteNumbersBecomeNull() {
        assertEquals(null, JsonSupport.finite(Double.NaN));
        assertEquals(null, JsonSupport.finite(Double.POSITIVE_INFINITY));
        assertEquals(0.5, JsonSupport.finite(0.5));
    }

    @Test void instantsAreIsoText() throws Exception {
        JsonNode n = JsonSupport.mapper().readTree(JsonSupport.write(Map.of("at", Instant.parse("2026-01-02T03:04:05Z"))));
        assertEquals("2026-01-02T03:04:05Z", n.get("at").asText());
    }

    @Test void csvQuotesFieldsWithCommasQuotesAndNewlines() {
        TrialView t = new TrialView(4, "FAILED", "boom, \"bad\"\nline", Map.of("optimizer", "adam", "learningRate", 0.001),
                List.of(8, 4), null, 1000, 1000 / 8192.0, 2.5, 1, 2, "cpu:0", 3, 0.5, 0.6, null, false, Instant.EPOCH, Instant.EPOCH);
        String[] lines = ExportBuilder.trialsCsv(List.of(t), List.of("dense0", "dense1"), Map.of(4, 12.5)).split("\n", 2);
        assertEquals("number,state,reason,seed,attempts,epochs,seconds,sizeBits,sizeKiB,compression,valAccuracy,"
                + "bestValAccuracy,testAccuracy,onFront,bits.dense0,bits.dense1,params.learningRate,params.optimizer", lines[0]);
        assertEquals("4,FAILED,\"boom, \"\"bad\"\"\nline\",1,2,3,12.500,1000,0.1221,2.5000,0.5000,0.6000,,false,8,4,0.001,adam\n", lines[1]);
    }

    @Test void csvHasAColumnPerParameterOfAnyTrialAndPerLayer() {
        TrialView a = new TrialView(0, "COMPLETED", "", Map.of("learningRate", 0.01), List.of(2, 1, 8), null, 10, 0.001, 3.0,
                7, 1, "cpu:0", 2, 0.5, 0.5, null, true, Instant.EPOCH, Instant.EPOCH);
        TrialView b = new TrialView(1, "PRUNED", "rung 0", Map.of("optimizer", "sgd"), List.of(4, 4, 4), null, 10, 0.001, 3.0,
                8, 3, "cpu:0", 1, 0.4, 0.4, null, false, Instant.EPOCH, Instant.EPOCH);
        String[] lines = ExportBuilder.trialsCsv(List.of(a, b), List.of(), Map.of(0, 1.0)).split("\n");
        assertEquals(3, lines.length);
        assertTrue(lines[0].endsWith(",onFront,bits.0,bits.1,bits.2,params.learningRate,params.optimizer"), lines[0]);
        assertTrue(lines[1].startsWith("0,COMPLETED,,7,1,2,1.000,") && lines[1].endsWith(",true,2,1,8,0.01,"), lines[1]);
        assertTrue(lines[2].startsWith("1,PRUNED,rung 0,8,3,1,,") && lines[2].endsWith(",false,4,4,4,,sgd"), lines[2]);
    }
}
