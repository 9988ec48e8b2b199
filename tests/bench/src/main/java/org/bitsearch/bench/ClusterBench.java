package org.bitsearch.bench;

import org.bitsearch.actors.SearchSystem;
import org.bitsearch.actors.SearchSystemSettings;
import org.bitsearch.actors.api.SearchEvent;
import org.bitsearch.actors.cluster.ClusterSettings;
import org.bitsearch.actors.cluster.WorkerNode;
import org.bitsearch.orchestrator.wiring.StandardTrainers;
import org.bitsearch.storage.H2SearchStore;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Figure 7: a search across cluster nodes. A coordinator with 2 local CPU slots runs the same search of simulated
 * trials whose epochs sleep {@value #EPOCH_SECONDS} s (so cores do not limit it) with 0, 1 and 2 workers of 2 slots
 * each (separate actor systems in this JVM, over Artery on loopback with Jackson CBOR, as between machines), and
 * reports trials/s and epochs/s. The cost per epoch is the median gap between two consecutive reports (events) of one
 * attempt minus the epoch's sleep, on local and on remote slots: on a remote slot it adds the call round trips and
 * pulling the epoch's checkpoint back to the coordinator.
 */
final class ClusterBench {
    static final double EPOCH_SECONDS = 0.2;
    record Row(int workers, int slots, Summary trialsPerSecond, Summary epochsPerSecond, double localGapMs, double remoteGapMs) {}

    private final BenchConfig config;

    ClusterBench(BenchConfig config) { this.config = config; }

    static String spec(int trials, int concurrent) {
        return """
                name: bench-cluster
                seed: 5
                trainer: {kind: simulated, hidden: [64, 32], epochSeconds: %s}
                space:
                  bits: {allowed: [1, 2, 4, 8]}
                budget: {maxTrials: %d, maxConcurrent: %d, maxEpochs: 4}
                """.formatted(EPOCH_SECONDS, trials, concurrent);
    }

    List<Row> run() throws Exception {
        int trials = config.pick(48, 16);
        List<Row> rows = new ArrayList<>();
        for (int workers = 0; workers <= 2; workers++) {
            List<Double> tps = new ArrayList<>(), eps = new ArrayList<>(), local = new ArrayList<>(), remote = new ArrayList<>();
            for (int r = 0; r < config.repeats(); r++) {
                double[] m = once(trials, workers, local, remote);
                tps.add(trials / m[0]);
                eps.add(m[1] / m[0]);
                config.progress("cluster: %d worker(s), repeat %d: %.1f s, %.2f trials/s", workers, r + 1, m[0], trials / m[0]);
            }
            rows.add(new Row(workers, 2 + 2 * workers, Summary.of(tps), Summary.of(eps), median(local), median(remote)));
        }
        return rows;
    }

    /** {wall seconds, epochs}; adds the per-trial report gaps (ms, minus the sleep) to {@code local} / {@code remote}. */
    private double[] once(int trials, int workers, List<Double> local, List<Double> remote) throws Exception {
        Path dir = Files.createTempDirectory("bitsearch-bench-cluster");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        SearchSystemSettings settings = SearchSystemSettings.defaults(dir, StandardTrainers.factory()).withCpuSlots(2).withUseGpus(false)
                .withResumeInterrupted(false).withCluster(ClusterSettings.coordinator("127.0.0.1:" + port, Optional.empty(), Optional.empty()));
        List<WorkerNode> nodes = new ArrayList<>();
        try (H2SearchStore store = H2SearchStore.open(dir); SearchSystem system = SearchSystem.start(store, settings)) {
            for (int w = 0; w < workers; w++)
                nodes.add(WorkerNode.start(ClusterSettings.worker("127.0.0.1:" + port, "127.0.0.1", 0, Optional.empty(), Optional.empty()),
                        StandardTrainers.factory(), List.of("cpu:0", "cpu:1"), 1, dir.resolve("worker-" + w), Duration.ofSeconds(1)));
            for (long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120); system.workers().nodes().size() < workers; Thread.sleep(20))
                if (System.nanoTime() > end) throw new IllegalStateException("the workers did not join within 120 s");
            CountDownLatch done = new CountDownLatch(1);
            Map<Integer, String> device = new ConcurrentHashMap<>();
            Map<Integer, Long> lastReport = new ConcurrentHashMap<>();
            List<double[]> gaps = java.util.Collections.synchronizedList(new ArrayList<>()); // {remote ? 1 : 0, ms}
            int[] epochs = new int[1];
            try (AutoCloseable sub = system.events().subscribe(e -> {
                long now = System.nanoTime();
                if (e instanceof SearchEvent.TrialStarted t) {
                    device.put(t.number(), t.device());
                    lastReport.remove(t.number());
                } else if (e instanceof SearchEvent.EpochReported rep) {
                    synchronized (epochs) { epochs[0]++; }
                    Long before = lastReport.put(rep.number(), now);
                    if (before != null) gaps.add(new double[] {device.getOrDefault(rep.number(), "").contains("/") ? 1 : 0,
                            (now - before) / 1e6 - EPOCH_SECONDS * 1000});
                } else if (e instanceof SearchEvent.SearchFinished) done.countDown();
            })) {
                long start = System.nanoTime();
                system.service().submit(spec(trials, 2 + 2 * workers)).toCompletableFuture().get(60, TimeUnit.SECONDS);
                if (!done.await(20, TimeUnit.MINUTES)) throw new IllegalStateException("the cluster search did not end in 20 min");
                double wall = (System.nanoTime() - start) / 1e9;
                synchronized (gaps) {
                    for (double[] g : gaps) (g[0] == 1 ? remote : local).add(g[1]);
                }
                return new double[] {wall, epochs[0]};
            }
        } finally {
            nodes.forEach(WorkerNode::close);
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    static double median(List<Double> xs) {
        if (xs.isEmpty()) return Double.NaN;
        List<Double> s = new ArrayList<>(xs);
        s.sort(Double::compare);
        return s.get(s.size() / 2);
    }

    void report(List<Row> rows, BenchReport r) {
        r.heading(2, "7. A search across cluster nodes");
        r.paragraph(String.format(Locale.ROOT, "The same search (simulated trainer, epochs sleep %.1f s, 4 epochs, no pruning) on a coordinator with "
                + "2 local slots and 0, 1 or 2 workers of 2 slots each, over Artery on loopback (Jackson CBOR). Trials/s and epochs/s "
                + "are min / median / max of %d repeats; the per-epoch cost is the median of (gap between two reports of one "
                + "trial - sleep) on local and on remote slots: what an epoch costs besides training (report, verdict, checkpoint; "
                + "remote: plus the round trips and shipping the checkpoint).", EPOCH_SECONDS, config.repeats()));
        List<List<String>> table = new ArrayList<>();
        double base = rows.get(0).trialsPerSecond().median();
        for (Row row : rows)
            table.add(List.of(String.valueOf(row.workers()), String.valueOf(row.slots()), row.trialsPerSecond().format(2),
                    row.epochsPerSecond().format(2), String.format(Locale.ROOT, "%.2fx", row.trialsPerSecond().median() / base),
                    Summary.number(row.localGapMs(), 1), Double.isNaN(row.remoteGapMs()) ? "-" : Summary.number(row.remoteGapMs(), 1)));
        r.table(List.of("workers", "slots", "trials/s", "epochs/s", "speed-up (median)", "local per-epoch cost, ms", "remote per-epoch cost, ms"), table);
    }
}
