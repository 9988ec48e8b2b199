package org.bitsearch.trainers.sim;

import org.bitsearch.trainers.io.AtomicFiles;

import org.bitsearch.search.engine.Seeds;
import org.bitsearch.search.trainer.EpochCancelledException;
import org.bitsearch.search.trainer.TrainingRun;
import org.bitsearch.search.trainer.TrialContext;
import org.bitsearch.search.trial.EpochMetrics;

import java.nio.file.Path;
import java.util.stream.Collectors;

/** One simulated trial run; see {@link SimulatedTrainer}. Not thread-safe. */
final class SimulatedRun implements TrainingRun {
    private static final double SAMPLES_PER_EPOCH = 60_000;
    private final SimulatedTrainerConfig config;
    private final LearningCurve curve;
    private final TrialContext context;
    private final boolean fails;
    private final int attempt;
    private int epochsDone;
    private boolean closed;
    private volatile boolean cancelled;
    /** How often a sleeping epoch looks for {@link #cancel()}. */
    private static final long CANCEL_POLL_MILLIS = 20;

    SimulatedRun(SimulatedTrainerConfig config, LearningCurve curve, TrialContext context, int epochsDone, boolean fails, int attempt) {
        this.config = config;
        this.curve = curve;
        this.context = context;
        this.epochsDone = epochsDone;
        this.fails = fails;
        this.attempt = attempt;
    }

    @Override public int nextEpoch() { return epochsDone + 1; }

    @Override public void cancel() { cancelled = true; }

    /** The simulated epoch's work: sleeping, in slices short enough that a cancellation ends it promptly. */
    private void sleepUnlessCancelled(int epoch, long millis) throws InterruptedException, EpochCancelledException {
        long end = System.nanoTime() + millis * 1_000_000L;
        for (long left = millis; ; left = (end - System.nanoTime()) / 1_000_000L) {
            if (cancelled) throw new EpochCancelledException(epoch);
            if (left <= 0) return;
            Thread.sleep(Math.min(left, CANCEL_POLL_MILLIS));
        }
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException("the run of trial " + context.number() + " is closed");
    }

    /**
     * Sleeps {@code epochSeconds}, then returns the modelled report of the next epoch.
     *
     * @throws IllegalStateException  past {@code maxEpochs} or after {@link #close()}
     * @throws SimulatedFailure       when failure injection says this attempt fails at this epoch
     * @throws InterruptedException   if interrupted while sleeping
     * @throws EpochCancelledException if {@link #cancel()} was called before or during the epoch
     */
    @Override public EpochMetrics trainEpoch() throws Exception {
        checkOpen();
        int epoch = epochsDone + 1;
        if (epoch > context.maxEpochs())
            throw new IllegalStateException("trial " + context.number() + " has trained its " + context.maxEpochs() + " epochs");
        sleepUnlessCancelled(epoch, Math.round(config.epochSeconds() * 1000));
        if (fails && epoch == config.failEpoch())
            throw new SimulatedFailure("injected failure: trial " + context.number() + ", epoch " + epoch + ", attempt " + attempt
                    + " of " + config.failAttempts() + " failing");
        epochsDone = epoch;
        double seconds = config.epochSeconds();
        double throughput = seconds > 0 ? SAMPLES_PER_EPOCH / seconds : 0;
        if (config.nanTrials().contains(context.number()) && epoch >= config.nanEpoch())
            return new EpochMetrics(epoch, Double.NaN, Double.NaN, Double.NaN, seconds, throughput);
        double acc = curve.accuracy(context.seed(), context.candidate(), epoch);
        double valLoss = 2.3 * (1 - acc) + 0.05;
        return new EpochMetrics(epoch, acc, valLoss, 0.9 * valLoss, seconds, throughput, curve.currentAccuracy(context.seed(), context.candidate(), epoch));
    }

    @Override public void saveCheckpoint(Path file) throws Exception {
        checkOpen();
        SimulatedCheckpoint.write(file, context.number(), context.seed(), LearningCurve.candidateHash(context.candidate()), epochsDone);
    }

    /** The modelled accuracy at the last trained epoch, less a small seeded generalisation gap. */
    @Override public double testAccuracy() {
        checkOpen();
        double gap = 0.01 + 0.005 * Math.abs(Seeds.rng(context.seed(), 0x7E57L).nextGaussian());
        return Math.max(0, curve.accuracy(context.seed(), context.candidate(), epochsDone) - gap);
    }

    /** Writes a small JSON description of the simulated model (atomically). */
    @Override public void exportModel(Path file) throws Exception {
        checkOpen();
        String params = context.candidate().params().entrySet().stream()
                .map(e -> quote(e.getKey()) + ":" + value(e.getValue())).collect(Collectors.joining(","));
        String json = "{\"kind\":\"simulated\",\"trial\":" + context.number() + ",\"seed\":" + context.seed()
                + ",\"epochs\":" + epochsDone + ",\"bits\":" + context.candidate().bits().bits()
                + ",\"params\":{" + params + "},\"testAccuracy\":" + testAccuracy() + "}\n";
        AtomicFiles.writeString(file, json);
    }

    private static String value(Object v) {
        if (v instanceof Double d && !Double.isFinite(d)) return quote(d.toString());
        return v instanceof String s ? quote(s) : String.valueOf(v);
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char ch : s.toCharArray()) {
            if (ch == '"' || ch == '\\') b.append('\\').append(ch);
            else if (ch < 0x20) b.append(String.format("\\u%04x", (int) ch));
            else b.append(ch);
        }
        return b.append('"').toString();
    }

    @Override public void close() { closed = true; }
}
