package org.bitsearch.actors.device;

import java.util.ArrayList;
import java.util.List;

/**
 * Which GPUs the device pool uses ({@code --gpus}): {@code auto} (the default: every visible GPU when ND4J's CUDA
 * backend is on the class path, none otherwise), {@code all} (every visible GPU, whatever the trainer: the process
 * trainer runs the user's program on them), {@code none}, or a list of visible-GPU indices ({@code 0,1}).
 *
 * @param mode    how to choose
 * @param indices the chosen indices, for {@link Mode#LIST} (distinct, >= 0); empty otherwise
 */
public record GpuSelection(Mode mode, List<Integer> indices) {
    public enum Mode { AUTO, ALL, NONE, LIST }

    public static final GpuSelection AUTO = new GpuSelection(Mode.AUTO, List.of());
    public static final GpuSelection ALL = new GpuSelection(Mode.ALL, List.of());
    public static final GpuSelection NONE = new GpuSelection(Mode.NONE, List.of());

    public GpuSelection {
        if (mode == null) throw new IllegalArgumentException("mode must not be null");
        indices = indices == null ? List.of() : List.copyOf(indices);
        if (mode == Mode.LIST && indices.isEmpty()) throw new IllegalArgumentException("a GPU list must name at least one GPU");
        if (mode != Mode.LIST && !indices.isEmpty()) throw new IllegalArgumentException("indices are given only with a GPU list");
        for (int i : indices) if (i < 0) throw new IllegalArgumentException("GPU index " + i + " must be >= 0");
        if (indices.stream().distinct().count() != indices.size())
            throw new IllegalArgumentException("GPU indices " + indices + " must be distinct");
    }

    /**
     * Parses the flag's value.
     *
     * @throws IllegalArgumentException naming the flag and the rule
     */
    public static GpuSelection parse(String value) {
        String v = value == null ? "" : value.trim();
        switch (v) {
            case "auto": return AUTO;
            case "all": return ALL;
            case "none": return NONE;
            default:
        }
        List<Integer> out = new ArrayList<>();
        for (String part : v.split(",")) {
            String p = part.trim();
            if (!p.matches("\\d{1,4}"))
                throw new DeviceSelectionException("--gpus is '" + value + "', but must be auto, all, none or a list of GPU indices such as 0,1");
            int i = Integer.parseInt(p);
            if (out.contains(i)) throw new DeviceSelectionException("--gpus is '" + value + "', but names GPU " + i + " twice");
            out.add(i);
        }
        return new GpuSelection(Mode.LIST, out);
    }

    @Override public String toString() {
        return mode == Mode.LIST ? String.join(",", indices.stream().map(String::valueOf).toList()) : mode.name().toLowerCase();
    }
}
