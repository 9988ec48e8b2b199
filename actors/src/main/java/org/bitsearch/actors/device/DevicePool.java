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
import java.util.Map;

/**
 * Hands out device slots ("cpu:0", "gpu:1") to trial actors, first come first served, shared by every search.
 * A holder keeps its slot until it terminates, whatever the reason (finished, stopped, crashed): the pool
 * watches every holder ({@code watchWith}), so a slot always comes back and is never handed out twice.
 * Holders that wait are queued in arrival order; a waiting holder that terminates leaves the queue.
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

    private record HolderTerminated(ActorRef<?> holder) implements Command {}

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
    private final Deque<Integer> free = new ArrayDeque<>();
    private final Map<ActorRef<?>, Integer> holders = new LinkedHashMap<>();
    private final Deque<Acquire> waiting = new ArrayDeque<>();
    private int highWater;

    /**
     * @param devices        device ids from {@link DeviceDiscovery}
     * @param slotsPerDevice how many trials may share one device (>= 1)
     */
    public static Behavior<Command> create(List<String> devices, int slotsPerDevice) {
        if (devices == null || devices.isEmpty()) throw new IllegalArgumentException("devices is empty, but the pool needs at least one device");
        if (slotsPerDevice < 1) throw new IllegalArgumentException("slotsPerDevice is " + slotsPerDevice + ", but must be >= 1");
        List<String> slots = new ArrayList<>();
        for (int k = 0; k < slotsPerDevice; k++) slots.addAll(devices);
        return Behaviors.setup(ctx -> new DevicePool(ctx, slots));
    }

    private DevicePool(ActorContext<Command> ctx, List<String> slots) {
        super(ctx);
        this.slots = List.copyOf(slots);
        for (int i = 0; i < slots.size(); i++) free.addLast(i);
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Acquire.class, this::onAcquire)
                .onMessage(HolderTerminated.class, this::onHolderTerminated)
                .onMessage(GetStatus.class, this::onGetStatus)
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

    private Behavior<Command> onHolderTerminated(HolderTerminated t) {
        Integer slot = holders.remove(t.holder());
        if (slot != null) free.addFirst(slot);
        else waiting.removeIf(w -> w.holder().equals(t.holder()));
        grant();
        return this;
    }

    private Behavior<Command> onGetStatus(GetStatus g) {
        Map<String, String> inUse = new HashMap<>();
        holders.forEach((h, s) -> inUse.put(h.path().toString(), slots.get(s)));
        g.replyTo().tell(new Status(slots, inUse, waiting.size(), highWater));
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
