package org.bitsearch.actors.registry;

import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ChildFailed;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.bitsearch.actors.env.SearchEnvironment;
import org.bitsearch.actors.env.SearchFailures;
import org.bitsearch.actors.api.SearchEvent;
import org.bitsearch.actors.api.SearchService.ResumeResult;
import org.bitsearch.actors.api.SearchService.StopResult;
import org.bitsearch.actors.spec.CompiledSearch;
import org.bitsearch.actors.supervisor.SearchSupervisor;
import org.bitsearch.storage.SearchRow;
import org.bitsearch.storage.SearchState;
import org.bitsearch.storage.StoreException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The guardian: starts, stops and resumes searches, one {@link SearchSupervisor} child each, and at start-up
 * resumes every interrupted search found in the database. A supervisor that crashes is restarted with backoff
 * (it rebuilds itself from the database); one that crashes more than {@link #MAX_RESTARTS} times in a row, or more
 * than {@link #MAX_STORE_RESTARTS} times for a storage failure ({@link StoreException}: a full disk or a read-only
 * database file does not heal by retrying), is given up: the cause is recorded in {@link SearchFailures} (the command
 * line prints it and exits 1, the HTTP API shows it), the search is left STOPPED (resumable) with the cause if the
 * store can still write, else RUNNING as a crash leaves it, and a {@code SearchFinished} event says so.
 *
 * <p>It reads and writes the store inline (interrupted searches at start, search rows on stop and resume, the
 * state of a given-up search), so it must run on {@link #SUPERVISOR_DISPATCHER}, never on Pekko's default
 * dispatcher: {@code SearchSystem} spawns it there under a guardian that only forwards.
 */
public final class SearchRegistry extends AbstractBehavior<SearchRegistry.Command> {
    static final int MAX_RESTARTS = 10;
    /** Restarts after a storage failure before the search is given up. */
    static final int MAX_STORE_RESTARTS = 2;
    public static final String SUPERVISOR_DISPATCHER = "bitsearch.supervisor-dispatcher";

    public sealed interface Command {}

    /** Starts the supervisor of search {@code searchId}, already written to the store. */
    public record Start(long searchId, Optional<CompiledSearch> compiled, ActorRef<Done> replyTo) implements Command {}

    public record Stop(long searchId, ActorRef<StopResult> replyTo) implements Command {}

    public record Resume(long searchId, ActorRef<ResumeResult> replyTo) implements Command {}

    /** The ids of the searches running now. */
    public record GetRunning(ActorRef<Set<Long>> replyTo) implements Command {}

    /**
     * Interrupts every running search (left RUNNING, so that it resumes at the next start; its running epochs are
     * cancelled), and answers when all supervisors have stopped. Afterwards the registry starts nothing.
     */
    public record Shutdown(ActorRef<Done> replyTo) implements Command {}

    private final SearchEnvironment env;
    private final SearchFailures failures;
    private final Map<Long, ActorRef<SearchSupervisor.Command>> running = new HashMap<>();
    private final Map<ActorRef<?>, Long> searchOf = new HashMap<>();
    private final List<ActorRef<Done>> shutdownWaiters = new ArrayList<>();
    /** Resumes asked while the search's supervisor was ending a stop: answered once it has ended. */
    private final Map<Long, List<ActorRef<ResumeResult>>> resumesAfterStop = new HashMap<>();
    private boolean shuttingDown;

    /**
     * @param env               the shared environment (its pool must be a child of this registry or live elsewhere)
     * @param resumeInterrupted resume every interrupted (RUNNING) search of the store at start-up
     */
    public static Behavior<Command> create(SearchEnvironment env, boolean resumeInterrupted) {
        return create(env, resumeInterrupted, new SearchFailures());
    }

    /** As {@link #create(SearchEnvironment, boolean)}, recording the searches it gives up in {@code failures}. */
    public static Behavior<Command> create(SearchEnvironment env, boolean resumeInterrupted, SearchFailures failures) {
        return Behaviors.setup(ctx -> new SearchRegistry(ctx, env, resumeInterrupted, failures));
    }

    private SearchRegistry(ActorContext<Command> ctx, SearchEnvironment env, boolean resumeInterrupted, SearchFailures failures) {
        super(ctx);
        this.env = env;
        this.failures = failures;
        if (resumeInterrupted) {
            for (long id : env.store().interruptedSearches()) {
                ctx.getLog().info("resuming interrupted search {}", id);
                spawn(id, Optional.empty());
            }
        }
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Start.class, this::onStart)
                .onMessage(Stop.class, this::onStop)
                .onMessage(Resume.class, this::onResume)
                .onMessage(GetRunning.class, this::onGetRunning)
                .onMessage(Shutdown.class, this::onShutdown)
                .onSignal(ChildFailed.class, f -> onSupervisorTerminated(f.getRef(),
                        Optional.of(f.getCause() instanceof StoreFailureLimit.GaveUp g ? g.getCause() : f.getCause())))
                .onSignal(Terminated.class, t -> onSupervisorTerminated(t.getRef(), Optional.empty()))
                .build();
    }

    private Behavior<Command> onStart(Start s) {
        if (!shuttingDown && !running.containsKey(s.searchId())) spawn(s.searchId(), s.compiled());
        s.replyTo().tell(Done.getInstance());
        return this;
    }

    private Behavior<Command> onStop(Stop s) {
        ActorRef<SearchSupervisor.Command> sup = running.get(s.searchId());
        if (sup != null) {
            sup.tell(new SearchSupervisor.Stop("stopped by user; resume to go on", SearchState.STOPPED));
            s.replyTo().tell(StopResult.STOPPING);
        } else {
            s.replyTo().tell(env.store().search(s.searchId()).isPresent() ? StopResult.NOT_RUNNING : StopResult.UNKNOWN);
        }
        return this;
    }

    private Behavior<Command> onResume(Resume r) {
        if (running.containsKey(r.searchId())) {
            // its supervisor recorded the stop and is ending: resume it as soon as it has ended
            if (env.store().search(r.searchId()).filter(row -> row.state() == SearchState.STOPPED).isPresent())
                resumesAfterStop.computeIfAbsent(r.searchId(), k -> new ArrayList<>()).add(r.replyTo());
            else
                r.replyTo().tell(ResumeResult.ALREADY_RUNNING);
            return this;
        }
        Optional<SearchRow> row = env.store().search(r.searchId());
        if (row.isEmpty()) r.replyTo().tell(ResumeResult.UNKNOWN);
        else if (row.get().state().isFinished()) r.replyTo().tell(ResumeResult.FINISHED);
        else if (shuttingDown) r.replyTo().tell(ResumeResult.UNKNOWN);
        else {
            spawn(r.searchId(), Optional.empty());
            r.replyTo().tell(ResumeResult.RESUMED);
        }
        return this;
    }

    private Behavior<Command> onGetRunning(GetRunning g) {
        g.replyTo().tell(Set.copyOf(new TreeSet<>(running.keySet())));
        return this;
    }

    private Behavior<Command> onShutdown(Shutdown s) {
        shuttingDown = true;
        shutdownWaiters.add(s.replyTo());
        running.values().forEach(sup -> sup.tell(new SearchSupervisor.Stop("interrupted: the search system shut down; it resumes at the next start", SearchState.RUNNING)));
        answerShutdown();
        return this;
    }

    private Behavior<Command> onSupervisorTerminated(ActorRef<Void> ref, Optional<Throwable> cause) {
        Long id = searchOf.remove(ref);
        if (id == null) return this;
        running.remove(id);
        try {
            // a finished search needs its trainer no more; a stopped one keeps it for a resume in this process
            if (env.store().search(id).map(r -> r.state().isFinished()).orElse(true)) env.searches().forget(id);
            if (!shuttingDown && (cause.isPresent() || env.store().search(id).filter(r -> r.state() == SearchState.RUNNING).isPresent()))
                giveUp(id, cause);
        } catch (StoreException e) {
            if (!shuttingDown) giveUp(id, Optional.of(e));
        }
        List<ActorRef<ResumeResult>> waiting = resumesAfterStop.remove(id);
        if (waiting != null) waiting.forEach(w -> onResume(new Resume(id, w)));
        answerShutdown();
        return this;
    }

    /**
     * Records why search {@code id} cannot go on (in memory first, since the store may be what is broken), leaves it
     * STOPPED with that message if the store can still write (else it stays RUNNING, resumable like after a crash),
     * and publishes its end.
     */
    private void giveUp(long id, Optional<Throwable> cause) {
        boolean storage = cause.filter(c -> c instanceof StoreException).isPresent();
        String message = (storage ? "storage failure: " + cause.get().getMessage() + " (the search supervisor failed on it "
                + (MAX_STORE_RESTARTS + 1) + " times)" : "the search supervisor failed " + MAX_RESTARTS + " times in a row"
                + cause.map(c -> ": " + c).orElse(" (see the log)"))
                + "; the database is left resumable: fix the cause, then resume search " + id;
        getContext().getLog().error("search {}: {}", id, message);
        failures.record(id, message);
        try {
            env.store().interruptRunningTrials(id);
            env.store().setSearchState(id, SearchState.STOPPED, message);
        } catch (StoreException e) {
            getContext().getLog().error("search {}: cannot record that it stopped either (it stays RUNNING, resumable): {}", id, e.getMessage());
        }
        // published even when the store could not record it: the command line and the page must learn that it ended
        env.events().publish(new SearchEvent.SearchFinished(id, SearchState.STOPPED, message));
    }

    private void answerShutdown() {
        if (shuttingDown && running.isEmpty()) {
            shutdownWaiters.forEach(w -> w.tell(Done.getInstance()));
            shutdownWaiters.clear();
        }
    }

    private void spawn(long id, Optional<CompiledSearch> compiled) {
        failures.clear(id);
        java.util.concurrent.atomic.AtomicInteger storeFailures = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicReference<StoreException> firstStoreFailure = new java.util.concurrent.atomic.AtomicReference<>();
        Behavior<SearchSupervisor.Command> limited = Behaviors.intercept(() -> new StoreFailureLimit(storeFailures, firstStoreFailure, MAX_STORE_RESTARTS),
                SearchSupervisor.create(env, id, compiled));
        Behavior<SearchSupervisor.Command> supervised = Behaviors.supervise(limited)
                .onFailure(Exception.class, SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(10), 0.2)
                        .withMaxRestarts(MAX_RESTARTS).withResetBackoffAfter(Duration.ofSeconds(60)));
        ActorRef<SearchSupervisor.Command> ref = getContext().spawn(supervised, "search-" + id,
                DispatcherSelector.fromConfig(SUPERVISOR_DISPATCHER));
        getContext().watch(ref);
        searchOf.put(ref, id);
        running.put(id, ref);
    }
}
