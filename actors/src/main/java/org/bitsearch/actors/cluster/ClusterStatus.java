package org.bitsearch.actors.cluster;

import org.bitsearch.actors.device.DevicePool;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the page shows of the devices: every node (this process first, then each worker), its slots, and which trial
 * of which search holds each taken slot. A pure function of the device pool's status.
 */
public final class ClusterStatus {
    /** A slot: its device on its node, and the search and trial training on it (both null when free). */
    public record Slot(String device, Long search, Integer trial) {}

    /** A node: "local" for this process, else the worker's "HOST:PORT"; its role; its slots. */
    public record Node(String node, String role, List<Slot> slots) {
        public Node { slots = List.copyOf(slots); }
    }

    /** {@code cluster}: whether this process coordinates a cluster. */
    public record View(boolean cluster, List<Node> nodes) {
        public View { nodes = List.copyOf(nodes); }
    }

    /** A trial actor's path: .../search-ID/trial-NUMBER-TOKEN. */
    private static final Pattern HOLDER = Pattern.compile(".*/search-(\\d+)/trial-(\\d+)-\\d+$");

    private ClusterStatus() {}

    public static View of(DevicePool.Status status, boolean cluster) {
        Map<String, List<Slot>> byNode = new LinkedHashMap<>();
        byNode.put("local", new ArrayList<>());
        Map<String, List<String[]>> taken = new LinkedHashMap<>();
        status.inUse().forEach((holder, device) -> taken.computeIfAbsent(device, d -> new ArrayList<>()).add(parse(holder)));
        for (String slot : status.slots()) {
            int slash = slot.lastIndexOf('/');
            String node = slash < 0 ? "local" : slot.substring(0, slash);
            String device = slot.substring(slash + 1);
            List<String[]> holders = taken.get(slot);
            String[] h = holders == null || holders.isEmpty() ? null : holders.remove(0);
            byNode.computeIfAbsent(node, n -> new ArrayList<>()).add(new Slot(device,
                    h == null || h[0] == null ? null : Long.valueOf(h[0]), h == null || h[1] == null ? null : Integer.valueOf(h[1])));
        }
        List<Node> nodes = new ArrayList<>();
        byNode.forEach((node, slots) -> {
            if (node.equals("local") && slots.isEmpty() && cluster) nodes.add(new Node(node, "coordinator", slots));
            else if (node.equals("local")) nodes.add(new Node(node, cluster ? "coordinator" : "local", slots));
            else nodes.add(new Node(node, "worker", slots));
        });
        return new View(cluster, nodes);
    }

    private static String[] parse(String holderPath) {
        Matcher m = HOLDER.matcher(holderPath);
        return m.matches() ? new String[] {m.group(1), m.group(2)} : new String[] {null, null};
    }
}
