package org.bitsearch.orchestrator.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The progress line's counters follow every state change without a pass over all trials. */
class CountingStatesTest {
    @Test void countsFollowEachTrialsLatestState() {
        ForegroundSearch.CountingStates states = new ForegroundSearch.CountingStates();
        states.putIfAbsent(0, "PENDING");
        states.putIfAbsent(1, "COMPLETED");
        states.put(0, "RUNNING");
        states.putIfAbsent(0, "PENDING"); // already known: unchanged
        states.put(2, "RUNNING");
        states.put(2, "RETRYING");
        states.put(2, "PRUNED");
        assertEquals(1, states.count("RUNNING"));
        assertEquals(0, states.count("PENDING"));
        assertEquals(0, states.count("RETRYING"));
        assertEquals(1, states.count("COMPLETED"));
        assertEquals(1, states.count("PRUNED"));
        assertEquals(0, states.count("FAILED"));
    }
}
