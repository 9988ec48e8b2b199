package org.bitsearch.actors;

import org.bitsearch.actors.device.GpuSelection;
import org.bitsearch.actors.cluster.ClusterSettings;
import org.bitsearch.actors.spec.TrainerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * How a {@link SearchSystem} runs. Start from {@link #defaults(Path)} and change what you need with the
 * {@code withXxx} methods.
 *
 * @param dataDir           the data directory: checkpoints go to {@code <dataDir>/checkpoints} (the database usually lives here too)
 * @param cpuSlots          CPU slots when no GPU is used; 0 = one per core (at least 1)
 * @param slotsPerDevice    trials that may share one device at once (>= 1)
 * @param gpus              which GPUs to use ({@code --gpus}; default {@link GpuSelection#AUTO}: those visible when the
 *                          CUDA backend is on the class path)
 * @param datasetsDir       the data directory a trainer uses when the spec names none
 * @param resumeInterrupted resume every interrupted search found in the database at start
 * @param retryBackoff      delay before the first retry of a failed trial (doubled per further retry)
 * @param maxRetryBackoff   the longest retry delay
 * @param askTimeout        how long service calls wait for the registry
 * @param shutdownTimeout   how long {@link SearchSystem#close()} waits for the searches to stop (running epochs are cancelled)
 * @param trainers          the trainer kinds specs may name
 * @param cluster           this process as the coordinator of a cluster (empty: a single process); with a cluster,
 *                          {@code cpuSlots} 0 means no local slot (train only on workers)
 */
public record SearchSystemSettings(Path dataDir, int cpuSlots, int slotsPerDevice, GpuSelection gpus,
                                   Optional<Path> datasetsDir, boolean resumeInterrupted, Duration retryBackoff,
                                   Duration maxRetryBackoff, Duration askTimeout, Duration shutdownTimeout,
                                   TrainerFactory trainers, Optional<ClusterSettings> cluster) {
    public SearchSystemSettings {
        if (dataDir == null) throw new IllegalArgumentException("dataDir must not be null");
        if (cpuSlots < 0) throw new IllegalArgumentException("cpuSlots is " + cpuSlots + ", but must be >= 0 (0 = one per core)");
        if (slotsPerDevice < 1) throw new IllegalArgumentException("slotsPerDevice is " + slotsPerDevice + ", but must be >= 1");
        if (gpus == null) gpus = GpuSelection.AUTO;
        if (datasetsDir == null) datasetsDir = Optional.empty();
        if (retryBackoff == null || retryBackoff.isNegative()) throw new IllegalArgumentException("retryBackoff is " + retryBackoff + ", but must be >= 0");
        if (maxRetryBackoff == null || maxRetryBackoff.compareTo(retryBackoff) < 0)
            throw new IllegalArgumentException("maxRetryBackoff is " + maxRetryBackoff + ", but must be >= retryBackoff (" + retryBackoff + ")");
        if (askTimeout == null || askTimeout.isNegative() || askTimeout.isZero()) throw new IllegalArgumentException("askTimeout is " + askTimeout + ", but must be > 0");
        if (shutdownTimeout == null || shutdownTimeout.isNegative() || shutdownTimeout.isZero()) throw new IllegalArgumentException("shutdownTimeout is " + shutdownTimeout + ", but must be > 0");
        if (trainers == null) throw new IllegalArgumentException("trainers must not be null");
        if (cluster == null) cluster = Optional.empty();
        if (cluster.isPresent() && cluster.get().role() != ClusterSettings.Role.COORDINATOR)
            throw new IllegalArgumentException("cluster role is " + cluster.get().role() + ", but a search system is a COORDINATOR");
    }

    /**
     * Defaults: CPU slots one per core, one trial per device, GPUs used when available, interrupted searches
     * resumed at start, retries after 1 s, 2 s, 4 s ... (at most 60 s), and the given trainer kinds (the application
     * passes its standard ones; the actors know no trainer of their own).
     */
    public static SearchSystemSettings defaults(Path dataDir, TrainerFactory trainers) {
        return new SearchSystemSettings(dataDir, 0, 1, GpuSelection.AUTO, Optional.empty(), true, Duration.ofSeconds(1),
                Duration.ofSeconds(60), Duration.ofSeconds(30), Duration.ofMinutes(10), trainers, Optional.empty());
    }

    public SearchSystemSettings withCpuSlots(int n) { return new SearchSystemSettings(dataDir, n, slotsPerDevice, gpus, datasetsDir, resumeInterrupted, retryBackoff, maxRetryBackoff, askTimeout, shutdownTimeout, trainers, cluster); }
    public SearchSystemSettings withSlotsPerDevice(int n) { return new SearchSystemSettings(dataDir, cpuSlots, n, gpus, datasetsDir, resumeInterrupted, retryBackoff, maxRetryBackoff, askTimeout, shutdownTimeout, trainers, cluster); }
    public SearchSystemSettings withUseGpus(boolean b) { return withGpus(b ? GpuSelection.AUTO : GpuSelection.NONE); }
    public SearchSystemSettings withGpus(GpuSelection g) { return new SearchSystemSettings(dataDir, cpuSlots, slotsPerDevice, g, datasetsDir, resumeInterrupted, retryBackoff, maxRetryBackoff, askTimeout, shutdownTimeout, trainers, cluster); }
    public SearchSystemSettings withDatasetsDir(Path dir) { return new SearchSystemSettings(dataDir, cpuSlots, slotsPerDevice, gpus, Optional.ofNullable(dir), resumeInterrupted, retryBackoff, maxRetryBackoff, askTimeout, shutdownTimeout, trainers, cluster); }
    public SearchSystemSettings withResumeInterrupted(boolean b) { return new SearchSystemSettings(dataDir, cpuSlots, slotsPerDevice, gpus, datasetsDir, b, retryBackoff, maxRetryBackoff, askTimeout, shutdownTimeout, trainers, cluster); }
    public SearchSystemSettings withRetryBackoff(Duration d) { return new SearchSystemSettings(dataDir, cpuSlots, slotsPerDevice, gpus, datasetsDir, resumeInterrupted, d, maxRetryBackoff.compareTo(d) < 0 ? d : maxRetryBackoff, askTimeout, shutdownTimeout, trainers, cluster); }
    public SearchSystemSettings withShutdownTimeout(Duration d) { return new SearchSystemSettings(dataDir, cpuSlots, slotsPerDevice, gpus, datasetsDir, resumeInterrupted, retryBackoff, maxRetryBackoff, askTimeout, d, trainers, cluster); }
    public SearchSystemSettings withCluster(ClusterSettings c) { return new SearchSystemSettings(dataDir, cpuSlots, slotsPerDevice, gpus, datasetsDir, resumeInterrupted, retryBackoff, maxRetryBackoff, askTimeout, shutdownTimeout, trainers, Optional.ofNullable(c)); }
    public SearchSystemSettings withTrainers(TrainerFactory t) { return new SearchSystemSettings(dataDir, cpuSlots, slotsPerDevice, gpus, datasetsDir, resumeInterrupted, retryBackoff, maxRetryBackoff, askTimeout, shutdownTimeout, t, cluster); }
}
