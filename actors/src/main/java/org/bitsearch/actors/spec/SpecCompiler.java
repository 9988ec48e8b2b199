package org.bitsearch.actors.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.bitsearch.search.pruner.PrunerConfig;
import org.bitsearch.search.sampler.SamplerConfig;
import org.bitsearch.search.engine.SearchSettings;
import org.bitsearch.search.space.BitAllocation;
import org.bitsearch.search.space.BitAllocationSpace;
import org.bitsearch.search.space.Dimension;
import org.bitsearch.search.space.ModelSize;
import org.bitsearch.search.space.QuantLayer;
import org.bitsearch.search.space.SearchSpace;
import org.bitsearch.search.trainer.ParamRule;
import org.bitsearch.search.trainer.Trainer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import org.bitsearch.search.space.RankSpace;
import org.bitsearch.search.space.FactorLayer;

/**
 * Parses and validates a search spec (YAML or JSON) in full and compiles it into a {@link CompiledSearch}.
 * Every problem is collected, each naming its field path, the value and the rule; if there is any, nothing is
 * built and {@link SpecException} lists them all. Pure apart from what the trainer kind does when it is built
 * (the DL4J trainer checks its data directory). Thread-safe.
 *
 * <p>The format (examples/README.md, "The spec"): {@code name}, {@code seed}, {@code trainer} (kind + the kind's config),
 * {@code space} ({@code params} and {@code bits}), {@code sampler}, {@code pruner}, {@code budget}, and the
 * informational {@code bitsearch: {version}} an export writes. A key given twice in one object is an error.
 *
 * <p>{@code space.params} is checked against the hyperparameters the trainer kind declares it reads
 * ({@link TrainerFactory#params}): a name the trainer does not read, or a dimension that can draw a value the
 * trainer would reject (an optimizer it does not know, a learning rate of 0), is a problem of the spec, reported
 * with the others, so that no trial fails at run time for it.
 */
public final class SpecCompiler {
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    /** A key given twice in one object is an error (YAML would silently keep the last). */
    private static final ObjectMapper YAML = YAMLMapper.builder()
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    private static final Set<String> ROOT = Set.of("name", "seed", "trainer", "space", "sampler", "pruner", "budget", "bitsearch");

    private final TrainerFactory trainers;

    public SpecCompiler(TrainerFactory trainers) {
        this.trainers = trainers;
    }

    public TrainerFactory trainers() { return trainers; }

    /**
     * Reads spec text: JSON if it starts with '{', YAML otherwise.
     *
     * @throws SpecException if the text is not a YAML/JSON object
     */
    public static ObjectNode parse(String text) throws SpecException {
        if (text == null || text.isBlank()) throw new SpecException(List.of("spec is empty, but must be a YAML or JSON object"));
        JsonNode tree;
        try {
            tree = text.stripLeading().startsWith("{") ? JSON.readTree(text) : YAML.readTree(text);
        } catch (JsonProcessingException e) {
            throw new SpecException(List.of("spec is not valid " + (text.stripLeading().startsWith("{") ? "JSON" : "YAML")
                    + ": " + e.getOriginalMessage() + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr() + ")" : "")));
        }
        if (tree == null || !tree.isObject()) throw new SpecException(List.of("spec is " + (tree == null ? "empty" : tree.getNodeType().toString().toLowerCase()) + ", but must be an object"));
        return (ObjectNode) tree;
    }

    /** Parses, validates and compiles spec text. */
    public CompiledSearch compile(String text) throws SpecException {
        return compile(parse(text));
    }

    /** Validates and compiles a parsed spec; the tree is not changed. */
    public CompiledSearch compile(ObjectNode spec) throws SpecException {
        Problems p = new Problems();
        SpecTree root = SpecTree.object(spec, "", p, true).orElseThrow();
        root.onlyFields(ROOT);

        Optional<String> name = root.string("name", true);
        name.ifPresent(n -> {
            if (n.isBlank() || n.length() > 100) p.add("name", n, "must be 1 to 100 characters, not blank");
        });
        long seed = root.integer("seed", false, Long.MIN_VALUE, Long.MAX_VALUE).orElse(0L);
        // informational: the version that wrote the spec (an export's spec.json); it changes nothing
        root.object("bitsearch", false).ifPresent(b -> {
            b.onlyFields(Set.of("version"));
            b.string("version", false);
        });

        Budget budget = root.object("budget", true).map(SpecCompiler::budget).orElse(null);
        SamplerConfig sampler = root.object("sampler", false).map(SpecCompiler::sampler).orElse(new SamplerConfig.Random());
        PrunerConfig pruner = root.object("pruner", false).map(t -> pruner(t, budget)).orElse(new PrunerConfig.None());
        List<Dimension> dims = new ArrayList<>();
        List<String> paramNames = new ArrayList<>();
        Optional<SpecTree> paramsTree = Optional.empty();
        BitsSpec bits = null;
        Optional<List<Double>> rankRatios = Optional.empty();
        BitsSpec activationBits = null;
        Optional<SpecTree> space = root.object("space", true);
        if (space.isPresent()) {
            space.get().onlyFields(Set.of("params", "bits", "activationBits", "ranks"));
            rankRatios = space.get().object("ranks", false).map(SpecCompiler::ranks);
            paramsTree = space.get().object("params", false);
            paramsTree.ifPresent(t -> params(t, dims, paramNames));
            bits = bits(space.get().object("bits", false));
            Optional<SpecTree> acts = space.get().object("activationBits", false);
            if (acts.isPresent()) activationBits = activationBits(acts.get());
        }
        Optional<Trainer> trainer = Optional.empty();
        String kind = "dl4j";
        Optional<SpecTree> trainerTree = root.object("trainer", true);
        if (trainerTree.isPresent()) {
            kind = trainerTree.get().string("kind", false).orElse("dl4j");
            ObjectNode config = trainerTree.get().node().deepCopy();
            config.remove("kind");
            trainer = trainers.create(kind, config, "trainer", p);
        }
        // The space against the hyperparameters the kind's trainer reads (an unknown kind is reported above).
        Optional<List<ParamRule>> declared = trainers.params(kind);
        if (declared.isPresent() && paramsTree.isPresent())
            ParamRule.checkAll(declared.get(), paramNames, dims, paramsTree.get().path(), kind).forEach(p::addRaw);
        p.throwIfAny();

        // Everything read; now the checks that need the model's layers.
        List<QuantLayer> layers;
        try {
            layers = trainer.orElseThrow().layers();
        } catch (RuntimeException e) {
            throw new SpecException(List.of("trainer: cannot describe the model's layers: " + e.getMessage()));
        }
        BitAllocationSpace bitSpace;
        try {
            bitSpace = bitSpace(bits, layers, p);
        } catch (ArithmeticException e) {
            throw new SpecException(List.of("trainer: the model's size in bits does not fit in 64 bits; make the layers smaller"));
        }
        Trainer built = trainer.get();
        RankSpace rankSpace = rankSpace(built, rankRatios, bitSpace, p);
        Optional<BitAllocationSpace> activationSpace = Optional.empty();
        if (activationBits != null) {
            if (!built.quantizesActivations())
                p.add("space.activationBits", "{...}", "needs a trainer that quantizes activations, but the " + kind + " trainer: "
                        + built.activationQuantizationUnsupported());
            else activationSpace = Optional.ofNullable(bitSpace(activationBits, layers, p));
        }
        if (sampler instanceof SamplerConfig.Sensitivity sens) {
            if (!built.measuresSensitivity())
                p.add("sampler.type", "sensitivity", "needs a trainer that measures layer sensitivity, but the " + kind + " trainer does not");
            else if (bitSpace != null)
                sampler = new SamplerConfig.Sensitivity(sens.budgets(), sens.mutationRate(), sensitivitySource(built, bitSpace.allowedBits()));
        }
        int judgeFrom = built.fullyQuantizedEpoch();
        int lastEpoch = pruner instanceof PrunerConfig.Asha a ? Math.min(a.maxResource(), budget.maxEpochs) : budget.maxEpochs;
        if (judgeFrom > lastEpoch)
            p.add("trainer.schedule.everyEpochs", judgeFrom, "makes the progressive schedule quantize its " + layers.size()
                    + " layers (layers x everyEpochs) by epoch " + judgeFrom + ", but trials train at most " + lastEpoch
                    + " epochs (budget.maxEpochs" + (pruner instanceof PrunerConfig.Asha ? ", pruner.maxResource" : "") + ")");
        p.throwIfAny();
        long fp32;
        try {
            fp32 = ModelSize.of(layers, BitAllocation.uniform(layers.size(), 32)).fp32Bits();
        } catch (ArithmeticException e) {
            throw new SpecException(List.of("trainer: the model's size in bits does not fit in 64 bits (layers "
                    + layers.stream().map(l -> l.name() + " " + l.weights() + " weights").toList() + "); make the layers smaller"));
        }
        SearchSettings settings;
        try {
            settings = new SearchSettings(new SearchSpace(dims, bitSpace, activationSpace, rankSpace), sampler, pruner, seed, budget.maxTrials,
                    budget.maxConcurrent, budget.maxEpochs, 0.0, fp32, judgeFrom);
        } catch (IllegalArgumentException e) {
            throw new SpecException(List.of(e.getMessage()));
        }
        String json;
        try {
            json = JSON.writeValueAsString(spec);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a parsed spec back as JSON", e);
        }
        return new CompiledSearch(name.orElseThrow(), seed, settings, kind, trainer.get(), budget.maxRetries,
                budget.maxWallSeconds.isPresent() ? Optional.of(Duration.ofSeconds(budget.maxWallSeconds.getAsLong())) : Optional.empty(),
                json);
    }

    /**
     * The trainer's table, asked once on the sampler's first proposal (not at compile time: a spec is compiled
     * for validation and reports too) and remembered; widths below 32 of the space are measured.
     */
    private static SamplerConfig.TableSource sensitivitySource(Trainer trainer, List<Integer> allowed) {
        List<Integer> measured = allowed.stream().filter(b -> b < 32).toList();
        List<Integer> bits = measured.isEmpty() ? List.of(8) : measured;
        return new SamplerConfig.TableSource() {
            private org.bitsearch.search.trainer.LayerSensitivity table;
            @Override public synchronized org.bitsearch.search.trainer.LayerSensitivity get() {
                if (table == null) {
                    try {
                        table = trainer.sensitivity(bits);
                    } catch (Exception e) {
                        throw new IllegalStateException("the trainer could not measure layer sensitivity: " + e.getMessage(), e);
                    }
                }
                return table;
            }
        };
    }

    // ---- budget ---------------------------------------------------------------------------------------------

    /** @param maxEpochsValid whether maxEpochs was given and valid (else the pruner is not compared with it) */
    private record Budget(int maxTrials, int maxConcurrent, int maxEpochs, boolean maxEpochsValid, int maxRetries,
                          OptionalLong maxWallSeconds) {}

    private static Budget budget(SpecTree t) {
        t.onlyFields(Set.of("maxTrials", "maxConcurrent", "maxEpochs", "maxRetries", "maxWallSeconds"));
        int maxTrials = (int) t.integer("maxTrials", true, 1, 100_000).orElse(1);
        int maxConcurrent = t.integer("maxConcurrent", 1, 1, 1024);
        OptionalLong epochs = t.integer("maxEpochs", true, 1, 10_000);
        int maxEpochs = (int) epochs.orElse(1);
        int maxRetries = t.integer("maxRetries", 2, 0, 100);
        OptionalLong wall = t.integer("maxWallSeconds", false, 1, 365L * 24 * 3600);
        return new Budget(maxTrials, maxConcurrent, maxEpochs, epochs.isPresent(), maxRetries, wall);
    }

    // ---- sampler and pruner ---------------------------------------------------------------------------------

    private static SamplerConfig sampler(SpecTree t) {
        String type = t.string("type", false).orElse("random");
        switch (type) {
            case "random" -> { t.onlyFields(Set.of("type")); return new SamplerConfig.Random(); }
            case "grid" -> {
                t.onlyFields(Set.of("type", "pointsPerFloat"));
                return new SamplerConfig.Grid(t.integer("pointsPerFloat", 3, 1, 1000));
            }
            case "tpe" -> {
                t.onlyFields(Set.of("type", "startupTrials", "candidates", "gamma"));
                int startup = t.integer("startupTrials", 8, 1, 100_000);
                int candidates = t.integer("candidates", 24, 1, 100_000);
                double gamma = t.number("gamma", 0.25, 0.0, 1.0);
                if (gamma <= 0 || gamma >= 1) { t.problems().add(t.pathOf("gamma"), gamma, "must be in (0, 1)"); gamma = 0.25; }
                return new SamplerConfig.Tpe(startup, candidates, gamma);
            }
            case "nsga2" -> {
                t.onlyFields(Set.of("type", "populationSize", "mutationRate", "crossoverRate"));
                return new SamplerConfig.Nsga2(t.integer("populationSize", 8, 2, 100_000),
                        t.number("mutationRate", 0.2, 0.0, 1.0), t.number("crossoverRate", 0.9, 0.0, 1.0));
            }
            case "sensitivity" -> {
                t.onlyFields(Set.of("type", "budgets", "mutationRate"));
                // the table source is bound once the trainer is built (see compile)
                return new SamplerConfig.Sensitivity(t.integer("budgets", 8, 1, 1000), t.number("mutationRate", 0.2, 0.0, 1.0),
                        () -> { throw new IllegalStateException("no trainer bound"); });
            }
            default -> {
                t.problems().add(t.pathOf("type"), type, "must be one of [random, grid, tpe, nsga2, sensitivity]");
                return new SamplerConfig.Random();
            }
        }
    }

    private static PrunerConfig pruner(SpecTree t, Budget budget) {
        String type = t.string("type", false).orElse("none");
        switch (type) {
            case "none" -> { t.onlyFields(Set.of("type")); return new PrunerConfig.None(); }
            case "median" -> {
                t.onlyFields(Set.of("type", "warmupEpochs", "minTrials"));
                return new PrunerConfig.Median(t.integer("warmupEpochs", 1, 0, 10_000), t.integer("minTrials", 3, 1, 100_000));
            }
            case "asha", "pareto-asha" -> {
                boolean pareto = type.equals("pareto-asha");
                t.onlyFields(pareto ? Set.of("type", "minResource", "maxResource", "reductionFactor", "earlyStoppingRate", "keepFront")
                        : Set.of("type", "minResource", "maxResource", "reductionFactor", "earlyStoppingRate"));
                // an absent or invalid budget.maxEpochs is reported there; the pruner is not compared with a stand-in
                boolean known = budget != null && budget.maxEpochsValid;
                int maxEpochs = known ? budget.maxEpochs : Integer.MAX_VALUE;
                int r = t.integer("minResource", 1, 1, 10_000);
                int big = t.integer("maxResource", known ? budget.maxEpochs : Math.max(r, 1), 1, 10_000);
                if (t.raw("maxResource") == null && r > maxEpochs) {
                    // maxResource defaults to budget.maxEpochs: the problem is minResource, not a value nobody wrote
                    t.problems().add(t.pathOf("minResource"), r, "must be <= budget.maxEpochs (" + maxEpochs + ")");
                    big = r;
                    maxEpochs = r;
                }
                if (big < r) { t.problems().add(t.pathOf("maxResource"), big, "must be >= pruner.minResource (" + r + ")"); big = r; }
                if (big > maxEpochs) { t.problems().add(t.pathOf("maxResource"), big, "must be <= budget.maxEpochs (" + maxEpochs + ")"); big = maxEpochs; }
                int eta = t.integer("reductionFactor", 3, 2, 1000);
                int s = t.integer("earlyStoppingRate", 0, 0, 1000);
                // default false, though keepFront gave better fronts where measured (BENCHMARKS figure 9): a search stores
                // the spec as submitted and a resume compiles it again, so a changed default would change the pruning
                // rule of recorded searches in the middle of their run
                boolean keepFront = pareto && t.bool("keepFront", false);
                return new PrunerConfig.Asha(r, Math.max(big, r), eta, s, pareto, keepFront);
            }
            default -> {
                t.problems().add(t.pathOf("type"), type, "must be one of [none, median, asha, pareto-asha]");
                return new PrunerConfig.None();
            }
        }
    }

    // ---- space ----------------------------------------------------------------------------------------------

    /** Reads the dimensions into {@code out} and the names of all valid-looking entries into {@code names}. */
    private static void params(SpecTree t, List<Dimension> out, List<String> names) {
        for (Iterator<Map.Entry<String, JsonNode>> it = t.node().fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            String path = t.pathOf(name);
            if (name.equals("bits") || name.isBlank()) {
                t.problems().add(path, name, "is reserved or blank; parameter names must be non-blank and not 'bits'");
                continue;
            }
            names.add(name);
            SpecTree.object(e.getValue(), path, t.problems(), true).ifPresent(d -> dimension(name, d).ifPresent(out::add));
        }
    }

    private static Optional<Dimension> dimension(String name, SpecTree d) {
        Problems p = d.problems();
        Optional<String> type = d.string("type", true);
        if (type.isEmpty()) return Optional.empty();
        switch (type.get()) {
            case "categorical" -> {
                d.onlyFields(Set.of("type", "choices"));
                Optional<List<JsonNode>> choices = d.list("choices");
                if (choices.isEmpty()) {
                    if (d.raw("choices") == null) p.add(d.pathOf("choices"), null, "is required");
                    return Optional.empty();
                }
                List<Object> values = new ArrayList<>();
                boolean ok = true;
                for (int i = 0; i < choices.get().size(); i++) {
                    JsonNode c = choices.get().get(i);
                    Object v = c.isTextual() ? c.asText() : c.isBoolean() ? c.asBoolean()
                            : c.isIntegralNumber() ? (Object) c.asLong() : c.isNumber() ? (Object) c.asDouble() : null;
                    if (v == null) { p.add(d.pathOf("choices") + "[" + i + "]", c, "must be a string, number or boolean"); ok = false; }
                    else values.add(v);
                }
                if (!ok) return Optional.empty();
                if (values.isEmpty()) { p.add(d.pathOf("choices"), "[]", "must list at least one value"); return Optional.empty(); }
                if (values.stream().distinct().count() != values.size()) { p.add(d.pathOf("choices"), values, "must not repeat a value"); return Optional.empty(); }
                return Optional.of(new Dimension.Categorical(name, values));
            }
            case "int" -> {
                d.onlyFields(Set.of("type", "low", "high"));
                OptionalLong low = d.integer("low", true, Long.MIN_VALUE, Long.MAX_VALUE);
                OptionalLong high = d.integer("high", true, Long.MIN_VALUE, Long.MAX_VALUE);
                if (low.isEmpty() || high.isEmpty()) return Optional.empty();
                if (low.getAsLong() > high.getAsLong()) { p.add(d.pathOf("low"), low.getAsLong(), "must be <= high (" + high.getAsLong() + ")"); return Optional.empty(); }
                return Optional.of(new Dimension.IntRange(name, low.getAsLong(), high.getAsLong()));
            }
            case "float", "logfloat" -> {
                d.onlyFields(Set.of("type", "low", "high"));
                OptionalDouble low = d.number("low", true);
                OptionalDouble high = d.number("high", true);
                if (low.isEmpty() || high.isEmpty()) return Optional.empty();
                if (type.get().equals("logfloat") && !(low.getAsDouble() > 0)) { p.add(d.pathOf("low"), low.getAsDouble(), "must be > 0 for a logfloat"); return Optional.empty(); }
                if (low.getAsDouble() > high.getAsDouble()) { p.add(d.pathOf("low"), low.getAsDouble(), "must be <= high (" + high.getAsDouble() + ")"); return Optional.empty(); }
                return Optional.of(type.get().equals("float") ? new Dimension.FloatRange(name, low.getAsDouble(), high.getAsDouble())
                        : new Dimension.LogFloatRange(name, low.getAsDouble(), high.getAsDouble()));
            }
            default -> {
                p.add(d.pathOf("type"), type.get(), "must be one of [categorical, int, float, logfloat]");
                return Optional.empty();
            }
        }
    }

    private record BitsSpec(String path, List<Integer> allowed, boolean nonIncreasing, OptionalInt pinFirst,
                            OptionalInt pinLast, OptionalDouble maxSizeKiB, double depthPrior) {}

    private static BitsSpec bits(Optional<SpecTree> tree) {
        if (tree.isEmpty()) return new BitsSpec("space.bits", BitAllocationSpace.DEFAULT_BITS, false, OptionalInt.empty(), OptionalInt.empty(), OptionalDouble.empty(), 0.0);
        SpecTree t = tree.get();
        t.onlyFields(Set.of("allowed", "nonIncreasing", "pinFirst", "pinLast", "maxSizeKiB", "depthPrior"));
        List<Integer> allowed = new ArrayList<>(BitAllocationSpace.DEFAULT_BITS);
        Optional<List<JsonNode>> list = t.list("allowed");
        if (list.isPresent()) {
            allowed.clear();
            for (int i = 0; i < list.get().size(); i++) {
                JsonNode b = list.get().get(i);
                if (!b.isIntegralNumber() || !BitAllocation.SUPPORTED.contains(b.asInt()))
                    t.problems().add(t.pathOf("allowed") + "[" + i + "]", b, "must be one of " + BitAllocation.SUPPORTED);
                else allowed.add(b.asInt());
            }
            if (list.get().isEmpty()) t.problems().add(t.pathOf("allowed"), "[]", "must list at least one bit-width");
            if (allowed.stream().distinct().count() != allowed.size())
                t.problems().add(t.pathOf("allowed"), list.get(), "must not repeat a bit-width");
        }
        boolean nonIncreasing = t.bool("nonIncreasing", false);
        OptionalInt pinFirst = pin(t, "pinFirst");
        OptionalInt pinLast = pin(t, "pinLast");
        OptionalDouble kib = t.number("maxSizeKiB", false);
        if (kib.isPresent() && !(kib.getAsDouble() > 0)) {
            t.problems().add(t.pathOf("maxSizeKiB"), kib.getAsDouble(), "must be > 0");
            kib = OptionalDouble.empty();
        }
        double depthPrior = t.number("depthPrior", 0.0, 0.0, 1.0);
        return new BitsSpec(t.path(), allowed, nonIncreasing, pinFirst, pinLast, kib, depthPrior);
    }

    /**
     * {@code space.activationBits}: the fields of {@code bits} except {@code maxSizeKiB} (the model size counts weights
     * only); the last layer's output (softmax) stays FP32, so {@code pinLast} is 32 and may only be given as 32.
     * Default {@code allowed}: [1, 2, 4, 8, 32], as for bits.
     */
    private static BitsSpec activationBits(SpecTree t) {
        if (t.raw("maxSizeKiB") != null)
            t.problems().add(t.pathOf("maxSizeKiB"), t.raw("maxSizeKiB"), "is not allowed: the model size counts weights only");
        BitsSpec b = bits(Optional.of(t));
        if (b.pinLast.isPresent() && b.pinLast.getAsInt() != 32)
            t.problems().add(t.pathOf("pinLast"), b.pinLast.getAsInt(), "must be 32: the last layer's output is the model's prediction (softmax), which is not quantized");
        return new BitsSpec(b.path, b.allowed, b.nonIncreasing, b.pinFirst, OptionalInt.of(32), OptionalDouble.empty(), b.depthPrior);
    }

    private static OptionalInt pin(SpecTree t, String field) {
        JsonNode v = t.raw(field);
        if (v == null) return OptionalInt.empty();
        if (!v.isIntegralNumber() || !BitAllocation.SUPPORTED.contains(v.asInt())) {
            t.problems().add(t.pathOf(field), v, "must be one of " + BitAllocation.SUPPORTED);
            return OptionalInt.empty();
        }
        return OptionalInt.of(v.asInt());
    }

    /**
     * {@code space.ranks: {allowed: [ratios]}}: the rank ratios (each in (0, 1]) every factorized layer may choose
     * (Quantization Aware Factorization, Cherniuk et al. 2023).
     */
    private static List<Double> ranks(SpecTree t) {
        t.onlyFields(Set.of("allowed"));
        List<Double> out = new ArrayList<>();
        Optional<List<JsonNode>> list = t.list("allowed");
        if (list.isEmpty()) {
            if (t.raw("allowed") == null) t.problems().add(t.pathOf("allowed"), null, "is required (the rank ratios a factorized layer may take)");
            return out;
        }
        for (int i = 0; i < list.get().size(); i++) {
            JsonNode r = list.get().get(i);
            if (!r.isNumber() || !(r.asDouble() > 0 && r.asDouble() <= 1))
                t.problems().add(t.pathOf("allowed") + "[" + i + "]", r, "must be a rank ratio in (0, 1]");
            else out.add(r.asDouble());
        }
        if (list.get().isEmpty()) t.problems().add(t.pathOf("allowed"), "[]", "must list at least one rank ratio");
        if (out.stream().distinct().count() != out.size()) t.problems().add(t.pathOf("allowed"), list.get(), "must not repeat a ratio");
        return out;
    }

    /**
     * The trainer's factorized layers with the spec's searched ratios, checking that a factorized layer can only
     * take bit-widths its factor grids support (3..8, or 32 for full-precision factors).
     */
    private static RankSpace rankSpace(Trainer trainer, Optional<List<Double>> ratios,
                                                                  BitAllocationSpace bits, Problems p) {
        RankSpace base = trainer.factorization();
        if (ratios.isPresent() && base.layers().isEmpty()) {
            p.addRaw("space.ranks is given, but the trainer factorizes no layer: set trainer.factorization: {type: qaf}");
            return RankSpace.NONE;
        }
        if (bits != null)
            for (FactorLayer f : base.layers())
                for (int b : bits.choicesAt(f.layer()))
                    if (!(b >= 3 && b <= 8) && b != 32) {
                        p.add(bits.isPinned(f.layer()) ? "space.bits.pin" + (f.layer() == 0 ? "First" : "Last") : "space.bits.allowed", b,
                                "layer " + f.name() + " is factorized (trainer.factorization) and its factors lie on a k-bit grid of 3..8 bits (or stay at 32)");
                        break;
                    }
        if (ratios.isEmpty() || ratios.get().isEmpty()) return base;
        return new RankSpace(base.layers(), base.defaultRatio(), ratios.get());
    }

    /** Builds the bit space once the layers are known, checking that the size budget can be met at all. */
    private static BitAllocationSpace bitSpace(BitsSpec b, List<QuantLayer> layers, Problems p) {
        Optional<Long> maxBits = b.maxSizeKiB.isPresent() ? Optional.of((long) Math.floor(b.maxSizeKiB.getAsDouble() * 8192)) : Optional.empty();
        if (maxBits.isPresent()) {
            int min = Collections.min(b.allowed);
            List<Integer> smallest = new ArrayList<>(Collections.nCopies(layers.size(), min));
            b.pinFirst.ifPresent(x -> smallest.set(0, x));
            b.pinLast.ifPresent(x -> smallest.set(layers.size() - 1, x));
            ModelSize size = ModelSize.of(layers, new BitAllocation(smallest));
            if (size.bits() > maxBits.get()) {
                p.add(b.path + ".maxSizeKiB", b.maxSizeKiB.getAsDouble(), String.format(java.util.Locale.ROOT,
                        "must be >= %.2f, the size of the smallest allocation %s", size.kib(), smallest));
                return null;
            }
        }
        try {
            // mutable copies: BitAllocationSpace asks contains(null), which immutable lists answer with an exception
            return new BitAllocationSpace(new ArrayList<>(layers), new ArrayList<>(b.allowed), b.nonIncreasing, b.pinFirst, b.pinLast, maxBits,
                    b.depthPrior);
        } catch (IllegalArgumentException e) {
            p.addRaw(b.path + ": " + e.getMessage());
            return null;
        }
    }
}
