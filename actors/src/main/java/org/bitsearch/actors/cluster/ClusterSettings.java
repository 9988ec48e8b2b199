package org.bitsearch.actors.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How this process takes part in a cluster.
 *
 * <p>Rules, checked here so that a bad flag fails before anything listens:
 * <ul>
 *   <li>the coordinator listens on {@code host:port} (port 1..65535, fixed, so workers can find it); a worker binds
 *       {@code host} on {@code port} (0 = any free port) and joins the coordinator at {@code join};</li>
 *   <li>Artery binds to loopback unless told otherwise; binding any other address requires TLS ({@link Tls}: Artery's
 *       {@code tls-tcp} transport with a key store and a trust store) or at least a shared {@code secret} (>= 8
 *       characters), which the coordinator checks before it uses a worker's slots.</li>
 * </ul>
 *
 * @param role   coordinator or worker
 * @param host   the address Artery binds and advertises
 * @param port   the port Artery binds (0 = any, workers only)
 * @param join   the coordinator's {@code HOST:PORT} (workers only)
 * @param secret the shared secret workers present (empty: none)
 * @param tls    TLS for Artery (empty: plain TCP)
 */
public record ClusterSettings(Role role, String host, int port, Optional<String> join, Optional<String> secret,
                              Optional<Tls> tls) {
    /** The actor system name every node uses; addresses are {@code pekko://bitsearch@HOST:PORT}. */
    public static final String SYSTEM_NAME = "bitsearch";

    public enum Role { COORDINATOR, WORKER }

    /** A key store (this node's certificate) and a trust store (the certificates it accepts), both PKCS12 or JKS. */
    public record Tls(Path keyStore, String keyStorePassword, Path trustStore, String trustStorePassword) {
        public Tls {
            if (keyStore == null || !Files.isRegularFile(keyStore))
                throw new IllegalArgumentException("--tls-keystore is '" + keyStore + "', but must be an existing key store file");
            if (trustStore == null || !Files.isRegularFile(trustStore))
                throw new IllegalArgumentException("--tls-truststore is '" + trustStore + "', but must be an existing trust store file");
            if (keyStorePassword == null || trustStorePassword == null)
                throw new IllegalArgumentException("the key store and trust store passwords must be given (BITSEARCH_TLS_PASSWORD)");
        }
    }

    public ClusterSettings {
        if (role == null) throw new IllegalArgumentException("role must not be null");
        if (host == null || host.isBlank()) throw new IllegalArgumentException("cluster host is blank, but must be an address");
        if (join == null) join = Optional.empty();
        if (secret == null) secret = Optional.empty();
        if (tls == null) tls = Optional.empty();
        if (role == Role.COORDINATOR && (port < 1 || port > 65535))
            throw new IllegalArgumentException("--cluster port is " + port + ", but must be 1..65535 (workers join it there)");
        if (role == Role.WORKER && (port < 0 || port > 65535))
            throw new IllegalArgumentException("--port is " + port + ", but must be 0..65535 (0 = any free port)");
        if (role == Role.WORKER && join.isEmpty()) throw new IllegalArgumentException("--join is missing, but a worker must name its coordinator HOST:PORT");
        if (role == Role.COORDINATOR && join.isPresent()) throw new IllegalArgumentException("a coordinator joins nobody: --join is for workers");
        join.ifPresent(ClusterSettings::parseHostPort);
        if (secret.isPresent() && secret.get().length() < 8)
            throw new IllegalArgumentException("the cluster secret has " + secret.get().length() + " characters, but must have at least 8");
        if (!isLoopback(host) && tls.isEmpty() && secret.isEmpty())
            throw new IllegalArgumentException("cluster host is '" + host + "', which is not a loopback address: binding it needs TLS "
                    + "(--tls-keystore/--tls-truststore) or at least a shared secret (--secret or BITSEARCH_CLUSTER_SECRET)");
    }

    public static ClusterSettings coordinator(String hostPort, Optional<String> secret, Optional<Tls> tls) {
        String[] hp = parseHostPort(hostPort);
        return new ClusterSettings(Role.COORDINATOR, hp[0], Integer.parseInt(hp[1]), Optional.empty(), secret, tls);
    }

    public static ClusterSettings worker(String joinHostPort, String host, int port, Optional<String> secret, Optional<Tls> tls) {
        return new ClusterSettings(Role.WORKER, host, port, Optional.of(joinHostPort), secret, tls);
    }

    /** {@code [host, port]} of "HOST:PORT" (IPv6 in brackets: "[::1]:25520"). */
    static String[] parseHostPort(String hostPort) {
        if (hostPort == null) throw new IllegalArgumentException("HOST:PORT is missing");
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1)
            throw new IllegalArgumentException("'" + hostPort + "' is not HOST:PORT (for example 127.0.0.1:25520)");
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        int port;
        try {
            port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + hostPort + "' has port '" + hostPort.substring(colon + 1) + "', but it must be a number");
        }
        if (port < 1 || port > 65535) throw new IllegalArgumentException("'" + hostPort + "' has port " + port + ", but it must be 1..65535");
        return new String[] {host, String.valueOf(port)};
    }

    static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /**
     * The Pekko configuration of this node: cluster provider, Artery on {@code host:port} (TLS if configured), the
     * coordinator as the only seed node, Split Brain Resolver keep-oldest on the coordinator role (the coordinator is
     * the oldest member: a worker cut off from it downs itself and rejoins; the coordinator downs a worker it cannot
     * reach), and Jackson CBOR for every {@link ClusterMessage}.
     */
    public Config config() {
        String seed = role == Role.COORDINATOR ? address(host, port) : address(parseHostPort(join.get())[0], Integer.parseInt(parseHostPort(join.get())[1]));
        Config base = ConfigFactory.parseString("""
                pekko.actor.provider = cluster
                pekko.actor.serialization-bindings { "org.bitsearch.actors.cluster.ClusterMessage" = jackson-cbor }
                pekko.remote.artery.transport = tcp
                pekko.cluster.downing-provider-class = "org.apache.pekko.cluster.sbr.SplitBrainResolverProvider"
                pekko.cluster.split-brain-resolver.active-strategy = keep-oldest
                pekko.cluster.split-brain-resolver.keep-oldest.role = coordinator
                pekko.cluster.split-brain-resolver.keep-oldest.down-if-alone = off
                pekko.cluster.split-brain-resolver.stable-after = 5s
                pekko.cluster.failure-detector.acceptable-heartbeat-pause = 4s
                pekko.cluster.run-coordinated-shutdown-when-down = on
                pekko.cluster.jmx.enabled = off
                pekko.cluster.log-info-verbose = off
                """)
                .withValue("pekko.remote.artery.canonical.hostname", ConfigValueFactory.fromAnyRef(host))
                .withValue("pekko.remote.artery.canonical.port", ConfigValueFactory.fromAnyRef(port))
                .withValue("pekko.cluster.seed-nodes", ConfigValueFactory.fromIterable(java.util.List.of(seed)))
                .withValue("pekko.cluster.roles", ConfigValueFactory.fromIterable(java.util.List.of(role.name().toLowerCase(java.util.Locale.ROOT))));
        if (tls.isPresent()) {
            Tls t = tls.get();
            String p = "pekko.remote.artery.ssl.config-ssl-engine.";
            base = base.withValue("pekko.remote.artery.transport", ConfigValueFactory.fromAnyRef("tls-tcp"))
                    .withValue(p + "key-store", ConfigValueFactory.fromAnyRef(t.keyStore().toAbsolutePath().toString()))
                    .withValue(p + "key-store-password", ConfigValueFactory.fromAnyRef(t.keyStorePassword()))
                    .withValue(p + "key-password", ConfigValueFactory.fromAnyRef(t.keyStorePassword()))
                    .withValue(p + "trust-store", ConfigValueFactory.fromAnyRef(t.trustStore().toAbsolutePath().toString()))
                    .withValue(p + "trust-store-password", ConfigValueFactory.fromAnyRef(t.trustStorePassword()))
                    .withValue(p + "require-mutual-authentication", ConfigValueFactory.fromAnyRef(true));
        }
        return base;
    }

    static String address(String host, int port) {
        return "pekko://" + SYSTEM_NAME + "@" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
