package org.bitsearch.orchestrator.http;

import org.bitsearch.actors.SearchSystemSettings;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** Starts real servers for tests: H2 in a temp dir, the real search system, two CPU slots, port 0. */
final class TestServers {
    private TestServers() {}

    static BitsearchServer start(Path dataDir, Optional<String> token) {
        HttpSettings http = new HttpSettings("127.0.0.1", 0, token, HttpSettings.DEFAULT_MAX_BODY, Duration.ofSeconds(1));
        return BitsearchServer.start(dataDir, http, TestServers::settings, "test");
    }

    static SearchSystemSettings settings(SearchSystemSettings defaults) {
        return defaults.withCpuSlots(2).withUseGpus(false).withRetryBackoff(Duration.ofMillis(50))
                .withShutdownTimeout(Duration.ofSeconds(20));
    }

    /** A short search on the simulated trainer (a 64-32 MLP, 3 layers): finishes in a second or two. */
    static String shortSpec(String name, int trials, double epochSeconds) {
        return """
                name: %s
                seed: 7
                trainer: {kind: simulated, hidden: [64, 32], epochSeconds: %s}
                space:
                  params:
                    learningRate: {type: logfloat, low: 0.0001, high: 0.01}
                  bits: {allowed: [1, 2, 4, 8]}
                pruner: {type: asha, minResource: 1, reductionFactor: 2}
                budget: {maxTrials: %d, maxEpochs: 4, maxConcurrent: 2}
                """.formatted(name, epochSeconds, trials);
    }
}
