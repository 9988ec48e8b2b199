package org.bitsearch.actors.events;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.bitsearch.actors.api.SearchEvent;
import org.bitsearch.actors.api.SearchEvents;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * {@link SearchEvents} over Pekko's event stream. Actors publish with {@link #publish} after the change is in
 * the database; every subscriber gets its own small actor, so listeners run one event at a time, in publication
 * order per publisher, on a Pekko thread. A listener that throws is logged and kept.
 */
public final class EventStreamSearchEvents implements SearchEvents {
    private final ActorSystem<?> system;
    private final AtomicLong listeners = new AtomicLong();

    public EventStreamSearchEvents(ActorSystem<?> system) {
        this.system = system;
    }

    /** Publishes {@code event} to every subscriber; callable from any thread. */
    public void publish(SearchEvent event) {
        system.eventStream().tell(new EventStream.Publish<>(event));
    }

    @Override
    public AutoCloseable subscribe(Consumer<SearchEvent> listener) {
        ActorRef<Object> ref = system.systemActorOf(listener(listener), "search-events-listener-" + listeners.incrementAndGet(), Props.empty());
        ActorRef<SearchEvent> narrowed = ref.narrow();
        system.eventStream().tell(new EventStream.Subscribe<>(SearchEvent.class, narrowed));
        return () -> {
            system.eventStream().tell(new EventStream.Unsubscribe<>(narrowed));
            ref.tell(Unsubscribed.INSTANCE);
        };
    }

    private enum Unsubscribed { INSTANCE }

    private static Behavior<Object> listener(Consumer<SearchEvent> listener) {
        return Behaviors.receive((ctx, msg) -> {
            if (msg == Unsubscribed.INSTANCE) return Behaviors.stopped();
            try {
                listener.accept((SearchEvent) msg);
            } catch (RuntimeException e) {
                ctx.getLog().warn("search event listener failed on {}", msg, e);
            }
            return Behaviors.same();
        });
    }
}
