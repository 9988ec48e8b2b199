package org.bitsearch.actors.cluster;

import org.bitsearch.actors.device.DevicePool;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClusterSettingsTest {
    @Test
    void loopbackNeedsNothingAnyOtherAddressNeedsTlsOrASecret() {
        ClusterSettings c = ClusterSettings.coordinator("127.0.0.1:25520", Optional.empty(), Optional.empty());
        assertEquals("pekko://bitsearch@127.0.0.1:25520", c.config().getStringList("pekko.cluster.seed-nodes").get(0));
        assertEquals("jackson-cbor", c.config().getString("pekko.actor.serialization-bindings.\"org.bitsearch.actors.cluster.ClusterMessage\""));
        assertEquals("keep-oldest", c.config().getString("pekko.cluster.split-brain-resolver.active-strategy"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ClusterSettings.coordinator("0.0.0.0:25520", Optional.empty(), Optional.empty()));
        assertTrue(e.getMessage().contains("not a loopback address: binding it needs TLS"), e.getMessage());
        ClusterSettings.coordinator("0.0.0.0:25520", Optional.of("long-enough"), Optional.empty()); // a secret will do
        e = assertThrows(IllegalArgumentException.class, () -> ClusterSettings.coordinator("127.0.0.1:25520", Optional.of("short"), Optional.empty()));
        assertEquals("the cluster secret has 5 characters, but must have at least 8", e.getMessage());
    }

    @Test
    void badAddressesNameTheFlag() {
        assertEquals("'localhost' is not HOST:PORT (for example 127.0.0.1:25520)", assertThrows(IllegalArgumentException.class,
                () -> ClusterSettings.coordinator("localhost", Optional.empty(), Optional.empty())).getMessage());
        assertEquals("'127.0.0.1:0' has port 0, but it must be 1..65535", assertThrows(IllegalArgumentException.class,
                () -> ClusterSettings.coordinator("127.0.0.1:0", Optional.empty(), Optional.empty())).getMessage());
        assertEquals("'127.0.0.1:x' has port 'x', but it must be a number", assertThrows(IllegalArgumentException.class,
                () -> ClusterSettings.worker("127.0.0.1:x", "127.0.0.1", 0, Optional.empty(), Optional.empty())).getMessage());
        ClusterSettings w = ClusterSettings.worker("[::1]:25520", "127.0.0.1", 0, Optional.empty(), Optional.empty());
        assertEquals("pekko://bitsearch@[::1]:25520", w.config().getStringList("pekko.cluster.seed-nodes").get(0));
        assertEquals(List.of("worker"), w.config().getStringList("pekko.cluster.roles"));
    }

    @Test
    void theStatusGroupsSlotsByNodeAndNamesWhatTrainsOnThem() {
        DevicePool.Status status = new DevicePool.Status(List.of("cpu:0", "10.0.0.7:25521/cpu:0", "10.0.0.7:25521/cpu:1"),
                Map.of("pekko://bitsearch/user/registry/search-3/trial-7-12", "10.0.0.7:25521/cpu:1"), 0, 1);
        ClusterStatus.View v = ClusterStatus.of(status, true);
        assertEquals(List.of(new ClusterStatus.Node("local", "coordinator", List.of(new ClusterStatus.Slot("cpu:0", null, null))),
                new ClusterStatus.Node("10.0.0.7:25521", "worker", List.of(new ClusterStatus.Slot("cpu:0", null, null),
                        new ClusterStatus.Slot("cpu:1", 3L, 7)))), v.nodes());
    }
}
