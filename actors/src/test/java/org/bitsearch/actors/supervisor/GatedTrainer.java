package org.bitsearch.actors.supervisor;

import org.bitsearch.actors.spec.TrainerFactory;
import org.bitsearch.trainers.sim.SimulatedTrainer;
import org.bitsearch.trainers.sim.SimulatedTrainerConfig;
import org.bitsearch.search.space.QuantLayer;
import org.bitsearch.search.trainer.EpochCancelledException;
import org.bitsearch.search.trainer.Trainer;
import org.bitsearch.search.trainer.TrainingRun;
import org.bitsearch.search.trainer.TrialContext;
import org.bitsearch.search.trial.EpochMetrics;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.bitsearch.search.trainer.LayerSensitivity;

/**
 * The simulated trainer (trainer kind {@code gated}, same options), except that every epoch and every test-accuracy
 * measurement first takes a permit
 * from {@link #GATE} (an epoch waiting at the gate ends with EpochCancelledException when the run is cancelled): a test decides exactly how many epochs run before it acts, whatever the machine's speed.
 * One test at a time uses the gate (surefire runs a class's tests one after another); reset it first.
 */
final class GatedTrainer implements Trainer {
    static final Semaphore GATE = new Semaphore(0);
    /** Taken by every {@link #sensitivity} call before it answers the simulated trainer's table. */
    static final Semaphore TABLE_GATE = new Semaphore(0);
    /** When set, {@link #sensitivity} throws this message after its gate. */
    static volatile String tableFailure;
    static final TrainerFactory.Kind<SimulatedTrainerConfig> KIND =
            new TrainerFactory.Kind<>("gated", SimulatedTrainerConfig.class, c -> new GatedTrainer(new SimulatedTrainer(c)),
                    SimulatedTrainer.hyperparameters());

    private final SimulatedTrainer inner;

    private GatedTrainer(SimulatedTrainer inner) { this.inner = inner; }

    static void reset() {
        GATE.drainPermits();
        TABLE_GATE.drainPermits();
        tableFailure = null;
    }

    @Override public boolean measuresSensitivity() { return inner.measuresSensitivity(); }

    @Override public LayerSensitivity sensitivity(List<Integer> bits) throws Exception {
        TABLE_GATE.acquire();
        if (tableFailure != null) throw new IllegalStateException(tableFailure);
        return inner.sensitivity(bits);
    }

    @Override public List<QuantLayer> layers() { return inner.layers(); }

    @Override public TrainingRun open(TrialContext context) throws Exception {
        TrainingRun run = inner.open(context);
        return new TrainingRun() {
            private volatile boolean cancelled;

            @Override public int nextEpoch() { return run.nextEpoch(); }
            @Override public EpochMetrics trainEpoch() throws Exception {
                while (!GATE.tryAcquire(10, TimeUnit.MILLISECONDS)) // waiting at the gate is a "minibatch" that cancel() ends
                    if (cancelled) throw new EpochCancelledException(run.nextEpoch());
                return run.trainEpoch();
            }
            @Override public void saveCheckpoint(Path file) throws Exception { run.saveCheckpoint(file); }
            @Override public double testAccuracy() throws Exception {
                GATE.acquire();
                return run.testAccuracy();
            }
            @Override public void exportModel(Path file) throws Exception { run.exportModel(file); }
            @Override public void cancel() {
                cancelled = true;
                run.cancel();
            }
            @Override public void close() { run.close(); }
        };
    }
}
