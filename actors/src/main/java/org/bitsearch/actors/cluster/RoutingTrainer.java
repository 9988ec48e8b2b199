package org.bitsearch.actors.cluster;

import org.apache.pekko.actor.typed.ActorSystem;
import org.bitsearch.search.space.QuantLayer;
import org.bitsearch.search.trainer.Trainer;
import org.bitsearch.search.trainer.TrainingRun;
import org.bitsearch.search.trainer.TrialContext;

import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/**
 * A search's trainer on a coordinator: a run on a slot of this process ({@code cpu:0}) is opened by the local
 * trainer; a run on a worker's slot ({@code 127.0.0.1:25521/cpu:0}) is a {@link RemoteTrainingRun} on that worker,
 * which rebuilds the same trainer from {@code kind} and {@code configJson} with its own data directory.
 */
public final class RoutingTrainer implements Trainer {
    private final Trainer local;
    private final String kind;
    private final String configJson;
    private final Workers workers;
    private final Supplier<ActorSystem<?>> system;
    private final Duration epochTimeout;

    public RoutingTrainer(Trainer local, String kind, String configJson, Workers workers, Supplier<ActorSystem<?>> system,
                          Duration epochTimeout) {
        this.local = local;
        this.kind = kind;
        this.configJson = configJson;
        this.workers = workers;
        this.system = system;
        this.epochTimeout = epochTimeout;
    }

    @Override public List<QuantLayer> layers() { return local.layers(); }

    /** The trainer of this process (what runs on local slots). */
    public Trainer local() { return local; }

    @Override
    public TrainingRun open(TrialContext context) throws Exception {
        if (context.node().isEmpty()) return local.open(context);
        String node = context.node().get();
        Workers.Worker worker = workers.find(node)
                .orElseThrow(() -> new Workers.WorkerLostException(node, "it is not a member of the cluster now"));
        try {
            return RemoteTrainingRun.open(worker, system.get(), kind, configJson, fingerprint(), context, epochTimeout);
        } catch (Workers.OtherDataException e) {
            workers.refuse(node, e); // nothing more is placed there; this attempt is retried on another slot
            throw e;
        }
    }

    private String fingerprint;

    /** The local trainer's data fingerprint, once ("" when it has none): workers must hold the same data. */
    private synchronized String fingerprint() throws Exception {
        if (fingerprint == null) fingerprint = local.dataFingerprint().orElse("");
        return fingerprint;
    }

    @Override public java.util.Optional<String> dataFingerprint() throws Exception { return local.dataFingerprint(); }

    /** The local trainer's (sensitivity is measured on the coordinator). */
    @Override public boolean measuresSensitivity() { return local.measuresSensitivity(); }

    @Override public org.bitsearch.search.trainer.LayerSensitivity sensitivity(List<Integer> bits) throws Exception { return local.sensitivity(bits); }

    /** The local trainer's: the same config runs on every node. */
    @Override public int fullyQuantizedEpoch() { return local.fullyQuantizedEpoch(); }
}
