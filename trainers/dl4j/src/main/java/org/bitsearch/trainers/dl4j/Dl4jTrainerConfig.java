package org.bitsearch.trainers.dl4j;

import org.bitsearch.trainers.dl4j.model.Hyperparameters;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.bitsearch.trainers.dl4j.data.DataConfig;
import org.bitsearch.trainers.dl4j.data.DataLocator;
import org.bitsearch.trainers.dl4j.data.DatasetLoader;
import org.bitsearch.trainers.dl4j.schedule.CpqConfig;
import org.bitsearch.trainers.dl4j.quant.TransformConfig;
import org.bitsearch.trainers.dl4j.factor.FactorizationConfig;
import org.bitsearch.trainers.dl4j.schedule.DropBitsConfig;
import org.bitsearch.trainers.dl4j.schedule.ScheduleConfig;
import org.bitsearch.trainers.dl4j.schedule.SensitivityConfig;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.bitsearch.trainers.dl4j.model.ModelFactory;
import org.bitsearch.search.space.QuantLayer;

/**
 * The {@code trainer:} section of a search spec: what the DL4J trainer trains on and how. Jackson binds it from
 * YAML or JSON (camelCase names, absent fields take the defaults below, unknown fields are an error of the
 * binding mapper); the compact constructor validates every field and names it in its message.
 *
 * <p>Per-trial hyperparameters are not here: they come from the candidate ({@link Hyperparameters}).
 *
 * @param dataset        "fashion-mnist" or "mnist" (required)
 * @param dataDir        directory holding the IDX files, or their parent holding {@code <dataset>/}; when a spec
 *                       gives none, the binding finds it with {@link DataLocator#standard()} ({@code BITSEARCH_DATA},
 *                       {@code ./data/<dataset>}, {@code /usr/share/datasets/<dataset>}) or fails saying where it looked
 * @param model          "mlp" (default), "resnet20" (He et al. 2016, CIFAR, a ComputationGraph), "vgg-small" (LQ-Nets' CIFAR
 *                       VGG-Small, {@code VggSmall}) or "cnn" (LeNet-style: two 5x5 convolutions of 8 and 16 channels with
 *                       2x2 max pooling, then the dense layers of {@code hidden})
 * @param hidden         hidden dense layer sizes; default [256, 128] for the MLP, [128] for the CNN; for vgg-small the six
 *                       convolution widths, default the published [128, 128, 256, 256, 512, 512]
 * @param trainSubset    number of training samples (0 = every sample not held out for validation)
 * @param validationSize samples of the training set held out for validation (default 5000); the search
 *                       optimises validation accuracy, test accuracy is reported only at the end
 * @param splitSeed      seed of the train subset / validation split (default 0): the same for every trial of a
 *                       search, so that trials are compared on the same data
 * @param batchSize      default minibatch size (128); a candidate's {@code batchSize} overrides it
 * @param evalBatchSize  minibatch size of evaluation (default 2000)
 * @param threads        BLAS/OpenMP threads; 0 (default) = automatic: 1 thread, never chosen from the load (see NativeThreads)
 * @param perChannel     one quantization scale per output channel instead of per tensor (default false)
 * @param schedule       when layers start being quantized (default: all from the start)
 * @param dropBits       DropBits regulariser (default off)
 * @param sensitivity    how the sensitivity analysis runs (used by {@code schedule.order: sensitivity})
 * @param data           a dataset given by format ({@link DataConfig}: idx, cifar, images, csv) instead of by name;
 *                       with it {@code dataset} is the format and {@code dataDir} the data's location
 * @param modelFile      the user's own DL4J network instead of a built-in model ({@code UserModel}); with it
 *                       {@code model} is "file" and {@code hidden} is not used
 * @param quantizer      the weight quantizer: "uniform" (default: DESIGN.md's quantizers with the plain
 *                       straight-through estimator) or "cpq" (Cluster-Promoting Quantization with DropBits, Lee et
 *                       al. 2021; its options are {@code cpq}); cpq trains on DL4J's {@code fit} path
 * @param cpq            options of the cpq quantizer ({@link CpqConfig}); null with the uniform quantizer
 * @param factorization  Quantization Aware Factorization of dense and convolution layers ({@link FactorizationConfig}; default none).
 *                       Needs a built-in mlp or cnn, per-tensor scales and no progressive schedule
 * @param transform      the basis weights are quantized in ({@link TransformConfig}: none, default, or BiTAT's)
 */
public record Dl4jTrainerConfig(String dataset, String dataDir, String model, List<Integer> hidden,
                                int trainSubset, int validationSize, long splitSeed, int batchSize,
                                int evalBatchSize, int threads, boolean perChannel, ScheduleConfig schedule,
                                DropBitsConfig dropBits, SensitivityConfig sensitivity, DataConfig data,
                                String modelFile, String quantizer, CpqConfig cpq, FactorizationConfig factorization,
                                TransformConfig transform) {
    public static final Set<String> MODELS = Set.of("mlp", "cnn", "resnet20", org.bitsearch.trainers.dl4j.model.VggSmall.NAME);
    public static final Set<String> QUANTIZERS = Set.of("uniform", "cpq");
    public static final int DEFAULT_VALIDATION_SIZE = 5000;
    public static final int DEFAULT_BATCH_SIZE = 128;
    public static final int DEFAULT_EVAL_BATCH_SIZE = 2000;

    /** The most parameters a model may have: DL4J keeps them in one flat array. */
    public static final long MAX_PARAMETERS = Integer.MAX_VALUE;

    /**
     * Validates every field; all problems are reported at once, one per line of the exception's message, each
     * starting with its field name.
     */
    public Dl4jTrainerConfig {
        List<String> problems = new java.util.ArrayList<>();
        if (data != null) {
            if (dataset != null && !dataset.equals(data.format()))
                throw new IllegalArgumentException("dataset is '" + dataset + "' and data is given: give either dataset (with dataDir) or data, not both");
            dataset = data.format();
            dataDir = data.location();
        }
        if (modelFile != null) {
            if (modelFile.isBlank()) throw new IllegalArgumentException("modelFile is blank");
            if (model != null && !model.equals("file"))
                throw new IllegalArgumentException("model is '" + model + "' and modelFile is given: give either a built-in model or modelFile, not both");
            if (hidden != null && !hidden.isEmpty())
                throw new IllegalArgumentException("hidden is given with modelFile, but only the built-in models use it");
            model = "file";
            hidden = List.of();
        }
        if (dataset == null || dataset.isBlank()) problems.add("dataset is required (or data: {format: ...})");
        else if (data == null && !DatasetLoader.NAMES.contains(dataset))
            problems.add("dataset is '" + dataset + "', but must be one of " + DatasetLoader.NAMES.stream().sorted().toList());
        if (dataDir == null || dataDir.isBlank()) problems.add("dataDir is required");
        if (model == null) model = "mlp";
        boolean knownModel = modelFile != null || MODELS.contains(model);
        if (!knownModel)
            problems.add("model is '" + model + "', but must be one of " + MODELS.stream().sorted().toList());
        boolean vgg = model.equals(org.bitsearch.trainers.dl4j.model.VggSmall.NAME);
        if (hidden == null) hidden = model.equals("cnn") ? List.of(128) : vgg ? org.bitsearch.trainers.dl4j.model.VggSmall.WIDTHS : List.of(256, 128);
        boolean hiddenOk = true;
        for (int i = 0; i < hidden.size(); i++)
            if (hidden.get(i) == null || hidden.get(i) < 1) {
                problems.add("hidden[" + i + "] is " + hidden.get(i) + ", but must be >= 1");
                hiddenOk = false;
            }
        hidden = hiddenOk ? List.copyOf(hidden) : hidden;
        if (vgg && hiddenOk && hidden.size() != 6) {
            problems.add("hidden is " + hidden + ", but the vgg-small model takes six convolution widths (default "
                    + org.bitsearch.trainers.dl4j.model.VggSmall.WIDTHS + ")");
            hiddenOk = false;
        }
        if (model.equals("mlp") && hidden.isEmpty() && modelFile == null) {
            problems.add("hidden is empty, but the mlp needs at least one hidden layer");
            hiddenOk = false;
        }
        if (knownModel && hiddenOk && data == null && modelFile == null && !model.equals("resnet20") && !vgg) {
            long params = parameters(model, hidden);
            if (params < 0 || params > MAX_PARAMETERS)
                problems.add("hidden is " + hidden + ", but the " + model + " would have "
                        + (params < 0 ? "more than 2^63" : String.valueOf(params)) + " parameters, more than the "
                        + MAX_PARAMETERS + " DL4J supports");
        }
        if (trainSubset < 0) problems.add("trainSubset is " + trainSubset + ", but must be >= 0 (0 = all)");
        if (validationSize < 1) problems.add("validationSize is " + validationSize + ", but must be >= 1");
        if (batchSize < 1) problems.add("batchSize is " + batchSize + ", but must be >= 1");
        if (evalBatchSize < 1) problems.add("evalBatchSize is " + evalBatchSize + ", but must be >= 1");
        if (threads < 0) problems.add("threads is " + threads + ", but must be >= 0 (0 = one native thread per run)");
        if (quantizer == null) quantizer = cpq != null ? "cpq" : "uniform";
        if (!QUANTIZERS.contains(quantizer))
            problems.add("quantizer is '" + quantizer + "', but must be one of " + QUANTIZERS.stream().sorted().toList());
        else if (quantizer.equals("uniform") && cpq != null)
            problems.add("cpq is given, but quantizer is 'uniform': its options apply to quantizer: cpq only");
        else if (quantizer.equals("cpq")) {
            if (cpq == null) cpq = CpqConfig.DEFAULT;
            if (dropBits != null && dropBits.enabled())
                problems.add("dropBits is given, but quantizer is 'cpq': DropBits on the cpq grid is cpq.dropProbability");
        }
        if (factorization == null) factorization = FactorizationConfig.NONE;
        if (factorization.enabled()) factorizationProblems(factorization, model, hidden, modelFile, perChannel, schedule, knownModel && hiddenOk, problems);
        if (factorization.enabled() && "cpq".equals(quantizer))
            problems.add("factorization.type is '" + factorization.type() + "', but is not combined with quantizer 'cpq' (its factors train with the uniform quantizer: "
                    + "CPQ's learned bits would give a layer's factors different widths, while ranks and sizes count one width per factorized layer)");
        if (transform != null && transform.bitat() && "resnet20".equals(model))
            problems.add("transform is bitat, but the resnet20 model is a ComputationGraph: BiTAT's transform needs a MultiLayerNetwork (mlp, cnn, modelFile)");
        if (transform != null && transform.bitat() && "cpq".equals(quantizer))
            problems.add("transform is bitat, but quantizer is 'cpq': BiTAT quantizes in its own basis with the uniform quantizer");
        if (transform != null && transform.bitat() && factorization.enabled())
            problems.add("transform is bitat, but factorization.type is '" + factorization.type() + "': BiTAT's transform is not combined with factorized layers "
                    + "(its full-precision nIn x nIn rotation would undo what the factorization saves)");
        if (!problems.isEmpty()) throw new IllegalArgumentException(String.join("\n", problems));
        if (schedule == null) schedule = ScheduleConfig.NONE;
        if (dropBits == null) dropBits = DropBitsConfig.OFF;
        if (sensitivity == null) sensitivity = SensitivityConfig.DEFAULT;
        if (transform == null) transform = TransformConfig.NONE;
    }

    /** The factorization's own rules against the rest of the config, each naming its field. */
    private static void factorizationProblems(FactorizationConfig f, String model, List<Integer> hidden, String modelFile,
                                              boolean perChannel, ScheduleConfig schedule, boolean layersKnown, List<String> problems) {
        if (modelFile != null || !(model.equals("mlp") || model.equals("cnn")))
            problems.add("factorization.type is '" + f.type() + "', but factorizes the layers of the built-in mlp or cnn only (model is '" + model + "')");
        if (perChannel) problems.add("factorization.type is '" + f.type() + "', but its factors use one scale per factor: perChannel must be false");
        if (schedule != null && schedule.progressive() && schedule.order().equals("sensitivity"))
            problems.add("factorization.type is '" + f.type() + "', but schedule.order is 'sensitivity': the sensitivity analysis "
                    + "quantizes one network layer per model layer, which a factorized network does not have (use forward or backward)");
        if (layersKnown && modelFile == null && (model.equals("mlp") || model.equals("cnn"))) {
            List<String> names = ModelFactory.layers(model, hidden, 28, 28, 10).stream()
                    .map(QuantLayer::name).toList();
            for (int i = 0; i < f.layers().size(); i++)
                if (!names.contains(f.layers().get(i)))
                    problems.add("factorization.layers[" + i + "] is '" + f.layers().get(i) + "', but must name a layer of the " + model + ": " + names);
        }
    }

    /** The configuration of a named dataset (no {@code data} section, no {@code modelFile}). */
    public Dl4jTrainerConfig(String dataset, String dataDir, String model, List<Integer> hidden,
                             int trainSubset, int validationSize, long splitSeed, int batchSize,
                             int evalBatchSize, int threads, boolean perChannel, ScheduleConfig schedule,
                             DropBitsConfig dropBits, SensitivityConfig sensitivity) {
        this(dataset, dataDir, model, hidden, trainSubset, validationSize, splitSeed, batchSize, evalBatchSize,
                threads, perChannel, schedule, dropBits, sensitivity, null, null, "uniform", null, null, null);
    }

    /** A configuration without factorization (the fields before {@code factorization} existed). */
    public Dl4jTrainerConfig(String dataset, String dataDir, String model, List<Integer> hidden,
                             int trainSubset, int validationSize, long splitSeed, int batchSize,
                             int evalBatchSize, int threads, boolean perChannel, ScheduleConfig schedule,
                             DropBitsConfig dropBits, SensitivityConfig sensitivity, DataConfig data, String modelFile,
                             String quantizer, CpqConfig cpq) {
        this(dataset, dataDir, model, hidden, trainSubset, validationSize, splitSeed, batchSize, evalBatchSize,
                threads, perChannel, schedule, dropBits, sensitivity, data, modelFile, quantizer, cpq, null, null);
    }

    /** A configuration with the uniform quantizer and {@code factorization}. */
    public Dl4jTrainerConfig(String dataset, String dataDir, String model, List<Integer> hidden,
                             int trainSubset, int validationSize, long splitSeed, int batchSize,
                             int evalBatchSize, int threads, boolean perChannel, ScheduleConfig schedule,
                             DropBitsConfig dropBits, SensitivityConfig sensitivity, DataConfig data, String modelFile,
                             FactorizationConfig factorization) {
        this(dataset, dataDir, model, hidden, trainSubset, validationSize, splitSeed, batchSize, evalBatchSize,
                threads, perChannel, schedule, dropBits, sensitivity, data, modelFile, "uniform", null, factorization, null);
    }

    /** A configuration with the uniform quantizer. */
    public Dl4jTrainerConfig(String dataset, String dataDir, String model, List<Integer> hidden,
                             int trainSubset, int validationSize, long splitSeed, int batchSize,
                             int evalBatchSize, int threads, boolean perChannel, ScheduleConfig schedule,
                             DropBitsConfig dropBits, SensitivityConfig sensitivity, DataConfig data, String modelFile) {
        this(dataset, dataDir, model, hidden, trainSubset, validationSize, splitSeed, batchSize, evalBatchSize,
                threads, perChannel, schedule, dropBits, sensitivity, data, modelFile, "uniform", null, null, null);
    }

    /** True with {@code quantizer: cpq}. */
    public boolean cpqQuantizer() { return quantizer.equals("cpq"); }

    /**
     * The binding Jackson uses: absent fields are {@code null} here and take their defaults; an absent
     * {@code dataDir} is looked for ({@link DataLocator}).
     */
    @JsonCreator
    static Dl4jTrainerConfig json(@JsonProperty("dataset") String dataset, @JsonProperty("dataDir") String dataDir,
                                  @JsonProperty("model") String model, @JsonProperty("hidden") List<Integer> hidden,
                                  @JsonProperty("trainSubset") Integer trainSubset,
                                  @JsonProperty("validationSize") Integer validationSize,
                                  @JsonProperty("splitSeed") Long splitSeed, @JsonProperty("batchSize") Integer batchSize,
                                  @JsonProperty("evalBatchSize") Integer evalBatchSize,
                                  @JsonProperty("threads") Integer threads, @JsonProperty("perChannel") Boolean perChannel,
                                  @JsonProperty("schedule") ScheduleConfig schedule,
                                  @JsonProperty("dropBits") DropBitsConfig dropBits,
                                  @JsonProperty("sensitivity") SensitivityConfig sensitivity,
                                  @JsonProperty("data") DataConfig data,
                                  @JsonProperty("modelFile") String modelFile,
                                  @JsonProperty("quantizer") String quantizer, @JsonProperty("cpq") CpqConfig cpq,
                                  @JsonProperty("factorization") FactorizationConfig factorization,
                                  @JsonProperty("transform") TransformConfig transform) {
        if (data != null && ((dataset != null && !dataset.equals(data.format())) || (dataDir != null && !dataDir.equals(data.location()))))
            throw new IllegalArgumentException("data is given together with " + (dataset != null ? "dataset" : "dataDir")
                    + ": give either dataset (with dataDir) or data, not both");
        if (data == null && (dataDir == null || dataDir.isBlank()) && dataset != null && DatasetLoader.NAMES.contains(dataset)) {
            DataLocator locator = DataLocator.standard();
            dataDir = locator.locate(dataset).map(Path::toString)
                    .orElseThrow(() -> new IllegalArgumentException(locator.notFound(dataset)));
        }
        return new Dl4jTrainerConfig(dataset, dataDir, model, hidden, or(trainSubset, 0),
                or(validationSize, DEFAULT_VALIDATION_SIZE), splitSeed == null ? 0 : splitSeed,
                or(batchSize, DEFAULT_BATCH_SIZE), or(evalBatchSize, DEFAULT_EVAL_BATCH_SIZE), or(threads, 0),
                perChannel != null && perChannel, schedule, dropBits, sensitivity, data, modelFile,
                quantizer == null && cpq == null ? "uniform" : quantizer, cpq, factorization, transform);
    }

    /** A config with every optional field at its default. */
    public static Dl4jTrainerConfig defaults(String dataset, String dataDir, String model) {
        if (dataDir == null || dataDir.isBlank()) throw new IllegalArgumentException("dataDir is required");
        return json(dataset, dataDir, model, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    /** A config of {@code data} with every optional field at its default. */
    public static Dl4jTrainerConfig defaults(DataConfig data, String model) {
        return json(null, null, model, null, null, null, null, null, null, null, null, null, null, null, data, null, null, null, null, null);
    }

    /** The data section this config reads: {@code data}, or an idx section for a named dataset. */
    public DataConfig dataSource() {
        return data != null ? data : DataConfig.dir("idx", DatasetLoader.resolveDir(Path.of(dataDir), dataset));
    }

    private static int or(Integer v, int fallback) { return v == null ? fallback : v; }

    /** Weights and biases of the model on 28x28 images of 10 classes; -1 if the count overflows a long. */
    static long parameters(String model, List<Integer> hidden) {
        try {
            long total = 0;
            for (var l : ModelFactory.layers(model, hidden, 28, 28, 10, false))
                total = Math.addExact(total, Math.addExact(l.weights(), l.biases()));
            return total;
        } catch (ArithmeticException | IllegalArgumentException e) {
            return -1;
        }
    }

    public Path dataPath() { return Path.of(dataDir); }

    /** A builder starting from this config's values. */
    public Builder toBuilder() { return new Builder(this); }

    /** A builder for {@code dataset} in {@code dataDir}, every other field at its default. */
    public static Builder builder(String dataset, String dataDir) { return defaults(dataset, dataDir, null).toBuilder(); }

    public Dl4jTrainerConfig withTrainSubset(int n) { return toBuilder().trainSubset(n).build(); }

    public Dl4jTrainerConfig withValidationSize(int n) { return toBuilder().validationSize(n).build(); }

    public Dl4jTrainerConfig withSensitivity(SensitivityConfig s) { return toBuilder().sensitivity(s).build(); }

    public Dl4jTrainerConfig withSchedule(ScheduleConfig s) { return toBuilder().schedule(s).build(); }

    public Dl4jTrainerConfig withDropBits(DropBitsConfig d) { return toBuilder().dropBits(d).build(); }

    public Dl4jTrainerConfig withPerChannel(boolean p) { return toBuilder().perChannel(p).build(); }

    /** This config with {@code quantizer: cpq} and {@code options}. */
    public Dl4jTrainerConfig withCpq(CpqConfig options) { return toBuilder().quantizer("cpq").cpq(options).build(); }
    public Dl4jTrainerConfig withTransform(TransformConfig t) { return toBuilder().transform(t).build(); }
    public Dl4jTrainerConfig withFactorization(FactorizationConfig f) { return toBuilder().factorization(f).build(); }

    /** This config with the user's model file instead of a built-in model. */
    public Dl4jTrainerConfig withModelFile(String file) {
        Builder b = toBuilder().modelFile(file);
        if (file != null) b.model(null);
        return b.build();
    }

    /**
     * Sets fields one at a time; {@link #build()} validates them all in the compact constructor (a null
     * model, hidden, schedule, dropBits or sensitivity takes its default there). Not thread-safe.
     */
    public static final class Builder {
        private String dataset, dataDir, model;
        private List<Integer> hidden;
        private int trainSubset, validationSize, batchSize, evalBatchSize, threads;
        private long splitSeed;
        private boolean perChannel;
        private ScheduleConfig schedule;
        private DropBitsConfig dropBits;
        private SensitivityConfig sensitivity;
        private DataConfig data;
        private String modelFile;
        private String quantizer;
        private CpqConfig cpq;
        private TransformConfig transform;
        private FactorizationConfig factorization;

        private Builder(Dl4jTrainerConfig c) {
            dataset = c.dataset; dataDir = c.dataDir; model = c.model; hidden = c.hidden;
            trainSubset = c.trainSubset; validationSize = c.validationSize; splitSeed = c.splitSeed;
            batchSize = c.batchSize; evalBatchSize = c.evalBatchSize; threads = c.threads; perChannel = c.perChannel;
            schedule = c.schedule; dropBits = c.dropBits; sensitivity = c.sensitivity; data = c.data; modelFile = c.modelFile;
            quantizer = c.quantizer; cpq = c.cpq; factorization = c.factorization;
            transform = c.transform;
        }

        public Builder dataset(String v) { dataset = v; return this; }
        public Builder dataDir(String v) { dataDir = v; return this; }
        /** The model; also resets {@code hidden} to that model's default unless set after this. */
        public Builder model(String v) { model = v; hidden = null; return this; }
        public Builder hidden(List<Integer> v) { hidden = v; return this; }
        public Builder trainSubset(int v) { trainSubset = v; return this; }
        public Builder validationSize(int v) { validationSize = v; return this; }
        public Builder splitSeed(long v) { splitSeed = v; return this; }
        public Builder batchSize(int v) { batchSize = v; return this; }
        public Builder evalBatchSize(int v) { evalBatchSize = v; return this; }
        public Builder threads(int v) { threads = v; return this; }
        public Builder perChannel(boolean v) { perChannel = v; return this; }
        public Builder schedule(ScheduleConfig v) { schedule = v; return this; }
        public Builder dropBits(DropBitsConfig v) { dropBits = v; return this; }
        public Builder sensitivity(SensitivityConfig v) { sensitivity = v; return this; }
        /** Data by format (with it, dataset and dataDir follow from the data). */
        public Builder data(DataConfig v) { data = v; if (v != null) { dataset = v.format(); dataDir = v.location(); } return this; }
        public Builder modelFile(String v) { modelFile = v; return this; }
        /** "uniform" or "cpq" (with "uniform" the cpq options are dropped). */
        public Builder quantizer(String v) { quantizer = v; if ("uniform".equals(v)) cpq = null; return this; }
        public Builder cpq(CpqConfig v) { cpq = v; return this; }
        public Builder transform(TransformConfig v) { transform = v; return this; }
        public Builder factorization(FactorizationConfig v) { factorization = v; return this; }

        /** @throws IllegalArgumentException naming the field and the rule if a value is invalid */
        public Dl4jTrainerConfig build() {
            return new Dl4jTrainerConfig(dataset, dataDir, model, hidden, trainSubset, validationSize, splitSeed,
                    batchSize, evalBatchSize, threads, perChannel, schedule, dropBits, sensitivity, data, modelFile,
                    quantizer, cpq, factorization, transform);
        }
    }
}
