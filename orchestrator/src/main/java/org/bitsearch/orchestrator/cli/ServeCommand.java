package org.bitsearch.orchestrator.cli;

import org.bitsearch.orchestrator.http.BitsearchServer;
import org.bitsearch.orchestrator.http.HttpSettings;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.Map;

/**
 * {@code bitsearch serve}: runs the orchestrator as a server with the JSON API, the live event stream and the
 * web page, resuming interrupted searches at start. Runs until the process is interrupted (Ctrl-C, SIGTERM),
 * then stops cleanly: running epochs are cancelled (discarded), and the next start resumes the trials from their
 * last checkpoints.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Runs bitsearch as a server: JSON API, live event stream and the web page; "
                + "interrupted searches resume at start.",
                "Binds 127.0.0.1 by default. Binding any other address requires a token (--token or the environment "
                        + "variable BITSEARCH_TOKEN); with a token set, every /api request except GET /api/info, reads "
                        + "included, must send 'Authorization: Bearer <token>' (or ?token=<token>); the page asks for it. "
                        + "POSTs take JSON or YAML only and are refused cross-site."})
public final class ServeCommand implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Mixin StoreOptions store;
    @Mixin SystemOptions system;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "address to bind (default: ${DEFAULT-VALUE}); not a loopback address: --token required")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "port to bind, 0 for a free one (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--token", paramLabel = "T",
            description = "bearer token every /api request but GET /api/info must send, at least 8 characters "
                    + "(default: the environment variable BITSEARCH_TOKEN)")
    String token;

    @Option(names = "--data", paramLabel = "DIR",
            description = "dataset directory a trainer uses when the spec names none")
    Path data;

    @Override public Integer call() throws InterruptedException {
        PrintWriter err = spec.commandLine().getErr();
        String effectiveToken = token != null ? token : System.getenv("BITSEARCH_TOKEN");
        HttpSettings http;
        BitsearchServer server;
        try {
            if (system.cpuSlots < 0) throw new IllegalArgumentException("--cpu-slots is " + system.cpuSlots + ", but must be >= 0");
            if (system.slotsPerDevice < 1)
                throw new IllegalArgumentException("--slots-per-device is " + system.slotsPerDevice + ", but must be >= 1");
            var gpus = system.gpuSelection();
            http = new HttpSettings(host, port, Optional.ofNullable(effectiveToken), HttpSettings.DEFAULT_MAX_BODY,
                    Duration.ofSeconds(15));
            var cluster = system.coordinator().orElse(null);
            server = BitsearchServer.start(store.dataDir(), http, s -> {
                s = s.withCpuSlots(system.cpuSlots).withSlotsPerDevice(system.slotsPerDevice).withGpus(gpus).withResumeInterrupted(true)
                        .withCluster(cluster);
                return data == null ? s : s.withDatasetsDir(data);
            }, version());
        } catch (IllegalArgumentException | IllegalStateException e) {
            err.println("bitsearch serve: " + e.getMessage());
            err.flush();
            return 2;
        } catch (org.bitsearch.storage.StoreException e) {
            // e.g. the database is in use by another process: its message says so and what to do
            err.println("bitsearch serve: " + e.getMessage());
            err.flush();
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "bitsearch-shutdown"));
        PrintWriter out = spec.commandLine().getOut();
        out.println("bitsearch serving " + server.url() + " (data: " + store.dataDir() + ")"
                + (http.token().isPresent() ? "; mutating requests need the token" : ""));
        out.flush();
        // a storage failure that closed the database (a full disk) leaves nothing to serve: say so and exit 1; a
        // search given up while the database still reads (a read-only file) is shown as FAILED, and serving goes on
        while (!stopped.await(1, TimeUnit.SECONDS)) {
            var failed = server.system().failures();
            if (failed.isEmpty() || storeReadable(server)) continue;
            var first = failed.entrySet().stream().min(Map.Entry.comparingByKey()).orElseThrow();
            err.println("bitsearch serve: the database can no longer be used: search " + first.getKey() + " could not go on: "
                    + first.getValue() + ". Every search stopped where it was; fix the cause, then start serve again "
                    + "(its running searches resume).");
            err.flush();
            return 1; // System.exit: the shutdown hook closes the server
        }
        return 0;
    }

    private static boolean storeReadable(BitsearchServer server) {
        try {
            server.store().searches();
            return true;
        } catch (org.bitsearch.storage.StoreException e) {
            return false;
        }
    }

    static String version() {
        try {
            return new VersionProvider().getVersion()[0].replaceFirst("^bitsearch ", "");
        } catch (Exception e) {
            return "unknown";
        }
    }
}
