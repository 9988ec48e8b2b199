package org.bitsearch.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Samples the 1-minute load average every few seconds on a daemon thread while the bench runs, so the report can say
 * how busy the machine was throughout, not only at the start and the end. Thread-safe.
 */
final class LoadSampler implements AutoCloseable {
    private final List<Double> samples = new ArrayList<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "bench-load-sampler");
        t.setDaemon(true);
        return t;
    });

    /** Starts sampling every {@code seconds}. */
    LoadSampler(int seconds) {
        timer.scheduleAtFixedRate(this::sample, 0, seconds, TimeUnit.SECONDS);
    }

    private void sample() {
        MachineInfo.loadAverage().ifPresent(l -> {
            synchronized (samples) {
                samples.add(Double.parseDouble(l.split(" ")[0]));
            }
        });
    }

    /** The 1-minute load averages sampled so far, if any. */
    Optional<Summary> summary() {
        synchronized (samples) {
            return samples.isEmpty() ? Optional.empty() : Optional.of(Summary.of(samples));
        }
    }

    @Override public void close() { timer.shutdownNow(); }
}
