package org.bitsearch.orchestrator.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.http.javadsl.model.sse.ServerSentEvent;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Source;
import org.bitsearch.actors.api.SearchEvent;
import org.bitsearch.actors.api.SearchEvents;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Turns the {@link SearchEvents} stream into server-sent events: one SSE {@code data:} line of JSON per event,
 * with a {@code type} field holding the event's simple name ({@code TrialStarted}, {@code EpochReported}, ...).
 * The first event is {@code {"type":"Connected"}}, sent once the subscription is live. Heartbeats (events
 * with empty data, which browsers do not dispatch) go out every {@code heartbeat} so that proxies keep the connection open. A client too slow to keep
 * up with {@value #BUFFER} buffered events has its stream ended (its browser reconnects and reloads the state)
 * rather than silently missing events. Closing the connection unsubscribes.
 */
public final class EventStream {
    private static final Logger log = LoggerFactory.getLogger(EventStream.class);
    static final int BUFFER = 1024;

    private final SearchEvents events;
    private final Duration heartbeat;
    private final AtomicInteger live = new AtomicInteger();

    /**
     * @param system kept for compatibility of this constructor: each stream's queue is materialized on the
     *               materializer that runs the stream (the server's), not on this system
     */
    public EventStream(SearchEvents events, ClassicActorSystemProvider system, Duration heartbeat) {
        this.events = events;
        this.heartbeat = heartbeat;
    }

    /**
     * A new event stream, filtered to one search if {@code searchId} is present. Called on a route thread. The
     * subscription is made when the stream is materialized (so a source that is never run subscribes nothing) and
     * closed when it terminates, however it terminates (client gone, server closing, too slow).
     */
    public Source<ServerSentEvent, NotUsed> open(Optional<Long> searchId) {
        return Source.<ServerSentEvent, NotUsed>fromMaterializer((mat, attributes) -> {
            Pair<BoundedSourceQueue<ServerSentEvent>, Source<ServerSentEvent, NotUsed>> queue =
                    Source.<ServerSentEvent>queue(BUFFER).preMaterialize(mat);
            BoundedSourceQueue<ServerSentEvent> q = queue.first();
            AutoCloseable subscription = events.subscribe(event -> {
                if (searchId.isPresent() && searchId.get() != event.searchId()) return;
                if (q.offer(ServerSentEvent.create(toJson(event))) == QueueOfferResult.dropped())
                    q.fail(new IllegalStateException("event stream client too slow: more than " + BUFFER + " events behind"));
            });
            live.incrementAndGet();
            q.offer(ServerSentEvent.create("{\"type\":\"Connected\"}"));
            return queue.second().watchTermination((m, done) -> {
                done.whenComplete((d, t) -> {
                    live.decrementAndGet();
                    close(subscription);
                });
                return m;
            });
        }).mapMaterializedValue(f -> NotUsed.getInstance())
                .keepAlive(heartbeat, ServerSentEvent::heartbeat);
    }

    /** How many streams are subscribed right now (materialized and not yet terminated). */
    public int subscriptions() { return live.get(); }

    /** The JSON of one event: its record components plus {@code "type"}. */
    public static String toJson(SearchEvent event) {
        ObjectNode node = JsonSupport.mapper().createObjectNode();
        node.put("type", event.getClass().getSimpleName());
        node.setAll((ObjectNode) JsonSupport.mapper().valueToTree(event));
        return node.toString();
    }

    private static void close(AutoCloseable subscription) {
        try {
            subscription.close();
        } catch (Exception e) {
            log.warn("closing an event subscription failed: {}", e.toString());
        }
    }
}
