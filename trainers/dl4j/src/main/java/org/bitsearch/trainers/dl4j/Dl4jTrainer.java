package org.bitsearch.trainers.dl4j;

import org.bitsearch.trainers.dl4j.quant.ActivationQuantization;
import org.bitsearch.trainers.dl4j.model.Hyperparameters;
import org.bitsearch.trainers.io.DataFingerprint;

import org.bitsearch.trainers.dl4j.data.DataSplit;
import org.bitsearch.trainers.dl4j.data.Dataset;
import org.bitsearch.trainers.dl4j.data.DatasetLoader;
import org.bitsearch.trainers.dl4j.data.DataSources;
import org.bitsearch.trainers.dl4j.data.InputShape;
import org.bitsearch.trainers.dl4j.model.ModelFactory;
import org.bitsearch.trainers.dl4j.model.UserModel;
import org.bitsearch.trainers.dl4j.model.Net;
import org.bitsearch.trainers.dl4j.model.ResNet;
import org.bitsearch.trainers.dl4j.model.VggSmall;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.bitsearch.trainers.dl4j.quant.QuantizedWeightNoise;
import org.bitsearch.trainers.dl4j.schedule.DropBitsConfig;
import org.bitsearch.trainers.dl4j.schedule.ProgressiveSchedule;
import org.bitsearch.trainers.dl4j.schedule.ScheduleConfig;
import org.bitsearch.search.space.BitAllocation;
import org.bitsearch.search.space.FactorLayer;
import org.bitsearch.search.space.RankSpace;
import org.bitsearch.trainers.dl4j.factor.FactorizationConfig;
import org.bitsearch.trainers.dl4j.model.FactorizedLayers;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.bitsearch.search.space.ModelSize;
import org.bitsearch.search.space.QuantLayer;
import org.bitsearch.search.trainer.Trainer;
import org.bitsearch.search.trainer.TrainingRun;
import org.bitsearch.search.trainer.TrialContext;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.concurrent.ConcurrentHashMap;
import java.util.ArrayList;
import java.util.TreeMap;
import java.util.Collections;
import java.util.Map;
import org.bitsearch.search.trial.Candidate;

/**
 * The real {@link Trainer}: quantization-aware training of an MLP or small CNN with DL4J on an IDX dataset
 * (see {@link Dl4jTrainerConfig} for the spec section and {@link Hyperparameters} for the candidate
 * parameters it reads).
 *
 * <p>One trainer per search. Thread-safe: the dataset is loaded once per process ({@link DatasetLoader}) and
 * split once per trainer on the first {@link #open}; runs share both read-only. Each run owns its network.
 */
public final class Dl4jTrainer implements Trainer {
    /** Image shape and class count of the named datasets, known before loading them. */
    static final int ROWS = 28, COLS = 28, CLASSES = 10;

    private final Dl4jTrainerConfig config;
    private final InputShape shape;
    private final List<QuantLayer> layers;
    private final UserModel userModel;
    private DataSplit split;
    private SensitivityTable sensitivity;
    private final Map<List<Integer>, org.bitsearch.search.trainer.LayerSensitivity> contractTables = new java.util.HashMap<>();

    /**
     * A trainer of {@code config}. A named dataset has the known shape 1x28x28 with 10 classes; data given by
     * format is probed here (file names and headers; a CSV is read in full) for the model's input.
     *
     * @throws IllegalArgumentException naming the data file when it cannot be probed, or the model when it does
     *                                  not fit the data
     */
    public Dl4jTrainer(Dl4jTrainerConfig config) {
        this.config = config;
        try {
            this.shape = config.data() == null ? new InputShape(1, ROWS, COLS, CLASSES) : DataSources.shape(config.data());
        } catch (IOException e) {
            throw new IllegalArgumentException("data: " + e.getMessage(), e);
        }
        if (config.modelFile() != null) {
            try {
                this.userModel = UserModel.load(Path.of(config.modelFile()), shape);
            } catch (IOException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
            this.layers = config.perChannel() ? userModel.perChannelSlots() : userModel.slots();
            if (userModel.graph() && config.transform().bitat())
                throw new IllegalArgumentException("transform is bitat, but modelFile " + config.modelFile()
                        + " holds a ComputationGraph: BiTAT's transform needs a MultiLayerNetwork");
        } else {
            this.userModel = null;
            this.layers = config.model().equals("resnet20") ? ResNet.layers(shape, config.perChannel())
                    : config.model().equals(VggSmall.NAME) ? VggSmall.layers(shape, config.hidden(), config.perChannel())
                    : ModelFactory.layers(config.model(), config.hidden(), shape, config.perChannel());
        }
    }

    /** The user's model ({@code modelFile}), or null for a built-in one. */
    public UserModel userModel() { return userModel; }

    /**
     * Layers with parameters that stay FP32 because DL4J's weight-noise hook cannot reach them, each as
     * "name (Type): reason"; empty for the built-in models.
     */
    public List<String> unquantizedLayers() { return userModel == null ? List.of() : userModel.unreachable(); }

    /** The model's input: sample shape and class count. */
    public InputShape shape() { return shape; }

    public static Dl4jTrainer create(Dl4jTrainerConfig config) { return new Dl4jTrainer(config); }

    public Dl4jTrainerConfig config() { return config; }

    @Override public List<QuantLayer> layers() { return layers; }

    /** Exact size of the model under {@code bits}: {@link ModelSize#of} (unfactorized; see {@link #size(Candidate)}). */
    public ModelSize size(BitAllocation bits) { return ModelSize.of(layers, checkBits(bits)); }

    /** Exact size of {@code candidate}'s model, its factorized layers counted as their factors ({@link RankSpace#sizeBits}). */
    public ModelSize size(Candidate candidate) {
        checkBits(candidate.bits());
        return new ModelSize(factorization().sizeBits(layers, candidate.bits(), candidate.params()), ModelSize.of(layers, candidate.bits()).fp32Bits());
    }

    /**
     * Checks that {@code bits} has one entry per quantizable layer.
     *
     * @throws IllegalArgumentException naming the count and the layers otherwise
     */
    public BitAllocation checkBits(BitAllocation bits) {
        if (bits.layers() != layers.size())
            throw new IllegalArgumentException("bits has " + bits.layers() + " entries, but the " + config.model()
                    + " model has " + layers.size() + " quantizable layers ("
                    + layers.stream().map(QuantLayer::name).collect(Collectors.joining(", ")) + ")");
        return bits;
    }

    /**
     * Loads and splits the data on first use (blocking, once per trainer).
     *
     * @throws IOException naming the file if the data is missing or corrupt
     */
    public synchronized DataSplit data() throws IOException {
        if (split == null) {
            Dataset ds = config.data() == null ? DatasetLoader.load(config.dataPath(), config.dataset()) : DataSources.load(config.data());
            if (config.data() == null && (ds.rows() != ROWS || ds.cols() != COLS || ds.classes() > CLASSES))
                throw new IOException(config.dataset() + " in " + config.dataDir() + " has " + ds.rows() + "x" + ds.cols()
                        + " images of " + ds.classes() + " classes, but " + ROWS + "x" + COLS + " with at most " + CLASSES + " were expected");
            if (config.data() != null && (ds.channels() != shape.channels() || ds.rows() != shape.rows() || ds.cols() != shape.cols() || ds.classes() != shape.classes()))
                throw new IOException("data in " + config.dataDir() + " has " + ds.shape() + ", but the model was built for " + shape);
            split = DataSplit.of(ds, config.trainSubset(), config.validationSize(), config.splitSeed(), config.evalBatchSize());
        }
        return split;
    }

    /**
     * Loads, checks and splits the data ({@link #data()}): all four IDX files opened, their magic numbers,
     * counts, label range and {@code SHA256SUMS} (when present) checked, and {@code trainSubset +
     * validationSize} checked against the training set.
     *
     * @throws IllegalArgumentException "dataDir: FILE: problem" for missing or corrupt data, or the split's own
     *                                  message ("trainSubset is ..., but ...")
     */
    @Override
    public void checkReady() {
        try {
            data();
        } catch (IOException e) {
            throw new IllegalArgumentException("dataDir: " + e.getMessage(), e);
        }
    }

    @Override
    public TrainingRun open(TrialContext context) throws Exception {
        return openRun(context, true);
    }

    private String fingerprint;

    /**
     * {@inheritDoc} SHA-256 over the files of the data directory ({@link DataFingerprint}), computed once; with a
     * CSV test file or a {@code modelFile} their fingerprints are joined to it, so a worker must hold those too.
     */
    @Override
    public synchronized java.util.Optional<String> dataFingerprint() throws java.io.IOException {
        if (fingerprint == null) {
            String f = DataFingerprint.of(config.dataPath());
            if (config.data() != null && config.data().testFile() != null)
                f += "+" + DataFingerprint.of(Path.of(config.data().testFile()));
            if (config.modelFile() != null) f += "+model:" + DataFingerprint.of(Path.of(config.modelFile()));
            fingerprint = f;
        }
        return java.util.Optional.of(fingerprint);
    }

    /**
     * Opens a run; with {@code withRegularisers} false the run ignores the schedule and DropBits (the
     * sensitivity analysis trains that way).
     */
    Dl4jTrainingRun openRun(TrialContext context, boolean withRegularisers) throws Exception {
        BitAllocation bits = checkBits(context.candidate().bits());
        RankSpace ranks = factorization();
        BitAllocation netBits = ranks.layers().isEmpty() ? bits : networkBits(bits, ranks);
        Hyperparameters hp = Hyperparameters.of(context.candidate(), config.batchSize());
        DeviceBinding.bind(context.device());
        DataSplit data = data();
        ScheduleConfig scheduleConfig = withRegularisers ? config.schedule() : ScheduleConfig.NONE;
        int[] order = scheduleConfig.order().equals("sensitivity") && scheduleConfig.progressive()
                ? sensitivity().leastSensitiveFirst()
                : ProgressiveSchedule.fixedOrder(scheduleConfig.order(), bits.layers());
        ProgressiveSchedule schedule = new ProgressiveSchedule(scheduleConfig, order);
        if (!ranks.layers().isEmpty()) schedule = schedule.grouped(networkGroups(bits.layers(), ranks));
        DropBitsConfig drop = withRegularisers ? config.dropBits() : DropBitsConfig.OFF;
        Net net;
        int nextEpoch = 1;
        if (context.checkpoint().isPresent()) {
            Checkpoints.Restored r = Checkpoints.restore(context.checkpoint().get(), netBits, context.seed());
            net = r.network();
            nextEpoch = r.nextEpoch();
        } else if (!ranks.layers().isEmpty()) {
            net = Net.of(factorizedNetwork(context, hp, bits, ranks));
        } else if (userModel != null) {
            net = userModel.buildNet(bits.bits(), context.candidate().activationBits().map(BitAllocation::bits).orElse(null),
                    config.perChannel(), hp, context.seed());
        } else if (config.model().equals("resnet20")) {
            ComputationGraph graph = new ComputationGraph(ResNet.build(shape, bits.bits(),
                    context.candidate().activationBits().map(BitAllocation::bits).orElse(null), config.perChannel(), hp, context.seed()));
            graph.init();
            net = Net.of(graph);
        } else {
            MultiLayerConfiguration conf = config.model().equals(VggSmall.NAME)
                    ? VggSmall.build(shape, config.hidden(), bits.bits(), config.perChannel(), hp, context.seed())
                    : ModelFactory.build(config.model(), config.hidden(), shape, bits.bits(), config.perChannel(), hp, context.seed());
            if (context.candidate().activationBits().isPresent())
                ActivationQuantization.install(conf, context.candidate().activationBits().get().bits());
            MultiLayerNetwork mln = new MultiLayerNetwork(conf);
            mln.init();
            net = Net.of(mln);
        }
        Dl4jTrainingRun run = new Dl4jTrainingRun(config, data, net, netBits, hp, context.seed(), context.device(), schedule, drop, nextEpoch,
                withRegularisers && config.cpqQuantizer() ? config.cpq() : null);
        if (config.transform().bitat() && context.checkpoint().isPresent()) {
            try {
                run.restoreTransforms(context.checkpoint().get());
            } catch (IOException | RuntimeException e) {
                run.close();
                throw e;
            }
        }
        return run;
    }

    // ---- Quantization Aware Factorization (trainer.factorization) -------------------------------------------

    private INDArray pretrained;
    private final ConcurrentHashMap<FactorizedLayers.Key, FactorizedLayers.Factors> factorCache =
            new ConcurrentHashMap<>();

    /**
     * {@inheritDoc} With {@code factorization.type: qaf}: the layers of {@code factorization.layers} (default every
     * layer but the output layer), a dense layer with modes [nIn, nOut], a convolution with the CP modes [out, in,
     * kh·kw], at {@code factorization.ratio} unless a candidate chooses.
     */
    @Override
    public RankSpace factorization() {
        FactorizationConfig f = config.factorization();
        if (!f.enabled()) return RankSpace.NONE;
        List<FactorLayer> out = new ArrayList<>();
        for (QuantLayer l : layers) {
            boolean chosen = f.layers().isEmpty() ? l.index() < layers.size() - 1 : f.layers().contains(l.name());
            if (chosen) out.add(new FactorLayer(l.index(), l.name(), ModelFactory.factorModes(l), l.biases()));
        }
        return new RankSpace(out, f.ratio(), List.of());
    }

    /** The bit-width of each weight noise of the factorized network: a factorized layer's width for both its factors. */
    static BitAllocation networkBits(BitAllocation bits, RankSpace ranks) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < bits.layers(); i++) {
            FactorLayer f = ranks.at(i);
            for (int k = 0; k < (f == null ? 1 : f.modes().size()); k++) out.add(bits.get(i));
        }
        return new BitAllocation(out);
    }

    /** Network quantizable layer → the model layer it computes (each factor layer of a factorized layer → that layer). */
    static int[] networkGroups(int modelLayers, RankSpace ranks) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < modelLayers; i++) {
            FactorLayer f = ranks.at(i);
            for (int k = 0; k < (f == null ? 1 : f.modes().size()); k++) out.add(i);
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * The activation bits of the factorized network's quantizable layers: a factorized layer q's factor layers
     * ({@code <kind><q>.f0}, ...) keep FP32 outputs but the last, which computes q's output (activation, bias) and
     * gets q's activation bits; so the quantized activations are those of the unfactorized model, the boundaries
     * between its layers, and the rank-R intermediate products stay FP32 (README, "Quantization Aware Factorization").
     */
    static List<Integer> networkActivationBits(BitAllocation activationBits, RankSpace ranks) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < activationBits.layers(); i++) {
            FactorLayer f = ranks.at(i);
            for (int k = 1; k < (f == null ? 1 : f.modes().size()); k++) out.add(32);
            out.add(activationBits.get(i));
        }
        return out;
    }

    /**
     * The trial's factorized network: the pre-trained full-precision weights ({@link #pretrainedParams}) with every
     * factorized layer replaced by its QAF factors at the candidate's rank and bit-width ({@link FactorizedLayers}).
     * Factors are computed once per (layer, rank, bits) and trainer, from the shared pre-trained weights.
     */
    private MultiLayerNetwork factorizedNetwork(TrialContext context, Hyperparameters hp, BitAllocation bits, RankSpace ranks) throws Exception {
        Map<Integer, Integer> rank = new TreeMap<>();
        for (FactorLayer f : ranks.layers()) rank.put(f.layer(), f.rank(ranks.ratio(context.candidate().params(), f)));
        List<Integer> fp32 = Collections.nCopies(layers.size(), 32);
        MultiLayerNetwork source = new MultiLayerNetwork(ModelFactory.build(config.model(), config.hidden(), shape, fp32, false, hp, config.splitSeed()));
        source.init(pretrainedParams(context.device()), true);
        MultiLayerConfiguration conf = ModelFactory.build(config.model(), config.hidden(), shape, bits.bits(), false, hp, context.seed(), rank);
        if (context.candidate().activationBits().isPresent())
            ActivationQuantization.install(conf, networkActivationBits(context.candidate().activationBits().get(), ranks));
        MultiLayerNetwork target = new MultiLayerNetwork(conf);
        target.init();
        FactorizedLayers.transfer(source, target, rank, bits.bits(), config.factorization().admmIterations(), config.splitSeed(),
                config.factorization().admm(),
                (key, w) -> factorCache.computeIfAbsent(key, k -> FactorizedLayers.DENSE.apply(k, w)),
                (key, x) -> factorCache.computeIfAbsent(key, k -> FactorizedLayers.KERNELS.apply(k, x)));
        return target;
    }

    /**
     * The pre-trained full-precision weights QAF factorizes: the model at 32 bits, trained {@code
     * factorization.pretrainEpochs} epochs with the default hyperparameters and {@code splitSeed} as seed; computed
     * on first use (blocking, once per trainer), then shared read-only.
     */
    synchronized INDArray pretrainedParams(String device) throws Exception {
        if (pretrained == null) {
            BitAllocation fp32 = BitAllocation.uniform(layers.size(), 32);
            Hyperparameters hp = Hyperparameters.of(new Candidate(Map.of(), fp32), config.batchSize());
            MultiLayerNetwork mln = new MultiLayerNetwork(ModelFactory.build(config.model(), config.hidden(), shape, fp32.bits(), false, hp, config.splitSeed()));
            mln.init();
            int epochs = config.factorization().pretrainEpochs();
            if (epochs > 0) {
                try (Dl4jTrainingRun run = new Dl4jTrainingRun(config, data(), Net.of(mln), fp32, hp, config.splitSeed(), device,
                        new ProgressiveSchedule(ScheduleConfig.NONE, ProgressiveSchedule.fixedOrder("forward", layers.size())), DropBitsConfig.OFF, 1)) {
                    for (int e = 0; e < epochs; e++) run.trainEpoch();
                }
            }
            pretrained = mln.params().dup();
        }
        return pretrained;
    }

    /**
     * The sensitivity table of this trainer's model and data (computed on first use, once per trainer, with
     * the default hyperparameters and {@code splitSeed} as seed), for the "sensitivity" schedule order.
     */
    public synchronized SensitivityTable sensitivity() throws Exception {
        if (sensitivity == null) sensitivity = SensitivityAnalysis.run(this, Map.of(), config.splitSeed());
        return sensitivity;
    }

    /**
     * {@inheritDoc} Not with {@code factorization.type: qaf}: the analysis quantizes one network layer per quantizable
     * layer, which a factorized network does not have.
     */
    @Override public boolean measuresSensitivity() { return !config.factorization().enabled(); }

    /**
     * {@inheritDoc} Every model: the MultiLayerNetworks (the built-in mlp, cnn, factorized or not, and vgg-small
     * models and a {@code modelFile} holding one), resnet20 ({@code ResNet}: sites after its ReLUs and projections) and
     * a {@code modelFile} holding a ComputationGraph ({@code ActivationQuantization.sites}). An entry whose site cannot be
     * quantized (an LSTM's own activation) is refused when the trial opens, naming it.
     */
    @Override public boolean quantizesActivations() { return true; }

    /** Why this trainer's model cannot quantize activations: always "" (see {@link #quantizesActivations()}). */
    @Override public String activationQuantizationUnsupported() { return ""; }

    /**
     * {@inheritDoc} Runs {@link SensitivityAnalysis} in the configured {@code sensitivity.mode} over {@code bits}
     * (with the default hyperparameters and {@code splitSeed} as seed), once per trainer and bit list.
     */
    @Override public synchronized org.bitsearch.search.trainer.LayerSensitivity sensitivity(List<Integer> bits) throws Exception {
        List<Integer> measured = bits.stream().filter(b -> b >= 1 && b <= 8).distinct().sorted().toList();
        if (measured.isEmpty()) measured = List.of(8);
        org.bitsearch.search.trainer.LayerSensitivity known = contractTables.get(measured);
        if (known != null) return known;
        Dl4jTrainer measuring = new Dl4jTrainer(config.withSensitivity(config.sensitivity().withBits(measured)));
        measuring.split = data();
        org.bitsearch.search.trainer.LayerSensitivity t = SensitivityAnalysis.run(measuring, Map.of(), config.splitSeed()).toLayerSensitivity();
        contractTables.put(measured, t);
        return t;
    }

    /**
     * {@inheritDoc} With {@code schedule.type: progressive}, 1 + (L − 1)·E: the epoch at which the last of the L
     * layers starts training quantized.
     */
    @Override public int fullyQuantizedEpoch() {
        return config.schedule().progressive() ? 1 + (layers.size() - 1) * config.schedule().everyEpochs() : 1;
    }

    /** The layer noises of a network built by this trainer, in quantizable-layer order. */
    static List<QuantizedWeightNoise> noises(MultiLayerNetwork net) {
        return Dl4jTrainingRun.noisesOf(net);
    }
}
