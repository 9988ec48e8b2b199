package org.bitsearch.orchestrator.cli;

import picocli.CommandLine.Option;

/** Device options shared by the commands that train. */
public final class SystemOptions {
    @Option(names = "--cpu-slots", paramLabel = "N", defaultValue = "0",
            description = "trials training at once on CPU; 0 = one per two cores (default)")
    int cpuSlots;

    @Option(names = "--slots-per-device", paramLabel = "N", defaultValue = "1",
            description = "trials sharing one device (default: ${DEFAULT-VALUE})")
    int slotsPerDevice;

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
