package org.bitsearch.actors.registry;

import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.bitsearch.actors.env.SearchEnvironment;
import org.bitsearch.actors.api.SearchEvent;
import org.bitsearch.actors.api.SearchService.ResumeResult;
import org.bitsearch.actors.api.SearchService.StopResult;
import org.bitsearch.actors.spec.CompiledSearch;
import org.bitsearch.actors.supervisor.SearchSupervisor;
import org.bitsearch.storage.SearchRow;
import org.bitsearch.storage.SearchState;

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
 * (it rebuilds itself from the database); one that crashes more than {@link #MAX_RESTARTS} times in a row is
 * given up and its search left STOPPED (resumable) with the reason.
 *
 * <p>It reads and writes the store inline (interrupted searches at start, search rows on stop and resume, the
 * state of a given-up search), so it must run on {@link #SUPERVISOR_DISPATCHER}, never on Pekko's default
 * dispatcher: {@code SearchSystem} spawns it there under a guardian that only forwards.
 */
public final class SearchRegistry extends AbstractBehavior<SearchRegistry.Command> {
    static final int MAX_RESTARTS = 10;
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

    private record SupervisorTerminated(long searchId) implements Command {}

    private final SearchEnvironment env;
    private final Map<Long, ActorRef<SearchSupervisor.Command>> running = new HashMap<>();
    private final List<ActorRef<Done>> shutdownWaiters = new ArrayList<>();
    private boolean shuttingDown;

    /**
     * @param env               the shared environment (its pool must be a child of this registry or live elsewhere)
     * @param resumeInterrupted resume every interrupted (RUNNING) search of the store at start-up
     */
    public static Behavior<Command> create(SearchEnvironment env, boolean resumeInterrupted) {
        return Behaviors.setup(ctx -> new SearchRegistry(ctx, env, resumeInterrupted));
    }

    private SearchRegistry(ActorContext<Command> ctx, SearchEnvironment env, boolean resumeInterrupted) {
        super(ctx);
        this.env = env;
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
                .onMessage(SupervisorTerminated.class, this::onSupervisorTerminated)
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

    private Behavior<Command> onSupervisorTerminated(SupervisorTerminated t) {
        running.remove(t.searchId());
        // a finished search needs its trainer no more; a stopped one keeps it for a resume in this process
        if (env.store().search(t.searchId()).map(r -> r.state().isFinished()).orElse(true)) env.searches().forget(t.searchId());
        if (!shuttingDown) {
            env.store().search(t.searchId()).filter(r -> r.state() == SearchState.RUNNING).ifPresent(r -> {
                String message = "the search supervisor failed " + MAX_RESTARTS + " times in a row (see the log); resume to try again";
                getContext().getLog().error("search {}: {}", r.id(), message);
                env.store().setSearchState(r.id(), SearchState.STOPPED, message);
                env.events().publish(new SearchEvent.SearchFinished(r.id(), SearchState.STOPPED, message));
            });
        }
        answerShutdown();
        return this;
    }

    private void answerShutdown() {
        if (shuttingDown && running.isEmpty()) {
            shutdownWaiters.forEach(w -> w.tell(Done.getInstance()));
            shutdownWaiters.clear();
        }
    }

    private void spawn(long id, Optional<CompiledSearch> compiled) {
        Behavior<SearchSupervisor.Command> supervised = Behaviors.supervise(SearchSupervisor.create(env, id, compiled))
                .onFailure(SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(10), 0.2)
                        .withMaxRestarts(MAX_RESTARTS).withResetBackoffAfter(Duration.ofSeconds(60)));
        ActorRef<SearchSupervisor.Command> ref = getContext().spawn(supervised, "search-" + id,
                DispatcherSelector.fromConfig(SUPERVISOR_DISPATCHER));
        getContext().watchWith(ref, new SupervisorTerminated(id));
        running.put(id, ref);
    }
}
