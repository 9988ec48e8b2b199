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
import org.bitsearch.actors.device.DeviceDiscovery;
import org.bitsearch.actors.device.DevicePool;
import org.bitsearch.actors.events.EventStreamSearchEvents;
import org.bitsearch.actors.registry.SearchRegistry;
import org.bitsearch.actors.service.RegistrySearchService;
import org.bitsearch.actors.spec.SpecCompiler;
import org.bitsearch.actors.spec.TrainerFactory;
import org.bitsearch.storage.SearchStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The composition root of the actor side, used by the command line and the HTTP server: an actor system whose
 * guardian is the {@link SearchRegistry}, the device pool, the event stream and the {@link SearchService}.
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
    private boolean closed;

    private SearchSystem(ActorSystem<SearchRegistry.Command> system, RegistrySearchService service,
                         EventStreamSearchEvents events, SearchSystemSettings settings, List<String> devices,
                         ActorRef<DevicePool.Command> pool) {
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
        List<String> devices = DeviceDiscovery.discover(settings.cpuSlots(), settings.useGpus());
        log.info("devices: {} ({} slot(s) each)", devices, settings.slotsPerDevice());
        try {
            Files.createDirectories(settings.dataDir());
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("dataDir " + settings.dataDir() + " cannot be created: " + e.getMessage(), e);
        }
        TrainerFactory trainers = settings.datasetsDir().map(settings.trainers()::withDefaultDataDir).orElse(settings.trainers());
        SpecCompiler compiler = new SpecCompiler(trainers);
        Config config = ConfigFactory.parseString("""
                pekko.loggers = ["org.apache.pekko.event.slf4j.Slf4jLogger"]
                pekko.logging-filter = "org.apache.pekko.event.slf4j.Slf4jLoggingFilter"
                pekko.loglevel = INFO
                pekko.log-dead-letters = off
                pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off
                """).withFallback(ConfigFactory.load());
        CompletableFuture<ActorRef<DevicePool.Command>> poolRef = new CompletableFuture<>();
        ActorSystem<SearchRegistry.Command> system = ActorSystem.create(Behaviors.setup(ctx -> {
            ActorRef<DevicePool.Command> pool = ctx.spawn(DevicePool.create(devices, settings.slotsPerDevice()), "device-pool");
            poolRef.complete(pool);
            Executor blocking = ctx.getSystem().dispatchers().lookup(DispatcherSelector.fromConfig(TRAINER_DISPATCHER));
            SearchEnvironment env = new SearchEnvironment(store, compiler, new EventStreamSearchEvents(ctx.getSystem()), pool,
                    blocking, settings.dataDir().toAbsolutePath(), settings.retryBackoff(), settings.maxRetryBackoff(), devices.get(0));
            Behavior<SearchRegistry.Command> registry = SearchRegistry.create(env, settings.resumeInterrupted());
            return registry;
        }), "bitsearch", config);
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
        return new SearchSystem(system, service, events, settings, devices, pool);
    }

    public SearchService service() { return service; }

    public SearchEvents events() { return events; }

    /** The device ids slots are handed out on ("cpu:0", "gpu:1"). */
    public List<String> devices() { return devices; }

    public SearchSystemSettings settings() { return settings; }

    /** The device pool (tests ask it for its status). */
    public ActorRef<DevicePool.Command> devicePool() { return pool; }

    /** The underlying actor system (for asks with its scheduler). */
    public ActorSystem<?> actorSystem() { return system; }

    /**
     * Stops cleanly: every running search finishes its running epochs (checkpointed) and is left RUNNING, so that
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
