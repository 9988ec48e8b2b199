package org.bitsearch.trainers.dl4j;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.bitsearch.search.space.BitAllocation;
import org.bitsearch.trainers.io.AtomicFiles;
import org.bitsearch.trainers.dl4j.model.Net;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.util.ModelSerializer;

import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Checkpoint files of a run: DL4J's model zip (configuration with iteration and epoch counts, full-precision
 * parameters, updater state) plus an entry with the run's own state as JSON. The run keeps no other random
 * state: its shuffles and DropBits draws are functions of (seed, epoch) and (seed, iteration), so restoring
 * this file and training on gives exactly the weights of never having stopped.
 */
final class Checkpoints {
    static final String STATE_ENTRY = "bitsearch-run.json";
    static final int FORMAT = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The run state stored beside the network. */
    record State(int format, int nextEpoch, long seed, List<Integer> bits) {}

    /** A restored network and the epoch it continues with. */
    record Restored(Net network, int nextEpoch) {}

    private Checkpoints() {}

    /** Writes {@code net} and its state to {@code file} atomically: a temp file beside it, then a move. */
    static void save(Path file, Model net, State state) throws IOException {
        save(file, net, state, Map.of());
    }

    /** As {@link #save(Path, Model, State)}, with more serializable entries by name. */
    static void save(Path file, Model net, State state, Map<String, Serializable> extras) throws IOException {
        Map<String, Serializable> objects = new LinkedHashMap<>();
        objects.put(STATE_ENTRY, JSON.writeValueAsString(state));
        objects.putAll(extras);
        AtomicFiles.write(file, tmp -> ModelZip.write(tmp, net, objects));
    }

    /** An extra entry of a checkpoint, or null if it has none of that name. */
    static <T> T extra(Path file, String name) throws IOException {
        try (ZipFile z = new ZipFile(file.toFile())) {
            if (z.getEntry(name) == null && z.getEntry("objects/" + name) == null) return null; // DL4J stores objects under objects/
        }
        return ModelSerializer.getObjectFromFile(file.toFile(), name);
    }

    /**
     * Restores a checkpoint written for the same candidate bits and seed.
     *
     * @throws IOException naming the file if it is missing or unreadable, or was written for another trial
     */
    static Restored restore(Path file, BitAllocation bits, long seed) throws IOException {
        if (!Files.isRegularFile(file)) throw new IOException("checkpoint " + file + " not found");
        State state;
        Net net;
        try {
            String json = ModelSerializer.getObjectFromFile(file.toFile(), STATE_ENTRY);
            state = JSON.readValue(json, State.class);
            String conf = entry(file, "configuration.json");
            net = conf != null && conf.contains("\"vertices\"")
                    ? Net.of(ModelSerializer.restoreComputationGraph(file.toFile(), true))
                    : Net.of(ModelSerializer.restoreMultiLayerNetwork(file.toFile(), true));
        } catch (IOException | RuntimeException e) {
            throw new IOException("checkpoint " + file + " cannot be read: " + e.getMessage(), e);
        }
        if (state.format() != FORMAT)
            throw new IOException("checkpoint " + file + " has format " + state.format() + ", but this version reads " + FORMAT);
        if (!state.bits().equals(bits.bits()))
            throw new IOException("checkpoint " + file + " was written for bits " + state.bits() + ", but the trial has bits " + bits);
        if (state.seed() != seed)
            throw new IOException("checkpoint " + file + " was written for seed " + state.seed() + ", but the trial has seed " + seed);
        return new Restored(net, state.nextEpoch());
    }

    private static String entry(Path file, String name) throws IOException {
        try (ZipFile z = new ZipFile(file.toFile())) {
            ZipEntry e = z.getEntry(name);
            if (e == null) return null;
            try (var in = z.getInputStream(e)) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        }
    }
}
