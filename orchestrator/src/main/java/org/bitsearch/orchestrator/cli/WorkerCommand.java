package org.bitsearch.orchestrator.cli;

import org.bitsearch.actors.cluster.ClusterSettings;
import org.bitsearch.actors.cluster.WorkerNode;
import org.bitsearch.actors.device.DeviceDiscovery;
import org.bitsearch.actors.device.GpuSelection;
import org.bitsearch.actors.spec.TrainerFactory;
import org.bitsearch.orchestrator.wiring.StandardTrainers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code bitsearch worker --join HOST:PORT}: a cluster worker. It owns no database; it offers this machine's device
 * slots to the coordinator ({@code run/serve --cluster HOST:PORT}) and trains the trials placed on them with its own
 * data directory. It rejoins by itself when the coordinator restarts. SIGTERM or Ctrl-C leaves the cluster (running
 * epochs are cancelled; the coordinator retries them elsewhere from their last checkpoint). Exit codes: 0 after a
 * stop, 2 bad input.
 */
@Command(name = "worker", mixinStandardHelpOptions = true,
        description = "Joins a coordinator's cluster and trains the trials it places on this machine's slots.")
public final class WorkerCommand implements Callable<Integer> {
    @Option(names = "--join", required = true, paramLabel = "HOST:PORT", description = "the coordinator's --cluster address")
    String join;

    @Option(names = "--host", defaultValue = "127.0.0.1",
            description = "address this worker binds and advertises (default: ${DEFAULT-VALUE}); not loopback: TLS or --secret required")
    String host;

    @Option(names = "--port", defaultValue = "0", description = "port this worker binds, 0 for a free one (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--cpu-slots", paramLabel = "N", defaultValue = "0",
            description = "CPU slots this worker offers; 0 = one per core (default)")
    int cpuSlots;

    @Option(names = "--gpus", paramLabel = "LIST", defaultValue = "auto",
            description = "GPUs this worker offers: auto (default: the visible ones when the DL4J CUDA backend is built in), "
                    + "all (every visible GPU, e.g. for the process trainer), none, or indices such as 0,1 "
                    + "(visible GPUs: nvidia-smi -L, restricted by CUDA_VISIBLE_DEVICES); with GPUs, no CPU slot is offered")
    String gpus;

    @Option(names = "--slots-per-device", paramLabel = "N", defaultValue = "1", description = "trials sharing one device (default: ${DEFAULT-VALUE})")
    int slotsPerDevice;

    @Option(names = "--data", paramLabel = "DIR", description = "this worker's dataset directory; replaces the spec's trainer.dataDir here")
    Path data;

    @Option(names = "--work-dir", paramLabel = "DIR", defaultValue = "bitsearch-worker",
            description = "where runs keep their files while they train (default: ./${DEFAULT-VALUE})")
    Path workDir;

    @Mixin ClusterOptions clusterOptions;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        WorkerNode node;
        try {
            if (slotsPerDevice < 1) throw new IllegalArgumentException("--slots-per-device is " + slotsPerDevice + ", but must be >= 1");
            if (cpuSlots < 0) throw new IllegalArgumentException("--cpu-slots is " + cpuSlots + ", but must be >= 0");
            if (data != null && !Files.isDirectory(data)) throw new IllegalArgumentException("--data is '" + data + "', but it is not a directory");
            ClusterSettings cluster = ClusterSettings.worker(join, host, port, clusterOptions.secret(), clusterOptions.tls());
            TrainerFactory trainers = StandardTrainers.factory();
            if (data != null) trainers = trainers.withDataDirOverride(data);
            int cores = Runtime.getRuntime().availableProcessors();
            List<String> devices = DeviceDiscovery.discover(cpuSlots > 0 ? cpuSlots : cores, GpuSelection.parse(gpus));
            node = WorkerNode.start(cluster, trainers, devices, slotsPerDevice, workDir, Duration.ofSeconds(5));
        } catch (IllegalArgumentException e) {
            err.println("bitsearch worker: " + e.getMessage());
            err.flush();
            return 2;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(node::close, "bitsearch-worker-shutdown"));
        PrintWriter out = spec.commandLine().getOut();
        out.println("bitsearch worker " + node.node() + " joining " + join);
        out.flush();
        node.awaitClosed();
        return 0;
    }
}
