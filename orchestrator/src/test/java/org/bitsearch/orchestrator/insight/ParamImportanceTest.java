package org.bitsearch.orchestrator.insight;

import org.bitsearch.orchestrator.insight.ParamImportance.Observation;
import org.bitsearch.orchestrator.insight.ParamImportance.Result;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ParamImportanceTest {

    /** y depends on lr (strongly, non-linearly, on a log scale) and not at all on batch or optimizer. */
    @Test void theParameterThatMattersScoresHighAndTheOthersNearZero() {
        Random rnd = new Random(7);
        List<Observation> obs = new ArrayList<>();
        for (int i = 0; i < 80; i++) {
            double lr = Math.pow(10, -4 + 2 * rnd.nextDouble());
            long batch = rnd.nextBoolean() ? 64 : 128;
            String optimizer = rnd.nextBoolean() ? "adam" : "sgd";
            double y = 0.9 - 0.1 * Math.pow(Math.log10(lr) + 3, 2) + 0.005 * rnd.nextGaussian();
            obs.add(new Observation(Map.of("lr", lr, "batch", batch, "optimizer", optimizer), y));
        }
        List<Result> results = ParamImportance.of(obs);
        assertEquals("lr", results.get(0).name(), results.toString());
        Result lr = results.get(0);
        assertTrue(lr.importance() > 0.85, results.toString());
        for (Result r : results.subList(1, results.size())) assertTrue(r.importance() < 0.05, results.toString());
        assertTrue(lr.share() > 0.9 && lr.share() <= 1.0, results.toString());
        assertEquals(ParamImportance.MAX_GROUPS, lr.groups());
        assertEquals(2, results.get(1).groups());
        assertEquals(1.0, results.stream().mapToDouble(Result::share).sum(), 1e-9);
    }

    @Test void aCategoricalThatDecidesTheObjectiveIsFound() {
        Random rnd = new Random(3);
        List<Observation> obs = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            int bits = new int[] {1, 2, 4, 8}[rnd.nextInt(4)];
            double noise = rnd.nextDouble();
            obs.add(new Observation(Map.of("bits: dense0", bits, "noise", noise), 0.5 + 0.05 * Integer.numberOfTrailingZeros(bits)
                    + 0.001 * rnd.nextGaussian()));
        }
        List<Result> results = ParamImportance.of(obs);
        assertEquals("bits: dense0", results.get(0).name());
        assertEquals(4, results.get(0).groups());
        assertTrue(results.get(0).importance() > 0.95, results.toString());
        assertTrue(results.get(1).importance() < 0.1, results.toString());
    }

    @Test void fewContinuousValuesAreBinnedNotOneGroupEach() {
        // six trials, six distinct learning rates: two rank bins (three each), not six groups of one
        List<Observation> obs = new ArrayList<>();
        for (int i = 0; i < 6; i++) obs.add(new Observation(Map.of("lr", 0.001 * (i + 1)), i < 3 ? 0.5 : 0.9));
        Result lr = ParamImportance.of(obs).get(0);
        assertEquals(2, lr.groups());
        assertEquals(1.0, lr.importance(), 1e-12);
    }

    @Test void tooFewOrConstantObservationsGiveNoImportance() {
        assertEquals(List.of(), ParamImportance.of(List.of(new Observation(Map.of("a", 1), 0.5))));
        List<Observation> flat = List.of(new Observation(Map.of("a", 1), 0.5), new Observation(Map.of("a", 2), 0.5),
                new Observation(Map.of("a", 3), 0.5), new Observation(Map.of("a", 4), 0.5));
        List<Result> results = ParamImportance.of(flat);
        assertEquals(0.0, results.get(0).importance());
        assertEquals(0.0, results.get(0).share());
    }
}
