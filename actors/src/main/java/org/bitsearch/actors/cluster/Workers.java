package org.bitsearch.actors.cluster;

import org.apache.pekko.actor.typed.ActorRef;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The workers a coordinator may place runs on, as its {@link WorkerDirectory} last saw them: thread-safe, read by
 * {@link RemoteTrainingRun}s on blocking threads and by the HTTP API. Each worker comes with a future that fails
 * when the worker is lost, so that a run waiting for that worker's answer fails at once instead of waiting out its
 * timeout.
 */
public final class Workers {
    /** A worker: its host actor, what it offers, and the future that fails when it is lost. */
    public record Worker(String node, ActorRef<TrainerHost.Command> host, List<String> devices, int slotsPerDevice,
                         CompletableFuture<Void> lost) {
        public Worker { devices = List.copyOf(devices); }
    }

    /** What the page shows of a worker. */
    public record NodeView(String node, List<String> devices, int slots) {
        public NodeView { devices = List.copyOf(devices); }
    }

    private final Map<String, Worker> workers = new ConcurrentHashMap<>();

    void add(Worker w) {
        Worker old = workers.put(w.node(), w);
        if (old != null) old.lost().completeExceptionally(new WorkerLostException(old.node(), "it rejoined"));
    }

    void remove(String node, String why) {
        Worker w = workers.remove(node);
        if (w != null) w.lost().completeExceptionally(new WorkerLostException(node, why));
    }

    /**
     * Refuses the worker named {@code node} for placement (its data differs from the coordinator's): it is no longer
     * found here, and its {@code lost} future fails with {@code why}, on which the {@link WorkerDirectory} retires its
     * slots and does not accept this incarnation again.
     */
    void refuse(String node, OtherDataException why) {
        Worker w = workers.remove(node);
        if (w != null) w.lost().completeExceptionally(why);
    }

    /** The worker named {@code node}, if it is a member now. */
    public Optional<Worker> find(String node) { return Optional.ofNullable(workers.get(node)); }

    /** Every worker now, by node name. */
    public List<NodeView> nodes() {
        List<NodeView> out = new ArrayList<>();
        for (Worker w : workers.values()) out.add(new NodeView(w.node(), w.devices(), w.devices().size() * w.slotsPerDevice()));
        out.sort(Comparator.comparing(NodeView::node));
        return out;
    }

    /** A worker's data differs from the coordinator's: it is refused for placement until it restarts with the same data. */
    public static final class OtherDataException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public OtherDataException(String node, String message) {
            super(message + "; worker " + node + " is refused for placement, the attempt is retried on another slot");
        }
    }

    /** A worker left, was downed, or rejoined as a new incarnation: its runs cannot go on. */
    public static final class WorkerLostException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public WorkerLostException(String node, String why) {
            super("worker " + node + " was lost (" + why + "); the attempt is retried from its last checkpoint");
        }
    }
}
