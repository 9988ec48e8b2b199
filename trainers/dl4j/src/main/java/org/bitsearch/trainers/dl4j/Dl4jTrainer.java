package org.bitsearch.trainers.dl4j;

import org.bitsearch.trainers.io.DataFingerprint;

import org.bitsearch.trainers.dl4j.data.DataSplit;
import org.bitsearch.trainers.dl4j.data.Dataset;
import org.bitsearch.trainers.dl4j.data.DatasetLoader;
import org.bitsearch.trainers.dl4j.model.ModelFactory;
import org.bitsearch.trainers.dl4j.quant.QuantizedWeightNoise;
import org.bitsearch.trainers.dl4j.schedule.DropBitsConfig;
import org.bitsearch.trainers.dl4j.schedule.ProgressiveSchedule;
import org.bitsearch.trainers.dl4j.schedule.ScheduleConfig;
import org.bitsearch.search.space.BitAllocation;
import org.bitsearch.search.space.ModelSize;
import org.bitsearch.search.space.QuantLayer;
import org.bitsearch.search.trainer.Trainer;
import org.bitsearch.search.trainer.TrainingRun;
import org.bitsearch.search.trainer.TrialContext;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.io.IOException;
import java.util.List;
import java.util.stream.Collectors;

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
    private final List<QuantLayer> layers;
    private DataSplit split;
    private SensitivityTable sensitivity;

    public Dl4jTrainer(Dl4jTrainerConfig config) {
        this.config = config;
        this.layers = ModelFactory.layers(config.model(), config.hidden(), ROWS, COLS, CLASSES, config.perChannel());
    }

    public static Dl4jTrainer create(Dl4jTrainerConfig config) { return new Dl4jTrainer(config); }

    public Dl4jTrainerConfig config() { return config; }

    @Override public List<QuantLayer> layers() { return layers; }

    /** Exact size of the model under {@code bits}: {@link ModelSize#of}. */
    public ModelSize size(BitAllocation bits) { return ModelSize.of(layers, checkBits(bits)); }

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
            Dataset ds = DatasetLoader.load(config.dataPath(), config.dataset());
            if (ds.rows() != ROWS || ds.cols() != COLS || ds.classes() > CLASSES)
                throw new IOException(config.dataset() + " in " + config.dataDir() + " has " + ds.rows() + "x" + ds.cols()
                        + " images of " + ds.classes() + " classes, but " + ROWS + "x" + COLS + " with at most " + CLASSES + " were expected");
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

    /** {@inheritDoc} SHA-256 over the files of the data directory ({@link DataFingerprint}), computed once. */
    @Override
    public synchronized java.util.Optional<String> dataFingerprint() throws java.io.IOException {
        if (fingerprint == null) fingerprint = DataFingerprint.of(config.dataPath());
        return java.util.Optional.of(fingerprint);
    }

    /**
     * Opens a run; with {@code withRegularisers} false the run ignores the schedule and DropBits (the
     * sensitivity analysis trains that way).
     */
    Dl4jTrainingRun openRun(TrialContext context, boolean withRegularisers) throws Exception {
        BitAllocation bits = checkBits(context.candidate().bits());
        Hyperparameters hp = Hyperparameters.of(context.candidate(), config.batchSize());
        DeviceBinding.bind(context.device());
        DataSplit data = data();
        ScheduleConfig scheduleConfig = withRegularisers ? config.schedule() : ScheduleConfig.NONE;
        int[] order = scheduleConfig.order().equals("sensitivity") && scheduleConfig.progressive()
                ? sensitivity().leastSensitiveFirst()
                : ProgressiveSchedule.fixedOrder(scheduleConfig.order(), layers.size());
        ProgressiveSchedule schedule = new ProgressiveSchedule(scheduleConfig, order);
        DropBitsConfig drop = withRegularisers ? config.dropBits() : DropBitsConfig.OFF;
        MultiLayerNetwork net;
        int nextEpoch = 1;
        if (context.checkpoint().isPresent()) {
            Checkpoints.Restored r = Checkpoints.restore(context.checkpoint().get(), bits, context.seed());
            net = r.network();
            nextEpoch = r.nextEpoch();
        } else {
            MultiLayerConfiguration conf = ModelFactory.build(config.model(), config.hidden(), ROWS, COLS, CLASSES,
                    bits.bits(), config.perChannel(), hp, context.seed());
            net = new MultiLayerNetwork(conf);
            net.init();
        }
        return new Dl4jTrainingRun(config, data, net, bits, hp, context.seed(), context.device(), schedule, drop, nextEpoch);
    }

    /**
     * The sensitivity table of this trainer's model and data (computed on first use, once per trainer, with
     * the default hyperparameters and {@code splitSeed} as seed), for the "sensitivity" schedule order.
     */
    public synchronized SensitivityTable sensitivity() throws Exception {
        if (sensitivity == null) sensitivity = SensitivityAnalysis.run(this, java.util.Map.of(), config.splitSeed());
        return sensitivity;
    }

    /** The layer noises of a network built by this trainer, in quantizable-layer order. */
    static List<QuantizedWeightNoise> noises(MultiLayerNetwork net) {
        return Dl4jTrainingRun.noisesOf(net);
    }
}
