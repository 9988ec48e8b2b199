package org.bitsearch.actors.device;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Finds the devices trials may run on: GPUs as {@link GpuSelection} asks (the visible ones are counted by
 * {@code nvidia-smi -L}, restricted by {@code CUDA_VISIBLE_DEVICES}), otherwise CPU slots. Called once at start-up,
 * off actor threads (it may run a process).
 *
 * <p>A GPU slot is {@code gpu:N}, N indexing the GPUs this process sees (the N-th entry of its
 * {@code CUDA_VISIBLE_DEVICES} when set): the DL4J trainer binds its thread to CUDA device N, the process trainer
 * gives its program {@code CUDA_VISIBLE_DEVICES} = that GPU.
 */
public final class DeviceDiscovery {
    private static final Logger log = LoggerFactory.getLogger(DeviceDiscovery.class);
    static final String CUDA_BACKEND = "org.nd4j.linalg.jcublas.JCublasBackend";

    private DeviceDiscovery() {}

    /**
     * The devices to use.
     *
     * @param cpuSlots number of CPU slots; 0 means one per core ({@link #cpuDevices})
     * @param useGpus  false to ignore GPUs even when the CUDA backend is present ({@link GpuSelection#AUTO} if true)
     * @return device ids, "gpu:N" or "cpu:N"
     */
    public static List<String> discover(int cpuSlots, boolean useGpus) {
        return discover(cpuSlots, useGpus ? GpuSelection.AUTO : GpuSelection.NONE);
    }

    /**
     * The devices to use, from this process's {@code CUDA_VISIBLE_DEVICES} and {@code PATH}.
     *
     * @throws IllegalArgumentException if {@code gpus} names a GPU that is not visible, or asks for all and none is
     */
    public static List<String> discover(int cpuSlots, GpuSelection gpus) {
        return discover(cpuSlots, gpus, System.getenv("CUDA_VISIBLE_DEVICES"), System.getenv("PATH"),
                Runtime.getRuntime().availableProcessors(), cudaBackendPresent());
    }

    /**
     * The devices to use, given the environment explicitly (tests pass a {@code path} holding a fake
     * {@code nvidia-smi}).
     */
    static List<String> discover(int cpuSlots, GpuSelection gpus, String cudaVisibleDevices, String path, int cores,
                                 boolean cudaBackend) {
        switch (gpus.mode()) {
            case NONE:
                return cpuDevices(cpuSlots, cores);
            case AUTO: {
                if (!cudaBackend) return cpuDevices(cpuSlots, cores);
                int n = gpuCount(cudaVisibleDevices, path);
                if (n > 0) return gpuDevices(rangeTo(n));
                log.warn("CUDA backend present but no GPU found; training on CPU slots");
                return cpuDevices(cpuSlots, cores);
            }
            case ALL: {
                int n = gpuCount(cudaVisibleDevices, path);
                if (n == 0) throw new DeviceSelectionException("--gpus is all, but no GPU is visible (" + where(cudaVisibleDevices) + ")");
                return gpuDevices(rangeTo(n));
            }
            default: {
                int n = gpuCount(cudaVisibleDevices, path);
                for (int i : gpus.indices())
                    if (i >= n) throw new DeviceSelectionException("--gpus is " + gpus + ", but names GPU " + i + " and "
                            + (n == 0 ? "no GPU is" : "only GPUs 0.." + (n - 1) + " are") + " visible (" + where(cudaVisibleDevices) + ")");
                return gpuDevices(gpus.indices());
            }
        }
    }

    private static String where(String cudaVisibleDevices) {
        return cudaVisibleDevices != null ? "CUDA_VISIBLE_DEVICES is '" + cudaVisibleDevices + "'" : "nvidia-smi -L";
    }

    private static List<Integer> rangeTo(int n) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(i);
        return out;
    }

    private static List<String> gpuDevices(List<Integer> indices) {
        return indices.stream().map(i -> "gpu:" + i).toList();
    }

    /**
     * {@code slots} CPU devices, or one per core (at least one) when {@code slots} is 0: one single-threaded trainer
     * per core is the fastest way to run trials side by side (issue 11; BENCHMARKS.md figure 2). The trainer bounds
     * each trial's native threads (the DL4J trainer: cores divided by its open runs).
     */
    static List<String> cpuDevices(int slots, int cores) {
        if (slots < 0) throw new IllegalArgumentException("cpuSlots is " + slots + ", but must be >= 0 (0 = one per core)");
        int n = slots > 0 ? slots : Math.max(1, cores);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add("cpu:" + i);
        return List.copyOf(out);
    }

    static boolean cudaBackendPresent() {
        try {
            Class.forName(CUDA_BACKEND, false, DeviceDiscovery.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    /**
     * GPUs visible to this process: the entries of {@code cudaVisibleDevices} when it is set (empty or "-1"
     * hides them all), otherwise the "GPU n:" lines of {@code nvidia-smi -L}, found on {@code path}.
     */
    static int gpuCount(String cudaVisibleDevices, String path) {
        if (cudaVisibleDevices != null) return visibleCount(cudaVisibleDevices);
        Optional<Path> smi = onPath("nvidia-smi", path);
        if (smi.isEmpty()) {
            log.info("no nvidia-smi on the PATH; assuming no GPU");
            return 0;
        }
        try {
            Process p = new ProcessBuilder(smi.get().toString(), "-L").redirectErrorStream(true).start();
            int count = 0;
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) if (line.startsWith("GPU ")) count++;
            }
            if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly();
            else if (p.exitValue() != 0) {
                log.warn("nvidia-smi -L exited with status {}; assuming no GPU", p.exitValue());
                return 0;
            }
            return count;
        } catch (Exception e) {
            log.warn("cannot run nvidia-smi -L ({}); assuming no GPU", e.getMessage());
            return 0;
        }
    }

    /** The first executable {@code name} in the directories of {@code path} (a PATH value). */
    static Optional<Path> onPath(String name, String path) {
        if (path == null) return Optional.empty();
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) continue;
            Path p = Path.of(dir, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) return Optional.of(p);
        }
        return Optional.empty();
    }

    /** Number of devices a CUDA_VISIBLE_DEVICES value exposes (CUDA stops at the first invalid entry, e.g. -1). */
    static int visibleCount(String value) {
        int n = 0;
        for (String part : value.split(",")) {
            String s = part.trim();
            if (s.isEmpty() || s.startsWith("-")) break;
            n++;
        }
        return n;
    }
}
