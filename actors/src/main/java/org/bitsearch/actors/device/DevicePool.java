package org.bitsearch.actors.device;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.Map;

/**
 * Hands out device slots ("cpu:0", "gpu:1") to trial actors, first come first served, shared by every search.
 * A holder keeps its slot until it terminates, whatever the reason (finished, stopped, crashed): the pool
 * watches every holder ({@code watchWith}), so a slot always comes back and is never handed out twice.
 * Holders that wait are queued in arrival order; a waiting holder that terminates leaves the queue.
 * A holder that runs blocking work on its slot tells {@link HoldUntil} first: if it terminates while that work
 * still runs (its parent stopped it), the slot comes back only when the work has ended, so that a new attempt
 * never shares the device with a still-running step.
 */
public final class DevicePool extends AbstractBehavior<DevicePool.Command> {

    public sealed interface Command {}

    /**
     * Asks for a slot for {@code holder} (the actor that will use it and whose termination returns it); the
     * answer goes to {@code replyTo}. A holder asks at most once.
     */
    public record Acquire(ActorRef<?> holder, ActorRef<Granted> replyTo) implements Command {}

    /** Asks for the pool's state. */
    public record GetStatus(ActorRef<Status> replyTo) implements Command {}

    /**
     * Keeps {@code holder}'s slot taken until {@code until} completes, even if the holder terminates first.
     * Told by the holder, while alive, before each blocking step on the slot; ignored for a holder without a slot.
     */
    public record HoldUntil(ActorRef<?> holder, CompletionStage<?> until) implements Command {}

    /**
     * Adds the slots of a cluster worker: {@code slotsPerDevice} slots per device, each named {@code node + "/" +
     * device} ("127.0.0.1:25521/cpu:0"). A node added again (it rejoined) gets fresh slots; its old ones stay retired.
     */
    public record AddNode(String node, List<String> devices, int slotsPerDevice) implements Command {
        public AddNode {
            if (node == null || node.isBlank() || node.contains("/")) throw new IllegalArgumentException("node is '" + node + "', but must be a non-blank name without '/'");
            devices = List.copyOf(devices);
            if (slotsPerDevice < 1) throw new IllegalArgumentException("slotsPerDevice is " + slotsPerDevice + ", but must be >= 1");
        }
    }

    /**
     * Retires every slot of {@code node} (it left the cluster or was downed): free ones at once, taken ones when their
     * holder terminates (its run fails when the node is gone); none of them is handed out again.
     */
    public record RemoveNode(String node) implements Command {}

    private record HolderTerminated(ActorRef<?> holder) implements Command {}

    private record StepEnded(ActorRef<?> holder, CompletionStage<?> step) implements Command {}

    /** A slot: use {@code device} until the holder terminates. */
    public record Granted(String device) {}

    /**
     * The pool's state.
     *
     * @param slots     every slot's device, one entry per slot
     * @param inUse     device by holder path, for the slots handed out
     * @param waiting   holders queued for a slot
     * @param highWater the most slots ever in use at once
     */
    public record Status(List<String> slots, Map<String, String> inUse, int waiting, int highWater) {
        public Status {
            slots = List.copyOf(slots);
            inUse = Map.copyOf(inUse);
        }
    }

    private final List<String> slots;
    private final java.util.Set<Integer> retired = new java.util.HashSet<>();
    private final Deque<Integer> free = new ArrayDeque<>();
    private final Map<ActorRef<?>, Integer> holders = new LinkedHashMap<>();
    private final Deque<Acquire> waiting = new ArrayDeque<>();
    private final Map<ActorRef<?>, CompletionStage<?>> busy = new HashMap<>();
    private final java.util.Set<ActorRef<?>> terminatedBusy = new java.util.HashSet<>();
    private int highWater;

    /**
     * @param devices        device ids from {@link DeviceDiscovery}
     * @param slotsPerDevice how many trials may share one device (>= 1)
     */
    public static Behavior<Command> create(List<String> devices, int slotsPerDevice) {
        if (devices == null) throw new IllegalArgumentException("devices must not be null (empty: only cluster workers' slots)");
        if (slotsPerDevice < 1) throw new IllegalArgumentException("slotsPerDevice is " + slotsPerDevice + ", but must be >= 1");
        List<String> slots = new ArrayList<>();
        for (int k = 0; k < slotsPerDevice; k++) slots.addAll(devices);
        return Behaviors.setup(ctx -> new DevicePool(ctx, slots));
    }

    private DevicePool(ActorContext<Command> ctx, List<String> slots) {
        super(ctx);
        this.slots = new ArrayList<>(slots);
        for (int i = 0; i < slots.size(); i++) free.addLast(i);
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Acquire.class, this::onAcquire)
                .onMessage(HolderTerminated.class, this::onHolderTerminated)
                .onMessage(HoldUntil.class, this::onHoldUntil)
                .onMessage(StepEnded.class, this::onStepEnded)
                .onMessage(GetStatus.class, this::onGetStatus)
                .onMessage(AddNode.class, this::onAddNode)
                .onMessage(RemoveNode.class, this::onRemoveNode)
                .build();
    }

    private Behavior<Command> onAcquire(Acquire a) {
        if (holders.containsKey(a.holder()) || waiting.stream().anyMatch(w -> w.holder().equals(a.holder()))) {
            getContext().getLog().warn("{} asked for a second slot; ignored", a.holder().path());
            return this;
        }
        getContext().watchWith(a.holder(), new HolderTerminated(a.holder()));
        waiting.addLast(a);
        grant();
        return this;
    }

    private Behavior<Command> onHoldUntil(HoldUntil h) {
        if (!holders.containsKey(h.holder())) return this;
        busy.put(h.holder(), h.until());
        getContext().pipeToSelf(h.until(), (v, e) -> new StepEnded(h.holder(), h.until()));
        return this;
    }

    private Behavior<Command> onStepEnded(StepEnded s) {
        if (busy.get(s.holder()) != s.step()) return this;
        busy.remove(s.holder());
        if (terminatedBusy.remove(s.holder())) return onHolderTerminated(new HolderTerminated(s.holder()));
        return this;
    }

    private Behavior<Command> onHolderTerminated(HolderTerminated t) {
        if (busy.containsKey(t.holder())) {
            terminatedBusy.add(t.holder());
            return this;
        }
        Integer slot = holders.remove(t.holder());
        if (slot != null && !retired.contains(slot)) free.addFirst(slot);
        else waiting.removeIf(w -> w.holder().equals(t.holder()));
        grant();
        return this;
    }

    private Behavior<Command> onAddNode(AddNode a) {
        for (int k = 0; k < a.slotsPerDevice(); k++)
            for (String device : a.devices()) {
                slots.add(a.node() + "/" + device);
                free.addLast(slots.size() - 1);
            }
        getContext().getLog().info("node {} offers {} slot(s): {}", a.node(), a.devices().size() * a.slotsPerDevice(), a.devices());
        grant();
        return this;
    }

    private Behavior<Command> onRemoveNode(RemoveNode r) {
        String prefix = r.node() + "/";
        for (int i = 0; i < slots.size(); i++) if (slots.get(i).startsWith(prefix)) retired.add(i);
        free.removeIf(retired::contains);
        getContext().getLog().info("node {} left: its slots are retired", r.node());
        return this;
    }

    private Behavior<Command> onGetStatus(GetStatus g) {
        Map<String, String> inUse = new HashMap<>();
        holders.forEach((h, s) -> inUse.put(h.path().toString(), slots.get(s)));
        List<String> live = new ArrayList<>();
        for (int i = 0; i < slots.size(); i++) if (!retired.contains(i)) live.add(slots.get(i));
        g.replyTo().tell(new Status(live, inUse, waiting.size(), highWater));
        return this;
    }

    private void grant() {
        while (!free.isEmpty() && !waiting.isEmpty()) {
            Acquire next = waiting.removeFirst();
            int slot = free.removeFirst();
            holders.put(next.holder(), slot);
            highWater = Math.max(highWater, holders.size());
            next.replyTo().tell(new Granted(slots.get(slot)));
        }
    }
}
