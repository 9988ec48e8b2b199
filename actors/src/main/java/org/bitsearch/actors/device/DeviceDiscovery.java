package org.bitsearch.actors.device;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Finds the devices trials may run on: the GPUs when ND4J's CUDA backend is on the class path (counted by
 * {@code nvidia-smi -L}, restricted by {@code CUDA_VISIBLE_DEVICES}), otherwise CPU slots. Called once at
 * start-up, off actor threads (it may run a process).
 */
public final class DeviceDiscovery {
    private static final Logger log = LoggerFactory.getLogger(DeviceDiscovery.class);
    static final String CUDA_BACKEND = "org.nd4j.linalg.jcublas.JCublasBackend";

    private DeviceDiscovery() {}

    /**
     * The devices to use.
     *
     * @param cpuSlots number of CPU slots; 0 means one per core ({@link #cpuDevices})
     * @param useGpus  false to ignore GPUs even when the CUDA backend is present
     * @return device ids, "gpu:N" (N = CUDA device index as the process sees it) or "cpu:N"
     */
    public static List<String> discover(int cpuSlots, boolean useGpus) {
        if (useGpus && cudaBackendPresent()) {
            int gpus = gpuCount(System.getenv("CUDA_VISIBLE_DEVICES"));
            if (gpus > 0) {
                List<String> out = new ArrayList<>();
                for (int i = 0; i < gpus; i++) out.add("gpu:" + i);
                return List.copyOf(out);
            }
            log.warn("CUDA backend present but no GPU found; training on CPU slots");
        }
        return cpuDevices(cpuSlots, Runtime.getRuntime().availableProcessors());
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
     * hides them all), otherwise the "GPU n:" lines of {@code nvidia-smi -L}.
     */
    static int gpuCount(String cudaVisibleDevices) {
        if (cudaVisibleDevices != null) return visibleCount(cudaVisibleDevices);
        try {
            Process p = new ProcessBuilder("nvidia-smi", "-L").redirectErrorStream(true).start();
            int count = 0;
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) if (line.startsWith("GPU ")) count++;
            }
            if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly();
            return count;
        } catch (Exception e) {
            log.warn("cannot run nvidia-smi -L ({}); assuming no GPU", e.getMessage());
            return 0;
        }
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
