package org.bitsearch.bench;

import org.bitsearch.search.space.QuantLayer;
import org.bitsearch.search.trainer.Trainer;
import org.bitsearch.search.trainer.TrainingRun;
import org.bitsearch.search.trainer.TrialContext;
import org.bitsearch.search.trial.EpochMetrics;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A {@link Trainer} that delegates to another and stamps {@link System#nanoTime()} the moment each epoch's report
 * leaves the run, keyed by (trial, epoch) ({@link #key}), so the orchestration bench can measure how long the
 * report takes to become a published pruning decision. Thread-safe if the stamp map is.
 */
final class TimedTrainer implements Trainer {
    private final Trainer inner;
    private final Map<Long, Long> stamps;

    TimedTrainer(Trainer inner, Map<Long, Long> stamps) {
        this.inner = inner;
        this.stamps = stamps;
    }

    static long key(int number, int epoch) { return ((long) number << 20) | epoch; }

    @Override public List<QuantLayer> layers() { return inner.layers(); }

    @Override
    public TrainingRun open(TrialContext context) throws Exception {
        TrainingRun run = inner.open(context);
        int number = context.number();
        return new TrainingRun() {
            @Override public int nextEpoch() { return run.nextEpoch(); }

            @Override public EpochMetrics trainEpoch() throws Exception {
                EpochMetrics m = run.trainEpoch();
                stamps.put(key(number, m.epoch()), System.nanoTime());
                return m;
            }

            @Override public void saveCheckpoint(Path file) throws Exception { run.saveCheckpoint(file); }
            @Override public double testAccuracy() throws Exception { return run.testAccuracy(); }
            @Override public void exportModel(Path file) throws Exception { run.exportModel(file); }
            @Override public void cancel() { run.cancel(); }
            @Override public void close() { run.close(); }
        };
    }
}
