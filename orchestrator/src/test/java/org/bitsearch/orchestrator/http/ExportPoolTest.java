package org.bitsearch.orchestrator.http;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The exports' pool is bounded: two run, two wait, the next is refused (the route turns that into 503). */
class ExportPoolTest {
    @Test void refusesWorkBeyondItsThreadsAndQueue() throws Exception {
        ExecutorService pool = ApiServer.newExportPool();
        CountDownLatch release = new CountDownLatch(1);
        try {
            for (int i = 0; i < ApiServer.EXPORT_THREADS + ApiServer.EXPORT_QUEUE; i++)
                pool.execute(() -> {
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            assertThrows(RejectedExecutionException.class, () -> pool.execute(() -> { }));
            // what ApiRoutes.export sees: a failed future (not an exception on the route thread), which it answers with 503
            CompletableFuture<Integer> refused = ApiRoutes.supplyOn(pool, () -> 1);
            assertTrue(refused.isCompletedExceptionally());
            Throwable t = assertThrows(Exception.class, refused::join);
            assertInstanceOf(RejectedExecutionException.class, RequestGuards.unwrap(t));
        } finally {
            release.countDown();
            pool.shutdown();
            assertTrue(pool.awaitTermination(5, TimeUnit.SECONDS));
        }
    }
}
