package org.bitsearch.storage;

import java.util.Optional;

/** One point of a search's persisted Pareto front. */
public record ParetoRow(long searchId, int number, double valAccuracy, long sizeBits, Optional<Double> testAccuracy) {
    public ParetoRow {
        if (testAccuracy == null) testAccuracy = Optional.empty();
    }
}
