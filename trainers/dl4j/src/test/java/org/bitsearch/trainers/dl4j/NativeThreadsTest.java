package org.bitsearch.trainers.dl4j;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The native thread bound is the run's setting, 1 when the setting is 0, never a function of the machine's load
 * or of the runs open in the process (a trial's results must not depend on what else runs).
 */
class NativeThreadsTest {
    @AfterEach
    void backToOneThread() { NativeThreads.apply(1); }

    @Test
    void automaticIsOneThreadExplicitIsItself() {
        assertEquals(1, NativeThreads.bound(0));
        assertEquals(1, NativeThreads.bound(1));
        assertEquals(3, NativeThreads.bound(3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NativeThreads.bound(-1));
        assertTrue(e.getMessage().contains("threads is -1, but must be >= 0"), e.getMessage());
    }

    /**
     * After a run at 2 threads, an automatic run applies 1 to ND4J and BLAS. The former load-based bound kept 2 here
     * on a 2-core machine unless its load average exceeded 2.25 (it subtracted the 2 busy threads it had applied).
     */
    @Test
    void automaticAppliesOneThreadWhateverRanBefore() {
        NativeThreads.apply(2);
        assertEquals(2, NativeThreads.current());
        NativeThreads.apply(0);
        assertEquals(1, NativeThreads.current());
        assertEquals(1, Nd4j.getEnvironment().maxThreads(), "libnd4j's max threads");
        assertEquals(1, Nd4j.factory().blas().getMaxThreads(), "BLAS threads");
    }
}
