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
    private final ClassicActorSystemProvider system;
    private final Duration heartbeat;

    public EventStream(SearchEvents events, ClassicActorSystemProvider system, Duration heartbeat) {
        this.events = events;
        this.system = system;
        this.heartbeat = heartbeat;
    }

    /** A new subscription, filtered to one search if {@code searchId} is present. Called on a route thread. */
    public Source<ServerSentEvent, NotUsed> open(Optional<Long> searchId) {
        Pair<BoundedSourceQueue<ServerSentEvent>, Source<ServerSentEvent, NotUsed>> queue =
                Source.<ServerSentEvent>queue(BUFFER).preMaterialize(system);
        BoundedSourceQueue<ServerSentEvent> q = queue.first();
        AutoCloseable subscription = events.subscribe(event -> {
            if (searchId.isPresent() && searchId.get() != event.searchId()) return;
            if (q.offer(ServerSentEvent.create(toJson(event))) == QueueOfferResult.dropped())
                q.fail(new IllegalStateException("event stream client too slow: more than " + BUFFER + " events behind"));
        });
        q.offer(ServerSentEvent.create("{\"type\":\"Connected\"}"));
        return queue.second()
                .keepAlive(heartbeat, ServerSentEvent::heartbeat)
                .watchTermination((mat, done) -> {
                    done.whenComplete((d, t) -> close(subscription));
                    return mat;
                });
    }

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
