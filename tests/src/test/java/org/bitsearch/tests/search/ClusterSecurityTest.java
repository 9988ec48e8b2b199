package org.bitsearch.tests.search;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.bitsearch.storage.H2SearchStore;
import org.bitsearch.storage.TrialRow;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cluster's security and data promises, with real JVMs on loopback (the set-up of {@link ClusterWorkersTest}):
 * <ul>
 *   <li>Artery over TLS ({@code --tls-keystore/--tls-truststore}, mutual authentication) with key and trust stores
 *       this test makes with the JDK's {@code keytool}: a worker holding the trusted certificate joins and trains; a
 *       worker with a certificate the coordinator does not trust, and one speaking plain TCP, never join and get
 *       nothing placed on them;</li>
 *   <li>binding a non-loopback address with neither TLS nor a secret is bad input naming the flags;</li>
 *   <li>a worker whose data directory holds other data than the coordinator's is refused, with the reason in the
 *       coordinator's log, and the trials run on the worker with the same data.</li>
 * </ul>
 */
class ClusterSecurityTest {
    static final String PASSWORD = "test-store-password";

    @TempDir Path work;
    private final List<CliProcess> processes = new ArrayList<>();

    @AfterEach
    void killAll() {
        processes.forEach(CliProcess::close);
    }

    private CliProcess start(List<String> jvm, Map<String, String> env, String... args) throws Exception {
        CliProcess p = CliProcess.start(work, jvm, env, args);
        processes.add(p);
        return p;
    }

    /** Runs the JDK's keytool (the one of the JVM running this test); fails the test on a non-zero exit. */
    private void keytool(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(work.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "keytool hung");
        assertEquals(0, p.exitValue(), "keytool " + String.join(" ", args) + ":\n" + out);
    }

    /**
     * A PKCS12 key store {@code name.p12} with a fresh self-signed RSA certificate (valid 2 days, made now, so nothing
     * committed expires) and a trust store {@code name-trust.p12} holding that certificate.
     */
    private Path[] stores(String name) throws Exception {
        Path ks = work.resolve(name + ".p12"), ts = work.resolve(name + "-trust.p12"), crt = work.resolve(name + ".crt");
        keytool("-genkeypair", "-alias", name, "-keyalg", "RSA", "-keysize", "2048", "-validity", "2", "-dname", "CN=" + name,
                "-ext", "SAN=ip:127.0.0.1", "-storetype", "PKCS12", "-keystore", ks.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD);
        keytool("-exportcert", "-alias", name, "-keystore", ks.toString(), "-storepass", PASSWORD, "-file", crt.toString());
        keytool("-importcert", "-noprompt", "-alias", name, "-file", crt.toString(), "-storetype", "PKCS12",
                "-keystore", ts.toString(), "-storepass", PASSWORD);
        return new Path[] {ks, ts};
    }

    private static List<String> tls(Path[] stores) {
        return List.of("--tls-keystore", stores[0].toString(), "--tls-truststore", stores[1].toString());
    }

    private static String[] args(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all.toArray(String[]::new);
    }

    @Test
    void overTlsOnlyAWorkerWithTheTrustedCertificateJoinsAndTrains() throws Exception {
        Path[] cluster = stores("cluster"), rogue = stores("rogue");
        Map<String, String> env = Map.of("BITSEARCH_TLS_PASSWORD", PASSWORD);
        Path spec = work.resolve("spec.yaml");
        Files.writeString(spec, ClusterWorkersTest.SPEC.replace("maxTrials: 4", "maxTrials: 2").replace("maxEpochs: 5", "maxEpochs: 2"));
        Path db = work.resolve("db");
        int port = ClusterWorkersTest.freePort();
        String join = "127.0.0.1:" + port;
        CliProcess coordinator = start(List.of("-Xmx512m"), env, args(List.of("run", spec.toString(), "--db", db.toString(),
                "--cluster", join, "--cpu-slots", "0", "--json"), tls(cluster)));
        // a worker whose certificate the coordinator does not trust (it trusts the coordinator's), and one without TLS
        CliProcess untrusted = start(List.of("-Xmx256m"), env, args(List.of("worker", "--join", join, "--cpu-slots", "1",
                "--work-dir", work.resolve("u").toString(), "--tls-keystore", rogue[0].toString(), "--tls-truststore", cluster[1].toString()), List.of()));
        CliProcess plain = start(List.of("-Xmx256m"), Map.of(), "worker", "--join", join, "--cpu-slots", "1",
                "--work-dir", work.resolve("p").toString());
        String untrustedNode = ClusterWorkersTest.nodeOf(untrusted), plainNode = ClusterWorkersTest.nodeOf(plain);
        CliProcess good = start(List.of("-Xmx256m"), env, args(List.of("worker", "--join", join, "--cpu-slots", "1",
                "--work-dir", work.resolve("g").toString()), tls(cluster)));
        String goodNode = ClusterWorkersTest.nodeOf(good);

        assertEquals(0, coordinator.await(300), String.join("\n", coordinator.err));
        assertEquals("COMPLETED", new ObjectMapper().readTree(coordinator.stdout()).get("state").asText(), coordinator.stdout());
        String log = String.join("\n", coordinator.err);
        assertTrue(log.contains("worker " + goodNode + " joined"), log);
        assertFalse(log.contains("worker " + untrustedNode + " joined"), "the untrusted certificate was let in:\n" + log);
        assertFalse(log.contains("worker " + plainNode + " joined"), "the plain TCP worker was let in:\n" + log);
        try (H2SearchStore store = H2SearchStore.open(db)) {
            List<TrialRow> trials = store.trials(1);
            assertEquals(2, trials.size());
            for (TrialRow t : trials) assertTrue(t.device().startsWith(goodNode + "/"), "trial " + t.number() + " ran on " + t.device());
        }
    }

    @Test
    void bindingANonLoopbackAddressNeedsTlsOrASecret() throws Exception {
        CliProcess worker = start(List.of("-Xmx128m"), Map.of("BITSEARCH_CLUSTER_SECRET", ""), "worker", "--join", "127.0.0.1:1", "--host", "192.0.2.7");
        assertEquals(2, worker.await(60), String.join("\n", worker.err));
        String err = String.join("\n", worker.err);
        assertTrue(err.contains("'192.0.2.7', which is not a loopback address") && err.contains("--tls-keystore"), err);

        Path spec = work.resolve("spec.yaml");
        Files.writeString(spec, ClusterWorkersTest.SPEC);
        CliProcess coordinator = start(List.of("-Xmx128m"), Map.of("BITSEARCH_CLUSTER_SECRET", ""), "run", spec.toString(),
                "--db", work.resolve("db").toString(), "--cluster", "192.0.2.7:25520");
        assertEquals(2, coordinator.await(60), String.join("\n", coordinator.err));
        err = String.join("\n", coordinator.err);
        assertTrue(err.contains("--tls-keystore/--tls-truststore") && err.contains("--secret"), err);
        assertFalse(Files.exists(work.resolve("db")) && Files.list(work.resolve("db")).findAny().isPresent(), "nothing was opened");
    }

    @Test
    void aWorkerWithOtherDataIsRefusedAndTrialsRunWhereTheDataMatches() throws Exception {
        Path data = Path.of(System.getProperty("bitsearch.repoRoot"), "data", "fashion-mnist-small");
        Path other = Files.createDirectories(work.resolve("other-data"));
        try (var files = Files.list(data)) {
            for (Path f : files.toList()) Files.copy(f, other.resolve(f.getFileName()));
        }
        Files.writeString(other.resolve("LICENSE"), "\nchanged by the test\n", StandardOpenOption.APPEND);
        Path spec = work.resolve("dl4j.yaml");
        Files.writeString(spec, """
                name: cluster-data
                seed: 5
                trainer: {kind: dl4j, dataset: fashion-mnist, model: mlp, hidden: [16], trainSubset: 500, validationSize: 500, threads: 1}
                space:
                  bits: {allowed: [4, 8]}
                budget: {maxTrials: 3, maxConcurrent: 2, maxEpochs: 1, maxRetries: 3}
                """);
        Path db = work.resolve("db");
        int port = ClusterWorkersTest.freePort();
        String join = "127.0.0.1:" + port;
        CliProcess coordinator = start(List.of("-Xmx512m"), Map.of(), "run", spec.toString(), "--db", db.toString(), "--data", data.toString(),
                "--cluster", join, "--cpu-slots", "0", "--secret", ClusterWorkersTest.SECRET, "--json");
        CliProcess wrong = start(List.of("-Xmx512m"), Map.of(), "worker", "--join", join, "--cpu-slots", "1", "--secret", ClusterWorkersTest.SECRET,
                "--data", other.toString(), "--work-dir", work.resolve("x").toString());
        String wrongNode = ClusterWorkersTest.nodeOf(wrong);
        coordinator.awaitErr(lines -> lines.stream().anyMatch(l -> l.contains("worker " + wrongNode + " joined")), 120);
        CliProcess right = start(List.of("-Xmx512m"), Map.of(), "worker", "--join", join, "--cpu-slots", "1", "--secret", ClusterWorkersTest.SECRET,
                "--data", data.toString(), "--work-dir", work.resolve("y").toString());
        String rightNode = ClusterWorkersTest.nodeOf(right);

        assertEquals(0, coordinator.await(300), String.join("\n", coordinator.err));
        assertEquals("COMPLETED", new ObjectMapper().readTree(coordinator.stdout()).get("state").asText(), coordinator.stdout());
        String log = String.join("\n", coordinator.err);
        assertTrue(log.contains("worker " + wrongNode + " is gone (worker " + wrongNode + " holds other data than the coordinator"),
                "the worker with other data was refused and its slots retired:\n" + log);
        long refusedOpens = coordinator.err.stream()
                .filter(l -> l.matches("trial \\d+ failed, retrying .*") && l.contains("worker " + wrongNode + " holds other data")).count();
        assertEquals(1, refusedOpens, "after the first refusal nothing more was placed on " + wrongNode + ":\n" + log);
        try (H2SearchStore store = H2SearchStore.open(db)) {
            List<TrialRow> trials = store.trials(1);
            assertEquals(3, trials.size());
            for (TrialRow t : trials) {
                assertTrue(t.state().isFinished(), "trial " + t.number() + " is " + t.state());
                assertTrue(t.device().startsWith(rightNode + "/"), "trial " + t.number() + " ran on " + t.device());
            }
        }
    }
}
