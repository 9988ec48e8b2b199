package org.bitsearch.orchestrator.http;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.model.sse.ServerSentEvent;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.bitsearch.actors.api.SearchEvent;
import org.bitsearch.actors.api.SearchEvents;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Subscriptions live exactly as long as a materialized stream: none for a source never run, none after it ends. */
class EventStreamTest {
    static ActorSystem<Void> system;

    @BeforeAll static void start() { system = ActorSystem.create(Behaviors.empty(), "event-stream-test"); }

    @AfterAll static void stop() { system.terminate(); }

    /** Events whose listeners can be counted and fed by hand. */
    static final class Recorded implements SearchEvents {
        final Set<Consumer<SearchEvent>> listeners = ConcurrentHashMap.newKeySet();

        @Override public AutoCloseable subscribe(Consumer<SearchEvent> listener) {
            listeners.add(listener);
            return () -> listeners.remove(listener);
        }

        void publish(SearchEvent e) { listeners.forEach(l -> l.accept(e)); }
    }

    @Test void aSourceThatIsNeverRunSubscribesNothing() {
        Recorded events = new Recorded();
        EventStream stream = new EventStream(events, system, Duration.ofSeconds(15));
        Source<ServerSentEvent, ?> unused = stream.open(Optional.empty());
        assertTrue(events.listeners.isEmpty());
        assertEquals(0, stream.subscriptions());
    }

    @Test void aClosedClientsSubscriptionIsGone() throws Exception {
        Recorded events = new Recorded();
        EventStream stream = new EventStream(events, system, Duration.ofSeconds(15));
        var received = stream.open(Optional.of(7L)).take(2).runWith(Sink.seq(), system);
        awaitTrue(() -> events.listeners.size() == 1);
        events.publish(new SearchEvent.TrialStarted(8, 0, "cpu:0", 1, 1)); // another search: filtered out
        events.publish(new SearchEvent.TrialStarted(7, 3, "cpu:0", 1, 1));
        List<ServerSentEvent> got = received.toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals("{\"type\":\"Connected\"}", got.get(0).getData());
        assertTrue(got.get(1).getData().contains("\"number\":3"), got.get(1).getData());
        awaitTrue(() -> events.listeners.isEmpty() && stream.subscriptions() == 0);
    }

    private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) throw new AssertionError("condition not reached in 10 s");
            Thread.sleep(20);
        }
    }
}
