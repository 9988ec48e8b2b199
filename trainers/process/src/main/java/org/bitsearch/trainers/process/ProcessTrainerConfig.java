package org.bitsearch.trainers.process;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.bitsearch.search.space.QuantLayer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The spec's {@code trainer} object for {@code kind: process}: a user's training program, run once per trial
 * attempt (and once per end-of-search test or export), speaking the JSON-lines protocol of README.md ("The process
 * trainer protocol"). Bound from the spec by Jackson ({@link #json}); the compact constructor validates every field
 * and names it in its message.
 *
 * @param command              the program and its arguments, e.g. {@code [python3, train.py, --data, ../data]}; run
 *                             in {@code workingDir} without a shell
 * @param workingDir           the program's working directory; relative to bitsearch's own (default ".")
 * @param env                  variables added to the program's environment (after bitsearch's own, before
 *                             {@code CUDA_VISIBLE_DEVICES} and {@code BITSEARCH_DEVICE}, which bitsearch sets per slot)
 * @param layers               the model's quantizable layers in forward order, so that sizes are exact before training
 * @param epochTimeoutSeconds  the longest silence allowed: from the start (or a {@code continue}) to the next epoch
 *                             report, and from the start of a test or export to its answer (default 900)
 * @param stopGraceSeconds     how long a program may take to exit after {@code stop} before its process tree is
 *                             killed (default 10)
 */
public record ProcessTrainerConfig(List<String> command, String workingDir, Map<String, String> env, List<Layer> layers,
                                   int epochTimeoutSeconds, int stopGraceSeconds) {
    public static final int DEFAULT_EPOCH_TIMEOUT_SECONDS = 900;
    public static final int DEFAULT_STOP_GRACE_SECONDS = 10;
    /** Variables bitsearch sets for each attempt; {@code env} may not set them. */
    static final List<String> RESERVED_ENV = List.of("CUDA_VISIBLE_DEVICES", "BITSEARCH_DEVICE");

    /**
     * One quantizable layer as the spec declares it.
     *
     * @param name    a stable name ("dense0", "conv1")
     * @param weights number of weight parameters (get the layer's bit-width), > 0
     * @param biases  number of bias parameters (stay at 32 bits), >= 0
     */
    public record Layer(String name, long weights, long biases) {}

    public ProcessTrainerConfig {
        if (command == null || command.isEmpty())
            throw new IllegalArgumentException("command is empty, but must name the program to run and its arguments");
        for (int i = 0; i < command.size(); i++)
            if (command.get(i) == null || (i == 0 && command.get(i).isBlank()))
                throw new IllegalArgumentException("command[" + i + "] is " + (command.get(i) == null ? "null" : "blank")
                        + ", but must be a string" + (i == 0 ? " naming the program" : ""));
        command = List.copyOf(command);
        if (workingDir == null || workingDir.isBlank()) workingDir = ".";
        env = env == null ? Map.of() : Map.copyOf(new LinkedHashMap<>(env));
        for (var e : env.entrySet()) {
            if (RESERVED_ENV.contains(e.getKey()))
                throw new IllegalArgumentException("env." + e.getKey() + " is set, but bitsearch sets " + e.getKey()
                        + " for each attempt from its device slot");
            if (e.getKey().isEmpty() || e.getKey().contains("=") || e.getValue() == null)
                throw new IllegalArgumentException("env." + e.getKey() + " is not a valid variable (a name without '=' and a string value)");
        }
        if (layers == null || layers.isEmpty())
            throw new IllegalArgumentException("layers is empty, but must list the model's quantizable layers"
                    + " ([{name, weights, biases}, ...], in forward order)");
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            if (l == null) throw new IllegalArgumentException("layers[" + i + "] is null, but must be {name, weights, biases}");
            if (l.name() == null || l.name().isBlank())
                throw new IllegalArgumentException("layers[" + i + "].name is blank, but must name the layer");
            if (seen.contains(l.name()))
                throw new IllegalArgumentException("layers[" + i + "].name is '" + l.name() + "', but layer names must be distinct");
            seen.add(l.name());
            if (l.weights() <= 0)
                throw new IllegalArgumentException("layers[" + i + "].weights is " + l.weights() + ", but must be > 0");
            if (l.biases() < 0)
                throw new IllegalArgumentException("layers[" + i + "].biases is " + l.biases() + ", but must be >= 0");
        }
        layers = List.copyOf(layers);
        if (epochTimeoutSeconds < 1)
            throw new IllegalArgumentException("epochTimeoutSeconds is " + epochTimeoutSeconds + ", but must be >= 1");
        if (stopGraceSeconds < 0)
            throw new IllegalArgumentException("stopGraceSeconds is " + stopGraceSeconds + ", but must be >= 0");
    }

    /** The binding Jackson uses: absent fields are {@code null} here and take their defaults. */
    @JsonCreator
    static ProcessTrainerConfig json(@JsonProperty("command") List<String> command,
                                     @JsonProperty("workingDir") String workingDir,
                                     @JsonProperty("env") Map<String, String> env,
                                     @JsonProperty("layers") List<Layer> layers,
                                     @JsonProperty("epochTimeoutSeconds") Integer epochTimeoutSeconds,
                                     @JsonProperty("stopGraceSeconds") Integer stopGraceSeconds) {
        return new ProcessTrainerConfig(command, workingDir, env, layers,
                epochTimeoutSeconds == null ? DEFAULT_EPOCH_TIMEOUT_SECONDS : epochTimeoutSeconds,
                stopGraceSeconds == null ? DEFAULT_STOP_GRACE_SECONDS : stopGraceSeconds);
    }

    /** The layers as the search space sees them. */
    public List<QuantLayer> quantLayers() {
        List<QuantLayer> out = new ArrayList<>();
        for (Layer l : layers) out.add(new QuantLayer(out.size(), l.name(), l.weights(), l.biases()));
        return List.copyOf(out);
    }

    public Path workingPath() { return Path.of(workingDir).toAbsolutePath().normalize(); }

    /** A copy with other timeouts (tests). */
    public ProcessTrainerConfig withTimeouts(int epochTimeoutSeconds, int stopGraceSeconds) {
        return new ProcessTrainerConfig(command, workingDir, env, layers, epochTimeoutSeconds, stopGraceSeconds);
    }
}
