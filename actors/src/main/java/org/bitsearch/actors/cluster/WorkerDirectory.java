package org.bitsearch.actors.cluster;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.bitsearch.actors.device.DevicePool;

import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The coordinator's view of its workers: subscribes to the {@link TrainerHost}s the Receptionist lists, greets each
 * new one, accepts its {@link TrainerHost.Offer} when the secret matches (constant-time comparison), adds its slots
 * to the device pool and records it in {@link Workers}. A worker that disappears from the listing or whose host
 * terminates (it left, crashed and was downed by the Split Brain Resolver, or was partitioned away) is removed: its
 * slots are retired and its runs fail, to be retried elsewhere.
 */
public final class WorkerDirectory extends AbstractBehavior<WorkerDirectory.Command> {
    public sealed interface Command {}

    private record Listing(Receptionist.Listing listing) implements Command {}

    private record OfferReceived(TrainerHost.Offer offer) implements Command {}

    private record HostTerminated(ActorRef<TrainerHost.Command> host) implements Command {}

    /** A worker's {@code lost} future completed with {@code cause} (the worker was dropped, or refused for other data). */
    private record Lost(ActorRef<TrainerHost.Command> host, Throwable cause) implements Command {}

    public static Behavior<Command> create(ActorRef<DevicePool.Command> pool, Workers workers, Optional<String> secret) {
        return Behaviors.setup(ctx -> {
            ActorRef<Receptionist.Listing> adapter = ctx.messageAdapter(Receptionist.Listing.class, Listing::new);
            ctx.getSystem().receptionist().tell(Receptionist.subscribe(TrainerHost.KEY, adapter));
            return new WorkerDirectory(ctx, pool, workers, secret);
        });
    }

    private final ActorRef<DevicePool.Command> pool;
    private final Workers workers;
    private final Optional<String> secret;
    private final ActorRef<TrainerHost.Offer> offers;
    private final Set<ActorRef<TrainerHost.Command>> greeted = new HashSet<>();
    /** Hosts refused for other data (this incarnation is never accepted again). */
    private final Set<ActorRef<TrainerHost.Command>> refused = new HashSet<>();
    private final Map<ActorRef<TrainerHost.Command>, String> accepted = new HashMap<>();

    private WorkerDirectory(ActorContext<Command> ctx, ActorRef<DevicePool.Command> pool, Workers workers, Optional<String> secret) {
        super(ctx);
        this.pool = pool;
        this.workers = workers;
        this.secret = secret;
        this.offers = ctx.messageAdapter(TrainerHost.Offer.class, OfferReceived::new);
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Listing.class, this::onListing)
                .onMessage(OfferReceived.class, this::onOffer)
                .onMessage(Lost.class, this::onLost)
                .onMessage(HostTerminated.class, t -> {
                    drop(t.host(), "its node left the cluster or was downed");
                    return this;
                })
                .build();
    }

    private Behavior<Command> onListing(Listing l) {
        Set<ActorRef<TrainerHost.Command>> now = l.listing().getServiceInstances(TrainerHost.KEY);
        for (ActorRef<TrainerHost.Command> host : now) {
            if (greeted.add(host) && !isLocal(host)) host.tell(new TrainerHost.Hello(offers));
        }
        for (ActorRef<TrainerHost.Command> host : Set.copyOf(greeted)) {
            if (!now.contains(host)) {
                greeted.remove(host);
                drop(host, "it is no longer listed");
            }
        }
        return this;
    }

    /** A host in this very process (a coordinator never offers itself: its own slots are the local ones). */
    private boolean isLocal(ActorRef<TrainerHost.Command> host) {
        return host.path().address().hasLocalScope();
    }

    private Behavior<Command> onOffer(OfferReceived r) {
        TrainerHost.Offer o = r.offer();
        if (!greeted.contains(o.host()) || accepted.containsKey(o.host()) || refused.contains(o.host())) return this;
        if (secret.isPresent() && !sameSecret(secret.get(), o.secret())) {
            getContext().getLog().warn("worker {} presented a wrong cluster secret: its slots are not used", o.node());
            return this;
        }
        accepted.put(o.host(), o.node());
        getContext().watchWith(o.host(), new HostTerminated(o.host()));
        CompletableFuture<Void> lost = new CompletableFuture<>();
        workers.add(new Workers.Worker(o.node(), o.host(), o.devices(), o.slotsPerDevice(), lost));
        getContext().pipeToSelf(lost, (v, e) -> new Lost(o.host(), e));
        if (!o.devices().isEmpty()) pool.tell(new DevicePool.AddNode(o.node(), o.devices(), o.slotsPerDevice()));
        getContext().getLog().info("worker {} joined with devices {}", o.node(), o.devices());
        return this;
    }

    /** A worker refused for other data: its slots are retired and this incarnation is never accepted again. */
    private Behavior<Command> onLost(Lost l) {
        Throwable cause = l.cause() instanceof java.util.concurrent.CompletionException && l.cause().getCause() != null ? l.cause().getCause() : l.cause();
        if (cause instanceof Workers.OtherDataException) {
            refused.add(l.host());
            drop(l.host(), cause.getMessage());
        }
        return this; // any other loss was dropped where it happened
    }

    private void drop(ActorRef<TrainerHost.Command> host, String why) {
        String node = accepted.remove(host);
        if (node == null) return;
        pool.tell(new DevicePool.RemoveNode(node));
        workers.remove(node, why);
        getContext().getLog().warn("worker {} is gone ({}): its slots are retired", node, why);
    }

    static boolean sameSecret(String expected, String given) {
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), (given == null ? "" : given).getBytes(StandardCharsets.UTF_8));
    }
}
