package org.bitsearch.trainers.process;

import java.util.List;
import java.util.Map;

/**
 * The variables that bind a trainer program to its device slot: {@code CUDA_VISIBLE_DEVICES} (the slot's GPU,
 * empty on a CPU slot so that the program sees none) and {@code BITSEARCH_DEVICE} ({@code cuda:0}, the only GPU the
 * program sees, or {@code cpu}). Pure.
 */
final class DeviceEnvironment {
    private DeviceEnvironment() {}

    /**
     * @param device         the slot, "cpu:N" or "gpu:N" (N indexes the GPUs as bitsearch sees them)
     * @param parentVisible  bitsearch's own {@code CUDA_VISIBLE_DEVICES}, or null: slot gpu:N is its N-th entry
     *                       (an index or a UUID), so the program gets the same physical GPU
     */
    static Map<String, String> of(String device, String parentVisible) {
        if (device.startsWith("gpu:")) {
            int n = Integer.parseInt(device.substring(4));
            String physical = Integer.toString(n);
            if (parentVisible != null && !parentVisible.isBlank()) {
                List<String> entries = List.of(parentVisible.split(","));
                if (n < entries.size()) physical = entries.get(n).trim();
            }
            return Map.of("CUDA_VISIBLE_DEVICES", physical, "BITSEARCH_DEVICE", "cuda:0");
        }
        return Map.of("CUDA_VISIBLE_DEVICES", "", "BITSEARCH_DEVICE", "cpu");
    }
}
