package org.bitsearch.trainers.sim;

import org.bitsearch.trainers.io.AtomicFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The simulated trainer's checkpoint: a small text file of {@code key=value} lines (format, trial, seed,
 * candidate hash, epochs done). The state is the epoch alone, because reports are a pure function of (seed,
 * candidate, epoch). Written through a temp file beside the target and an atomic move.
 */
final class SimulatedCheckpoint {
    static final String FORMAT = "bitsearch-simulated-checkpoint-1";

    private SimulatedCheckpoint() {}

    static void write(Path file, int number, long seed, long candidateHash, int epochsDone) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null) Files.createDirectories(dir);
        String text = "format=" + FORMAT + "\ntrial=" + number + "\nseed=" + seed + "\ncandidate=" + candidateHash
                + "\nepoch=" + epochsDone + "\n";
        AtomicFiles.writeString(file, text);
    }

    /** The epochs done recorded in {@code file}, after checking it belongs to this trial. */
    static int read(Path file, int number, long seed, long candidateHash) throws IOException {
        Map<String, String> values = new HashMap<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            int eq = line.indexOf('=');
            if (eq > 0) values.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
        }
        if (!FORMAT.equals(values.get("format")))
            throw new IOException("checkpoint " + file + " has format '" + values.get("format") + "', but must be '" + FORMAT + "'");
        check(file, "trial", values, String.valueOf(number));
        check(file, "seed", values, String.valueOf(seed));
        check(file, "candidate", values, String.valueOf(candidateHash));
        try {
            int epoch = Integer.parseInt(values.getOrDefault("epoch", ""));
            if (epoch < 0) throw new IOException("checkpoint " + file + " has epoch " + epoch + ", but must be >= 0");
            return epoch;
        } catch (NumberFormatException e) {
            throw new IOException("checkpoint " + file + " has epoch '" + values.get("epoch") + "', but must be an integer", e);
        }
    }

    private static void check(Path file, String key, Map<String, String> values, String expected) throws IOException {
        if (!expected.equals(values.get(key)))
            throw new IOException("checkpoint " + file + " has " + key + "=" + values.get(key) + ", but this trial has " + expected);
    }
}
