package org.bitsearch.orchestrator.cli;

import org.bitsearch.actors.cluster.ClusterSettings;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The cluster flags of the coordinator commands ({@code run}, {@code resume}, {@code serve}) and of {@code worker}:
 * the shared secret and Artery's TLS key and trust stores. Secrets may come from the environment
 * ({@code BITSEARCH_CLUSTER_SECRET}, {@code BITSEARCH_TLS_PASSWORD}) so they stay out of process listings.
 */
public final class ClusterOptions {
    @Option(names = "--secret", paramLabel = "S",
            description = "shared cluster secret (>= 8 characters) workers must present; or env BITSEARCH_CLUSTER_SECRET")
    String secret;

    @Option(names = "--tls-keystore", paramLabel = "FILE", description = "Artery TLS: this node's key store (PKCS12 or JKS)")
    Path keyStore;

    @Option(names = "--tls-truststore", paramLabel = "FILE",
            description = "Artery TLS: the trust store of accepted certificates; the password of both stores is env BITSEARCH_TLS_PASSWORD")
    Path trustStore;

    Optional<String> secret() {
        return Optional.ofNullable(secret != null ? secret : System.getenv("BITSEARCH_CLUSTER_SECRET")).filter(s -> !s.isEmpty());
    }

    Optional<ClusterSettings.Tls> tls() {
        if (keyStore == null && trustStore == null) return Optional.empty();
        String password = System.getenv("BITSEARCH_TLS_PASSWORD");
        return Optional.of(new ClusterSettings.Tls(keyStore, password, trustStore, password));
    }
}
