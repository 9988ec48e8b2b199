package org.bitsearch.actors.registry;

import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.BehaviorInterceptor;
import org.apache.pekko.actor.typed.Signal;
import org.apache.pekko.actor.typed.TypedActorContext;
import org.bitsearch.actors.supervisor.SearchSupervisor;
import org.bitsearch.storage.StoreException;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Wraps a search supervisor (inside its restart supervision) and counts the storage failures ({@link StoreException})
 * it throws, across restarts: the first {@code allowed} are rethrown (the supervisor is restarted and rebuilds itself
 * from the database, which heals a passing fault); the next one is rethrown as {@link GaveUp}, an {@code Error} that
 * Pekko's restart strategy (for {@code Exception}s) lets through, so the supervisor stops and the registry learns the
 * cause. A full disk or a read-only database file does not heal by restarting ten times.
 */
final class StoreFailureLimit extends BehaviorInterceptor<SearchSupervisor.Command, SearchSupervisor.Command> {
    /** The storage failure that made the registry give a search up; {@link #getCause()} is the {@link StoreException}. */
    static final class GaveUp extends Error {
        GaveUp(StoreException cause) { super(cause.getMessage(), cause); }
    }

    private final AtomicInteger failures;
    private final java.util.concurrent.atomic.AtomicReference<StoreException> first;
    private final int allowed;

    /**
     * @param failures shared by every incarnation of one supervisor (created once per spawn)
     * @param first    the first storage failure of the series (shared likewise): the cause {@link GaveUp} names, since
     *                 later ones often only say that the store is closed
     */
    StoreFailureLimit(AtomicInteger failures, java.util.concurrent.atomic.AtomicReference<StoreException> first, int allowed) {
        super(SearchSupervisor.Command.class);
        this.failures = failures;
        this.first = first;
        this.allowed = allowed;
    }

    @Override
    public Behavior<SearchSupervisor.Command> aroundStart(TypedActorContext<SearchSupervisor.Command> ctx, PreStartTarget<SearchSupervisor.Command> target) {
        try {
            return target.start(ctx);
        } catch (StoreException e) {
            throw counted(e);
        }
    }

    @Override
    public Behavior<SearchSupervisor.Command> aroundReceive(TypedActorContext<SearchSupervisor.Command> ctx, SearchSupervisor.Command msg,
                                                            ReceiveTarget<SearchSupervisor.Command> target) {
        try {
            return target.apply(ctx, msg);
        } catch (StoreException e) {
            throw counted(e);
        }
    }

    @Override
    public Behavior<SearchSupervisor.Command> aroundSignal(TypedActorContext<SearchSupervisor.Command> ctx, Signal signal,
                                                           SignalTarget<SearchSupervisor.Command> target) {
        try {
            return target.apply(ctx, signal);
        } catch (StoreException e) {
            throw counted(e);
        }
    }

    private RuntimeException counted(StoreException e) {
        first.compareAndSet(null, e);
        if (failures.incrementAndGet() > allowed) throw new GaveUp(first.get());
        return e;
    }
}
