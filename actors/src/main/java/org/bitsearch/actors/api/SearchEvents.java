package org.bitsearch.actors.api;

import java.util.function.Consumer;

/** Subscription to the event stream. Listeners are called on a Pekko thread: they must not block. */
public interface SearchEvents {
    /** Registers {@code listener} for all future events; closing the returned handle unsubscribes. */
    AutoCloseable subscribe(Consumer<SearchEvent> listener);
}
