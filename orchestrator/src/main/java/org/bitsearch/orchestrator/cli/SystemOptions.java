package org.bitsearch.orchestrator.cli;

import picocli.CommandLine.Option;

/** Device options shared by the commands that train. */
public final class SystemOptions {
    @Option(names = "--cpu-slots", paramLabel = "N", defaultValue = "0",
            description = "trials training at once on CPU; 0 = one per core (default)")
    int cpuSlots;

    @Option(names = "--slots-per-device", paramLabel = "N", defaultValue = "1",
            description = "trials sharing one device (default: ${DEFAULT-VALUE})")
    int slotsPerDevice;
}
