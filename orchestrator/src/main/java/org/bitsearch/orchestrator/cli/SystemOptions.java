package org.bitsearch.orchestrator.cli;

import org.bitsearch.actors.cluster.ClusterSettings;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.Optional;

/** Device options shared by the commands that train. */
public final class SystemOptions {
    @Option(names = "--cpu-slots", paramLabel = "N", defaultValue = "0",
            description = "trials training at once on CPU; 0 = one per core (default), or none with --cluster")
    int cpuSlots;

    @Option(names = "--slots-per-device", paramLabel = "N", defaultValue = "1",
            description = "trials sharing one device (default: ${DEFAULT-VALUE})")
    int slotsPerDevice;

    @Option(names = "--cluster", paramLabel = "HOST:PORT",
            description = "be the coordinator of a cluster, listening for workers ('bitsearch worker --join HOST:PORT') there; "
                    + "with --cpu-slots 0 this process trains nothing itself")
    String cluster;

    @Mixin ClusterOptions clusterOptions;

    /** The coordinator settings, if {@code --cluster} was given; throws IllegalArgumentException naming the flag. */
    Optional<ClusterSettings> coordinator() {
        if (cluster == null) return Optional.empty();
        return Optional.of(ClusterSettings.coordinator(cluster, clusterOptions.secret(), clusterOptions.tls()));
    }

    @Option(names = "--gpus", paramLabel = "LIST", defaultValue = "auto",
            description = "GPUs to train on: auto (default: the visible ones when the DL4J CUDA backend is built in), "
                    + "all (every visible GPU, e.g. for the process trainer), none, or indices such as 0,1 "
                    + "(visible GPUs: nvidia-smi -L, restricted by CUDA_VISIBLE_DEVICES)")
    String gpus;

    /** The parsed {@code --gpus}; throws DeviceSelectionException naming the flag if malformed. */
    org.bitsearch.actors.device.GpuSelection gpuSelection() {
        return org.bitsearch.actors.device.GpuSelection.parse(gpus);
    }
}
