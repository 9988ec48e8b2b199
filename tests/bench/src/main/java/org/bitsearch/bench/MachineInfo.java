package org.bitsearch.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What the figures were measured on: cores, memory, CPU model (Linux {@code /proc}), Java version, and the load
 * average (a shared machine's noise). Fields read from {@code /proc} are "unknown" where it is absent.
 *
 * @param cores     available processors of this JVM
 * @param memoryGiB total memory (MemTotal), or NaN if unknown
 * @param cpuModel  the first "model name" of /proc/cpuinfo
 * @param java      java.version and java.vm.name
 */
public record MachineInfo(int cores, double memoryGiB, String cpuModel, String java) {
    /** Reads the machine this JVM runs on. */
    public static MachineInfo current() {
        double mem = readLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal:"))
                .findFirst().map(l -> Double.parseDouble(l.replaceAll("[^0-9]", "")) / (1024.0 * 1024.0)).orElse(Double.NaN);
        String cpu = readLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                .findFirst().map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse("unknown");
        return new MachineInfo(Runtime.getRuntime().availableProcessors(), mem, cpu,
                System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")");
    }

    /** The 1-, 5- and 15-minute load averages from /proc/loadavg, e.g. "3.54 5.89 7.77", if readable. */
    public static Optional<String> loadAverage() {
        List<String> lines = readLines(Path.of("/proc/loadavg"));
        if (lines.isEmpty()) return Optional.empty();
        String[] f = lines.get(0).trim().split("\\s+");
        return f.length >= 3 ? Optional.of(f[0] + " " + f[1] + " " + f[2]) : Optional.empty();
    }

    private static List<String> readLines(Path p) {
        try {
            return Files.readAllLines(p);
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }
}
