package org.bitsearch.actors.supervisor;

import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * The supervisor after a {@link SearchSupervisor.Stop}: every trial was told to stop (their running epochs are
 * cancelled and discarded). It still records a report that was on its way, starts and retries nothing, marks each
 * trial whose attempt ends unfinished INTERRUPTED, and once the last trial actor has terminated leaves the search as
 * the stop says and stops.
 */
final class Stopping extends AbstractBehavior<SearchSupervisor.Command> {
    private final TrialBook book;
    private final SearchSupervisor.Stop stop;

    Stopping(ActorContext<SearchSupervisor.Command> ctx, TrialBook book, SearchSupervisor.Stop stop) {
        super(ctx);
        this.book = book;
        this.stop = stop;
    }

    @Override
    public Receive<SearchSupervisor.Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(SearchSupervisor.FromTrial.class, r -> {
                    book.onReport(r.report());
                    return this;
                })
                .onMessage(SearchSupervisor.TrialTerminated.class, t -> {
                    book.interrupted(t, stop.reason()); // not a failure: it was told to stop; INTERRUPTED unless finished
                    return leaveWhenIdle();
                })
                .onMessage(SearchSupervisor.GetStatus.class, g -> {
                    g.replyTo().tell(new SearchSupervisor.Status(book.id(), SearchSupervisor.Phase.STOPPING, book.liveCount()));
                    return this;
                })
                .build(); // a second Stop, a sensitivity table measured too late, a due retry (cancelled) or the wall limit change nothing now
    }

    /** Writes the search's state once no trial actor is left, then stops; else waits. */
    Behavior<SearchSupervisor.Command> leaveWhenIdle() {
        if (!book.nothingLive()) return this;
        book.journal().searchEnded(stop.leaveAs(), stop.reason());
        return Behaviors.stopped();
    }
}
