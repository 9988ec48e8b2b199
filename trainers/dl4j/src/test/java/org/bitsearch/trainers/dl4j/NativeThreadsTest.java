package org.bitsearch.trainers.dl4j;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The automatic thread bound: cores left idle by other processes, shared by the open runs. */
class NativeThreadsTest {
    @Test
    void idleMachineGivesEveryRunItsShare() {
        assertEquals(2, NativeThreads.automatic(2, 1, 0.1, 0));
        assertEquals(1, NativeThreads.automatic(2, 2, 0.0, 0));
        assertEquals(4, NativeThreads.automatic(8, 2, 0.1, 0));
    }

    @Test
    void busyMachineFallsBackToOneThread() {
        assertEquals(1, NativeThreads.automatic(2, 1, 10.0, 0));
        assertEquals(1, NativeThreads.automatic(2, 1, 1.2, 0));
        assertEquals(1, NativeThreads.automatic(2, 1, 3.0, 2), "3 load with our 2 threads busy leaves 1 core");
    }

    @Test
    void ownThreadsDoNotCountAsOtherLoad() {
        assertEquals(2, NativeThreads.automatic(2, 1, 2.0, 2));
        assertEquals(2, NativeThreads.automatic(8, 2, 6.0, 1), "load 6 minus our 2 busy threads leaves 4 idle cores for 2 runs");
    }

    @Test
    void unknownLoadUsesTheCap() {
        assertEquals(2, NativeThreads.automatic(2, 1, -1, 0));
    }
}
