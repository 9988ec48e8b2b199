package org.bitsearch.actors;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.bitsearch.actors.api.SearchEvents;
import org.bitsearch.actors.api.SearchService;
import org.bitsearch.actors.cluster.ClusterSettings;
import org.bitsearch.actors.cluster.ClusterStatus;
import org.bitsearch.actors.cluster.RoutingTrainer;
import org.bitsearch.actors.cluster.WorkerDirectory;
import org.bitsearch.actors.cluster.Workers;
import org.bitsearch.actors.device.DeviceDiscovery;
import org.bitsearch.actors.device.DevicePool;
import org.bitsearch.actors.env.CompiledSearches;
import org.bitsearch.actors.env.SearchEnvironment;
import org.bitsearch.actors.env.SearchFailures;
import org.bitsearch.actors.events.EventStreamSearchEvents;
import org.bitsearch.actors.registry.SearchRegistry;
import org.bitsearch.actors.service.RegistrySearchService;
import org.bitsearch.actors.spec.SpecCompiler;
import org.bitsearch.actors.spec.TrainerFactory;
import org.bitsearch.storage.SearchStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The composition root of the actor side, used by the command line and the HTTP server: an actor system whose
 * guardian forwards to the {@link SearchRegistry} (on the supervisor dispatcher), the device pool, the event stream
 * and the {@link SearchService}.
 * The caller owns the store: {@link #close()} does not close it.
 */
public final class SearchSystem implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SearchSystem.class);
    public static final String TRAINER_DISPATCHER = "bitsearch.trainer-dispatcher";

    private final ActorSystem<SearchRegistry.Command> system;
    private final RegistrySearchService service;
    private final EventStreamSearchEvents events;
    private final SearchSystemSettings settings;
    private final List<String> devices;
    private final ActorRef<DevicePool.Command> pool;
    private final CompiledSearches searches;
    private final SearchFailures failures;
    private final Workers workers;
    private boolean closed;

    private SearchSystem(ActorSystem<SearchRegistry.Command> system, RegistrySearchService service,
                         EventStreamSearchEvents events, SearchSystemSettings settings, List<String> devices,
                         ActorRef<DevicePool.Command> pool, CompiledSearches searches, Workers workers, SearchFailures failures) {
        this.searches = searches;
        this.workers = workers;
        this.failures = failures;
        this.system = system;
        this.service = service;
        this.events = events;
        this.settings = settings;
        this.devices = devices;
        this.pool = pool;
    }

    /**
     * Starts the actor system: discovers devices, starts the device pool and the registry (which resumes
     * interrupted searches if the settings say so). Blocks briefly (device discovery, actor start).
     */
    public static SearchSystem start(SearchStore store, SearchSystemSettings settings) {
        boolean coordinator = settings.cluster().isPresent();
        // a coordinator with --cpu-slots 0 trains nothing itself: every slot comes from its workers
        List<String> devices = coordinator && settings.cpuSlots() == 0 ? List.of()
                : DeviceDiscovery.discover(settings.cpuSlots(), settings.gpus());
        Config local = ConfigFactory.parseString("""
                pekko.loggers = ["org.apache.pekko.event.slf4j.Slf4jLogger"]
                pekko.logging-filter = "org.apache.pekko.event.slf4j.Slf4jLoggingFilter"
                pekko.loglevel = INFO
                pekko.log-dead-letters = off
                pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off
                """);
        Config config = settings.cluster().map(c -> c.config().withFallback(local)).orElse(local).withFallback(ConfigFactory.load());
        checkTrainerThreads(devices.size() * settings.slotsPerDevice(), config);
        log.info("devices: {} ({} slot(s) each)", devices, settings.slotsPerDevice());
        try {
            Files.createDirectories(settings.dataDir());
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("dataDir " + settings.dataDir() + " cannot be created: " + e.getMessage(), e);
        }
        TrainerFactory trainers = settings.datasetsDir().map(settings.trainers()::withDefaultDataDir).orElse(settings.trainers());
        Workers workers = new Workers();
        AtomicReference<ActorSystem<?>> systemRef = new AtomicReference<>();
        if (coordinator) trainers = trainers.withDecorator((kind, cfg, t) -> new RoutingTrainer(t, kind, cfg.toString(), workers,
                systemRef::get, REMOTE_EPOCH_TIMEOUT));
        SpecCompiler compiler = new SpecCompiler(trainers);
        CompiledSearches searches = new CompiledSearches(compiler);
        SearchFailures failures = new SearchFailures();
        CompletableFuture<ActorRef<DevicePool.Command>> poolRef = new CompletableFuture<>();
        ActorSystem<SearchRegistry.Command> system = ActorSystem.create(Behaviors.setup(ctx -> {
            ActorRef<DevicePool.Command> pool = ctx.spawn(DevicePool.create(devices, settings.slotsPerDevice()), "device-pool");
            poolRef.complete(pool);
            if (coordinator) ctx.spawn(WorkerDirectory.create(pool, workers, settings.cluster().get().secret()), "workers");
            Executor blocking = ctx.getSystem().dispatchers().lookup(DispatcherSelector.fromConfig(TRAINER_DISPATCHER));
            SearchEnvironment env = new SearchEnvironment(store, compiler, new EventStreamSearchEvents(ctx.getSystem()), pool,
                    blocking, settings.dataDir().toAbsolutePath(), settings.retryBackoff(), settings.maxRetryBackoff(), devices.isEmpty() ? "cpu:0" : devices.get(0), searches);
            // the registry calls the store (blocking H2): it runs on the supervisor dispatcher, and the guardian,
            // on Pekko's default dispatcher, only forwards to it
            ActorRef<SearchRegistry.Command> registry = ctx.spawn(SearchRegistry.create(env, settings.resumeInterrupted(), failures), "registry",
                    DispatcherSelector.fromConfig(SearchRegistry.SUPERVISOR_DISPATCHER));
            ctx.watch(registry);
            return Behaviors.<SearchRegistry.Command>receive((c, m) -> {
                registry.tell(m);
                return Behaviors.same();
            }, (c, signal) -> signal instanceof org.apache.pekko.actor.typed.Terminated ? Behaviors.stopped() : Behaviors.same());
        }), ClusterSettings.SYSTEM_NAME, config);
        systemRef.set(system);
        EventStreamSearchEvents events = new EventStreamSearchEvents(system);
        Executor blocking = system.dispatchers().lookup(DispatcherSelector.fromConfig(TRAINER_DISPATCHER));
        RegistrySearchService service = new RegistrySearchService(system, system, store, compiler, events, blocking, settings.askTimeout());
        ActorRef<DevicePool.Command> pool;
        try {
            pool = poolRef.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            system.terminate();
            throw new IllegalStateException("the actor system did not start: " + e, e);
        }
        return new SearchSystem(system, service, events, settings, devices, pool, searches, workers, failures);
    }

    /** How long a worker may take for one epoch (or a test-accuracy measurement) before the attempt fails. */
    static final Duration REMOTE_EPOCH_TIMEOUT = Duration.ofHours(6);

    /** The trainer-dispatcher threads kept free of training steps, for closes, checkpoint deletion and measuring. */
    static final int RESERVED_TRAINER_THREADS = 4;
    static final String TRAINER_POOL_SIZE = TRAINER_DISPATCHER + ".thread-pool-executor.fixed-pool-size";

    /**
     * Refuses more device slots than the trainer dispatcher can serve: each slot runs one blocking step at a time,
     * and a run closed after its actor stopped waits for that step on a second thread, so the pool needs
     * {@code 2 * slots + RESERVED_TRAINER_THREADS} threads.
     *
     * @throws IllegalArgumentException naming the settings, if the pool is too small
     */
    static void checkTrainerThreads(int slots, Config config) {
        if (!config.hasPath(TRAINER_POOL_SIZE)) return;
        int threads = config.getInt(TRAINER_POOL_SIZE);
        int needed = 2 * slots + RESERVED_TRAINER_THREADS;
        if (threads < needed)
            throw new IllegalArgumentException("cpuSlots/GPUs x slotsPerDevice give " + slots + " device slots, but " + TRAINER_POOL_SIZE
                    + " is " + threads + " and must be >= 2 x slots + " + RESERVED_TRAINER_THREADS + " = " + needed
                    + ": use fewer slots or raise it (-D" + TRAINER_POOL_SIZE + "=" + needed + ")");
    }

    public SearchService service() { return service; }

    /**
     * The compiled search, with the very trainer its supervisor uses, of a search whose supervisor runs (or ran
     * and was only stopped, not finished) in this system; empty otherwise. Lets an export reuse the trainer.
     */
    public java.util.Optional<org.bitsearch.actors.spec.CompiledSearch> compiledSearch(long searchId) { return searches.find(searchId); }

    public SearchEvents events() { return events; }

    /**
     * Why search {@code searchId} could not go on in this system (its supervisor was given up, e.g. on a storage
     * failure: a full disk, a read-only database file); empty if it did not fail so. Still answers after {@link #close()}.
     */
    public java.util.Optional<String> failure(long searchId) { return failures.of(searchId); }

    /** Every search given up in this process, with its cause ({@link #failure(long)} for each); empty if none. */
    public java.util.Map<Long, String> failures() { return failures.all(); }

    /** True once the actor system has terminated (closed, or its registry died). */
    public boolean terminated() { return system.getWhenTerminated().toCompletableFuture().isDone(); }

    /** The device ids slots are handed out on ("cpu:0", "gpu:1"). */
    public List<String> devices() { return devices; }

    public SearchSystemSettings settings() { return settings; }

    /** Every node's slots and what trains on them, for the page ({@code GET /api/cluster}). */
    public CompletionStage<ClusterStatus.View> clusterStatus() {
        return AskPattern.<DevicePool.Command, DevicePool.Status>ask(pool, DevicePool.GetStatus::new, settings.askTimeout(), system.scheduler())
                .thenApply(status -> ClusterStatus.of(status, settings.cluster().isPresent()));
    }

    /** The cluster workers whose slots this coordinator uses (none without a cluster). */
    public Workers workers() { return workers; }

    /** The device pool (tests ask it for its status). */
    public ActorRef<DevicePool.Command> devicePool() { return pool; }

    /** The underlying actor system (for asks with its scheduler). */
    public ActorSystem<?> actorSystem() { return system; }

    /**
     * Stops cleanly: every running search cancels its running epochs (discarded; each trial resumes from its last
     * checkpoint) and is left RUNNING, so that
     * the next start resumes it; then the actor system terminates. Waits at most settings.shutdownTimeout.
     * Idempotent. Does not close the store.
     */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            AskPattern.<SearchRegistry.Command, Done>ask(system, SearchRegistry.Shutdown::new, settings.shutdownTimeout(), system.scheduler())
                    .toCompletableFuture().get(settings.shutdownTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            log.warn("searches did not stop within {}: {}", settings.shutdownTimeout(), e.toString());
        }
        system.terminate();
        try {
            system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("actor system did not terminate within 30 s: {}", e.toString());
        }
    }
}
