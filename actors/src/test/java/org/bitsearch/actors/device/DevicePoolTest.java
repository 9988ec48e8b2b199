package org.bitsearch.actors.device;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DevicePoolTest {
    static final ActorTestKit kit = ActorTestKit.create();

    @AfterAll
    static void stop() { kit.shutdownTestKit(); }

    private static DevicePool.Status status(ActorRef<DevicePool.Command> pool) {
        TestProbe<DevicePool.Status> probe = kit.createTestProbe();
        pool.tell(new DevicePool.GetStatus(probe.ref()));
        return probe.receiveMessage();
    }

    @Test
    void slotsNeverExceedTheLimitAndComeBackWhenAHolderCrashes() {
        ActorRef<DevicePool.Command> pool = kit.spawn(DevicePool.create(List.of("cpu:0", "cpu:1"), 1));
        TestProbe<Object> h1 = kit.createTestProbe(), h2 = kit.createTestProbe(), h3 = kit.createTestProbe();
        TestProbe<DevicePool.Granted> g1 = kit.createTestProbe(), g2 = kit.createTestProbe(), g3 = kit.createTestProbe();
        pool.tell(new DevicePool.Acquire(h1.ref(), g1.ref()));
        pool.tell(new DevicePool.Acquire(h2.ref(), g2.ref()));
        pool.tell(new DevicePool.Acquire(h3.ref(), g3.ref()));
        String d1 = g1.receiveMessage().device();
        String d2 = g2.receiveMessage().device();
        assertEquals(List.of("cpu:0", "cpu:1"), List.of(d1, d2));
        g3.expectNoMessage(Duration.ofMillis(200));
        assertEquals(1, status(pool).waiting());

        h1.stop(); // the holder crashes: its slot comes back and goes to the next in line
        assertEquals("cpu:0", g3.receiveMessage().device());
        DevicePool.Status s = status(pool);
        assertEquals(2, s.inUse().size());
        assertEquals(2, s.highWater());

        h2.stop();
        h3.stop();
        kit.createTestProbe().awaitAssert(() -> {
            assertTrue(status(pool).inUse().isEmpty());
            return null;
        });
    }

    @Test
    void aWaitingHolderThatDiesLeavesTheQueueAndSlotsPerDeviceMultiply() {
        ActorRef<DevicePool.Command> pool = kit.spawn(DevicePool.create(List.of("gpu:0"), 2));
        TestProbe<Object> h1 = kit.createTestProbe(), h2 = kit.createTestProbe(), h3 = kit.createTestProbe(), h4 = kit.createTestProbe();
        TestProbe<DevicePool.Granted> g1 = kit.createTestProbe(), g2 = kit.createTestProbe(), g3 = kit.createTestProbe(), g4 = kit.createTestProbe();
        pool.tell(new DevicePool.Acquire(h1.ref(), g1.ref()));
        pool.tell(new DevicePool.Acquire(h2.ref(), g2.ref()));
        assertEquals("gpu:0", g1.receiveMessage().device());
        assertEquals("gpu:0", g2.receiveMessage().device());
        pool.tell(new DevicePool.Acquire(h3.ref(), g3.ref()));
        pool.tell(new DevicePool.Acquire(h4.ref(), g4.ref()));
        h3.stop(); // dies while waiting
        kit.createTestProbe().awaitAssert(() -> {
            assertEquals(1, status(pool).waiting());
            return null;
        });
        h1.stop();
        assertEquals("gpu:0", g4.receiveMessage().device());
        g3.expectNoMessage(Duration.ofMillis(100));
        assertEquals(2, status(pool).highWater());
    }

    @Test
    void discoveryCountsCudaVisibleDevicesAndCpuSlots() {
        assertEquals(2, DeviceDiscovery.visibleCount("0,1"));
        assertEquals(0, DeviceDiscovery.visibleCount(""));
        assertEquals(1, DeviceDiscovery.visibleCount("3,-1,2"));
        assertEquals(List.of("cpu:0"), DeviceDiscovery.cpuDevices(0, 1));
        assertEquals(List.of("cpu:0", "cpu:1", "cpu:2", "cpu:3"), DeviceDiscovery.cpuDevices(0, 8));
        assertEquals(List.of("cpu:0", "cpu:1", "cpu:2"), DeviceDiscovery.cpuDevices(3, 8));
    }

    @Test
    void aHolderThatStopsMidStepKeepsItsSlotUntilTheStepEnds() {
        ActorRef<DevicePool.Command> pool = kit.spawn(DevicePool.create(List.of("cpu:0"), 1));
        TestProbe<Object> h1 = kit.createTestProbe(), h2 = kit.createTestProbe();
        TestProbe<DevicePool.Granted> g1 = kit.createTestProbe(), g2 = kit.createTestProbe();
        pool.tell(new DevicePool.Acquire(h1.ref(), g1.ref()));
        assertEquals("cpu:0", g1.receiveMessage(Duration.ofSeconds(30)).device());
        java.util.concurrent.CompletableFuture<String> step = new java.util.concurrent.CompletableFuture<>();
        pool.tell(new DevicePool.HoldUntil(h1.ref(), step));
        pool.tell(new DevicePool.Acquire(h2.ref(), g2.ref()));
        h1.stop(); // stopped while its blocking step runs: the device is still in use
        g2.expectNoMessage(Duration.ofMillis(300));
        assertEquals(1, status(pool).inUse().size());
        step.complete("done"); // the step ended: now the slot comes back
        assertEquals("cpu:0", g2.receiveMessage(Duration.ofSeconds(30)).device());
        h2.stop();
    }

    @Test
    void aWorkersSlotsJoinTheQueueAndAreRetiredWhenItLeaves() {
        ActorRef<DevicePool.Command> pool = kit.spawn(DevicePool.create(List.of(), 1)); // a coordinator with no local slot
        TestProbe<Object> h1 = kit.createTestProbe(), h2 = kit.createTestProbe(), h3 = kit.createTestProbe();
        TestProbe<DevicePool.Granted> g1 = kit.createTestProbe(), g2 = kit.createTestProbe(), g3 = kit.createTestProbe();
        pool.tell(new DevicePool.Acquire(h1.ref(), g1.ref()));
        g1.expectNoMessage(Duration.ofMillis(100));
        pool.tell(new DevicePool.AddNode("10.0.0.7:25521", List.of("cpu:0"), 2));
        assertEquals("10.0.0.7:25521/cpu:0", g1.receiveMessage().device(), "the waiting holder gets the worker's slot");
        pool.tell(new DevicePool.Acquire(h2.ref(), g2.ref()));
        assertEquals("10.0.0.7:25521/cpu:0", g2.receiveMessage().device(), "two slots per device");
        pool.tell(new DevicePool.RemoveNode("10.0.0.7:25521"));
        assertEquals(List.of(), status(pool).slots(), "the worker's slots are retired");
        h1.stop(); // its run failed with the worker gone
        pool.tell(new DevicePool.Acquire(h3.ref(), g3.ref()));
        g3.expectNoMessage(Duration.ofMillis(200)); // a retired slot is never handed out again
        pool.tell(new DevicePool.AddNode("10.0.0.7:25521", List.of("cpu:0"), 1)); // it rejoined: fresh slots
        assertEquals("10.0.0.7:25521/cpu:0", g3.receiveMessage().device());
        assertEquals(List.of("10.0.0.7:25521/cpu:0"), status(pool).slots());
    }
}
