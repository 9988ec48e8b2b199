package org.bitsearch.actors.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;
import org.bitsearch.actors.spec.TrainerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * A worker process's node: an actor system that joins the coordinator and runs a {@link TrainerHost} offering this
 * machine's devices. It owns no database. When its system ends without {@link #close()} (the coordinator went away
 * and the Split Brain Resolver downed this side, or the coordinator downed it), it starts a new one after
 * {@code rejoinDelay} and joins again, so workers reconnect to a restarted coordinator by themselves.
 */
public final class WorkerNode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WorkerNode.class);
    static final String TRAINER_DISPATCHER = "bitsearch.trainer-dispatcher";

    private final ClusterSettings cluster;
    private final TrainerFactory trainers;
    private final List<String> devices;
    private final int slotsPerDevice;
    private final Path workDir;
    private final Duration rejoinDelay;
    private final CountDownLatch closedLatch = new CountDownLatch(1);
    private final Thread loop;
    private volatile ActorSystem<Void> system;
    private volatile boolean closed;
    private volatile int incarnations;

    private WorkerNode(ClusterSettings cluster, TrainerFactory trainers, List<String> devices, int slotsPerDevice, Path workDir,
                       Duration rejoinDelay) {
        if (cluster.role() != ClusterSettings.Role.WORKER) throw new IllegalArgumentException("cluster role is " + cluster.role() + ", but must be WORKER");
        if (devices.isEmpty()) throw new IllegalArgumentException("a worker needs at least one device slot (--cpu-slots >= 1 or a GPU)");
        this.cluster = cluster;
        this.trainers = trainers;
        this.devices = List.copyOf(devices);
        this.slotsPerDevice = slotsPerDevice;
        this.workDir = workDir.toAbsolutePath();
        this.rejoinDelay = rejoinDelay;
        this.loop = new Thread(this::run, "bitsearch-worker");
        this.loop.setDaemon(false);
    }

    /** Starts the node (its first actor system at once) and returns; {@link #awaitClosed()} waits for its end. */
    public static WorkerNode start(ClusterSettings cluster, TrainerFactory trainers, List<String> devices, int slotsPerDevice,
                                   Path workDir, Duration rejoinDelay) {
        WorkerNode node = new WorkerNode(cluster, trainers, devices, slotsPerDevice, workDir, rejoinDelay);
        node.system = node.newSystem();
        node.loop.start();
        return node;
    }

    private ActorSystem<Void> newSystem() {
        incarnations++;
        Config config = cluster.config().withFallback(ConfigFactory.parseString("""
                pekko.loggers = ["org.apache.pekko.event.slf4j.Slf4jLogger"]
                pekko.logging-filter = "org.apache.pekko.event.slf4j.Slf4jLoggingFilter"
                pekko.loglevel = INFO
                pekko.log-dead-letters = off
                pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off
                pekko.coordinated-shutdown.exit-jvm = off
                """)).withFallback(ConfigFactory.load());
        return ActorSystem.create(guardian(), ClusterSettings.SYSTEM_NAME, config);
    }

    private Behavior<Void> guardian() {
        return Behaviors.setup(ctx -> {
            String node = nodeName(Cluster.get(ctx.getSystem()).selfMember().address());
            Executor blocking = ctx.getSystem().dispatchers().lookup(DispatcherSelector.fromConfig(TRAINER_DISPATCHER));
            ctx.spawn(TrainerHost.create(node, devices, slotsPerDevice, cluster.secret().orElse(""), trainers, blocking,
                    workDir.resolve("runs-" + incarnations)), "trainer-host");
            log.info("worker {} offers {} x {} slot(s) to the coordinator at {}", node, devices, slotsPerDevice, cluster.join().orElse("?"));
            // the coordinator left gracefully (a crash is the Split Brain Resolver's: it downs this side): end this
            // incarnation, so that the next one joins whatever coordinator comes back at the same address
            ctx.spawn(coordinatorWatch(), "coordinator-watch");
            return Behaviors.empty();
        });
    }

    static final String COORDINATOR_ROLE = "coordinator";

    /** Ends this incarnation when a coordinator member is removed from the cluster. */
    private static Behavior<ClusterEvent.MemberRemoved> coordinatorWatch() {
        return Behaviors.setup(ctx -> {
            Cluster.get(ctx.getSystem()).subscriptions().tell(Subscribe.create(ctx.getSelf(), ClusterEvent.MemberRemoved.class));
            return Behaviors.receive(ClusterEvent.MemberRemoved.class)
                    .onMessage(ClusterEvent.MemberRemoved.class, e -> {
                        if (e.member().hasRole(COORDINATOR_ROLE)) {
                            log.warn("the coordinator {} left the cluster; this worker will rejoin", e.member().address());
                            ctx.getSystem().terminate();
                        }
                        return Behaviors.same();
                    })
                    .build();
        });
    }

    /** "HOST:PORT" of a node's address. */
    static String nodeName(Address a) {
        return a.getHost().orElse("?") + ":" + a.getPort().map(String::valueOf).orElse("?");
    }

    private void run() {
        try {
            while (!closed) {
                ActorSystem<Void> s = system;
                s.getWhenTerminated().toCompletableFuture().join();
                if (closed) break;
                log.warn("worker left the cluster (the coordinator is gone or downed it); rejoining in {} s", rejoinDelay.toSeconds());
                if (closedLatch.await(rejoinDelay.toMillis(), TimeUnit.MILLISECONDS)) break;
                system = newSystem();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The node name of the running incarnation, "HOST:PORT". */
    public String node() { return nodeName(Cluster.get(system).selfMember().address()); }

    /** How many actor systems this node has started (1 + rejoins). */
    public int incarnations() { return incarnations; }

    /** Blocks until {@link #close()}. */
    public void awaitClosed() throws InterruptedException { closedLatch.await(); }

    /** Leaves the cluster and ends the node: running epochs are cancelled, their runs closed. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        closedLatch.countDown();
        ActorSystem<Void> s = system;
        Cluster.get(s).manager().tell(new org.apache.pekko.cluster.typed.Leave(Cluster.get(s).selfMember().address()));
        try {
            s.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            s.terminate();
        }
        try {
            loop.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
