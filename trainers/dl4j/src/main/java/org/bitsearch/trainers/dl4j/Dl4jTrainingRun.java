package org.bitsearch.trainers.dl4j;

import org.bitsearch.trainers.dl4j.model.Hyperparameters;
import org.bitsearch.trainers.io.AtomicFiles;
import org.bitsearch.trainers.dl4j.data.DataSplit;
import org.bitsearch.trainers.dl4j.export.ModelExport;
import org.bitsearch.trainers.dl4j.fast.FastStep;
import org.bitsearch.trainers.dl4j.model.NativeConvolution;
import org.bitsearch.trainers.dl4j.model.Net;
import org.bitsearch.trainers.dl4j.quant.QuantizedWeightNoise;
import org.bitsearch.trainers.dl4j.schedule.DropBitsConfig;
import org.bitsearch.trainers.dl4j.schedule.ProgressiveSchedule;
import org.bitsearch.search.space.BitAllocation;
import org.bitsearch.search.trainer.EpochCancelledException;
import org.bitsearch.search.trainer.TrainingRun;
import org.bitsearch.search.trial.EpochMetrics;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One trial's quantization-aware training with DL4J. Not thread-safe: one thread at a time (the trial actor's
 * blocking dispatcher), possibly a different one per call; every entry point binds the calling thread to the
 * run's device.
 *
 * <p>An epoch: the training indices are shuffled with a generator seeded by (seed, epoch); each minibatch is
 * gathered into two reused buffers ({@code pullRows}, no per-batch allocation); before each step every layer's
 * training bit-width is set from the progressive schedule and DropBits (drawn from a generator seeded by
 * (seed, iteration)). Then the validation split is evaluated through the network's inference path, which
 * quantizes every layer to its target bits ({@link QuantizedWeightNoise}): the reported accuracy is the
 * quantized model's, with no copy of the network.
 *
 * <p>Each minibatch is trained by {@link FastStep} (Java loops and OpenBLAS products on the network's own
 * parameters and updater state, equivalent to {@code fit}) when it covers every layer of the network, the backend is
 * the CPU one and the system property {@value #FAST_STEP_PROPERTY} is not {@code false}; otherwise by DL4J's
 * {@code fit}. The fast step loads the network's state when training starts and stores it back when training
 * stops (also on cancellation), so evaluation, checkpoints and export read DL4J's arrays as before.
 */
public final class Dl4jTrainingRun implements TrainingRun {
    private static final long EPOCH_STREAM = 0x9E3779B97F4A7C15L, STEP_STREAM = 0xD1B54A32D192ED03L;
    /** System property: {@code false} makes every run train with DL4J's {@code fit} (comparisons, diagnosis). */
    public static final String FAST_STEP_PROPERTY = "bitsearch.dl4j.fastStep";
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Dl4jTrainingRun.class);

    private final Dl4jTrainerConfig config;
    private final DataSplit data;
    private final Net net;
    private final List<QuantizedWeightNoise> noises;
    /** Per quantizable layer its activation quantizer, null where the output stays FP32. */
    private final List<org.bitsearch.trainers.dl4j.quant.QuantizedActivation> activations;
    private final BitAllocation bits;
    private final Hyperparameters hp;
    private final long seed;
    private final String device;
    private final ProgressiveSchedule schedule;
    private final DropBitsConfig dropBits;
    private int nextEpoch;
    private double lastTrainCpuSeconds;
    private INDArray xBuffer, yBuffer;
    /** The fast step, or null when minibatches go through {@code fit}. */
    private final FastStep fast;
    private final String fitReason;
    private volatile boolean cancelled;
    private String lastExportNote;
    private boolean closed;

    /** Result of evaluating a split. */
    record Evaluation(double accuracy, double loss) {}

    Dl4jTrainingRun(Dl4jTrainerConfig config, DataSplit data, MultiLayerNetwork net, BitAllocation bits,
                    Hyperparameters hp, long seed, String device, ProgressiveSchedule schedule,
                    DropBitsConfig dropBits, int nextEpoch) {
        this(config, data, Net.of(net), bits, hp, seed, device, schedule, dropBits, nextEpoch);
    }

    /** A run of a MultiLayerNetwork or a ComputationGraph ({@link Net}); both train on DL4J's {@code fit} path. */
    Dl4jTrainingRun(Dl4jTrainerConfig config, DataSplit data, Net net, BitAllocation bits,
                    Hyperparameters hp, long seed, String device, ProgressiveSchedule schedule,
                    DropBitsConfig dropBits, int nextEpoch) {
        this.config = config;
        this.data = data;
        this.net = net;
        NativeConvolution.install(net);
        this.noises = noisesOf(net.layers());
        this.activations = org.bitsearch.trainers.dl4j.quant.ActivationQuantization.of(net.layers());
        if (noises.size() != bits.layers())
            throw new IllegalArgumentException("bits has " + bits.layers() + " entries, but the network has " + noises.size() + " quantizable layers");
        this.bits = bits;
        this.hp = hp;
        this.seed = seed;
        this.device = device;
        this.schedule = schedule;
        this.dropBits = dropBits;
        this.nextEpoch = nextEpoch;
        for (int i = 0; i < noises.size(); i++) {
            noises.get(i).setTargetBits(bits.get(i));
            noises.get(i).setPerChannel(config.perChannel());
        }
        String reason;
        if (!Boolean.parseBoolean(System.getProperty(FAST_STEP_PROPERTY, "true"))) reason = FAST_STEP_PROPERTY + " is false";
        else if (!(net instanceof Net.Mln)) reason = "the network is a ComputationGraph (the fast step covers MultiLayerNetworks)";
        else reason = FastStep.unsupported(((Net.Mln) net).net()).orElse(null);
        this.fitReason = reason;
        this.fast = reason == null ? FastStep.of(((Net.Mln) net).net(), data.dataset().trainImages(), data.dataset().trainLabels(), hp.batchSize()) : null;
        if (reason != null) LOG.debug("training with DL4J's fit: {}", reason);
        NativeThreads.acquire(config.threads());
    }

    /** Why minibatches go through DL4J's {@code fit}, or null when the fast step trains them. */
    public String fitReason() { return fitReason; }

    /** The {@link QuantizedWeightNoise} of each quantizable layer of {@code net}, in order. */
    static List<QuantizedWeightNoise> noisesOf(MultiLayerNetwork net) {
        return noisesOf(net.getLayers());
    }

    /** The {@link QuantizedWeightNoise} of each quantizable layer among {@code layers}, in order. */
    static List<QuantizedWeightNoise> noisesOf(Layer[] layers) {
        List<QuantizedWeightNoise> out = new ArrayList<>();
        for (Layer l : layers)
            if (l.conf().getLayer() instanceof BaseLayer b && b.getWeightNoise() instanceof QuantizedWeightNoise q) out.add(q);
        return out;
    }

    @Override public int nextEpoch() { return nextEpoch; }

    @Override
    public void cancel() { cancelled = true; }

    /**
     * {@inheritDoc} Checks for {@link #cancel()} before every minibatch.
     *
     * @throws EpochCancelledException if cancelled before or during the epoch
     */
    @Override
    public EpochMetrics trainEpoch() throws EpochCancelledException {
        checkOpen();
        DeviceBinding.bind(device);
        NativeThreads.apply(config.threads());
        int epoch = nextEpoch;
        long start = System.nanoTime(), cpuStart = cpuNanos();
        int[] order = data.trainIndices();
        DataSplit.shuffle(order, new SplittableRandom(seed ^ (EPOCH_STREAM * epoch)));
        boolean[] quantized = schedule.quantizedIn(epoch);
        double lossSum = 0;
        long samples = 0;
        boolean diverged = false;
        if (fast != null) fast.load();
        try {
            for (int from = 0; from < order.length && !diverged; from += hp.batchSize()) {
                if (cancelled) throw new EpochCancelledException(epoch);
                int to = Math.min(order.length, from + hp.batchSize());
                double loss = step(Arrays.copyOfRange(order, from, to), quantized);
                if (!Double.isFinite(loss)) {
                    diverged = true;
                    lossSum = loss;
                } else {
                    lossSum += loss * (to - from);
                    samples += to - from;
                }
            }
        } finally {
            if (fast != null) fast.store();
        }
        double trainSeconds = (System.nanoTime() - start) / 1e9;
        lastTrainCpuSeconds = (cpuNanos() - cpuStart) / 1e9;
        Evaluation val = evaluate(data.validation());
        double seconds = (System.nanoTime() - start) / 1e9;
        nextEpoch = epoch + 1;
        net.setEpochCount(epoch);
        double trainLoss = diverged ? lossSum : lossSum / Math.max(1, samples);
        return new EpochMetrics(epoch, val.accuracy(), val.loss(), trainLoss, seconds,
                trainSeconds > 0 ? samples / trainSeconds : 0);
    }

    private static long cpuNanos() {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        return mx.isCurrentThreadCpuTimeSupported() ? mx.getCurrentThreadCpuTime() : System.nanoTime();
    }

    /**
     * CPU seconds the calling thread spent training in the last epoch (evaluation excluded). With one native
     * thread all the work runs on the calling thread, so samples per CPU-second compare builds and settings
     * on a machine shared with other work, where wall-clock throughput is noisy.
     */
    public double lastTrainCpuSeconds() { return lastTrainCpuSeconds; }

    /** Trains one minibatch of the given training-set rows; returns its loss (DL4J's score). */
    double step(int[] rows, boolean[] quantized) {
        setTrainBits(quantized, net.getIterationCount());
        if (fast != null) return fast.step(rows);
        INDArray x = buffer(rows.length, true), y = buffer(rows.length, false);
        Nd4j.pullRows(data.dataset().trainImages(), x, 1, rows);
        Nd4j.pullRows(data.trainOneHot(), y, 1, rows);
        net.fit(x, y);
        return net.score();
    }

    /**
     * Trains {@code batches} minibatches of the epoch {@link #nextEpoch()} would train, without finishing the
     * epoch (the sensitivity analysis fine-tunes with it).
     */
    void trainBatches(int batches) {
        checkOpen();
        DeviceBinding.bind(device);
        NativeThreads.apply(config.threads());
        int[] order = data.trainIndices();
        DataSplit.shuffle(order, new SplittableRandom(seed ^ (EPOCH_STREAM * nextEpoch)));
        boolean[] quantized = schedule.quantizedIn(nextEpoch);
        if (fast != null) fast.load();
        try {
            for (int b = 0, from = 0; b < batches && from < order.length; b++, from += hp.batchSize())
                step(Arrays.copyOfRange(order, from, Math.min(order.length, from + hp.batchSize())), quantized);
        } finally {
            if (fast != null) fast.store();
        }
    }

    /**
     * Sets each layer's training bits for the next step: 32 where the schedule has not reached the layer yet,
     * else the target, minus DropBits' drop (CPQ 2021) with probability p.
     */
    private void setTrainBits(boolean[] quantized, int iteration) {
        SplittableRandom rng = dropBits.enabled() ? new SplittableRandom(seed ^ (STEP_STREAM * (iteration + 1L))) : null;
        for (int i = 0; i < noises.size(); i++) {
            QuantizedWeightNoise n = noises.get(i);
            int target = n.getTargetBits();
            int train = quantized[i] ? target : 32;
            if (rng != null) {
                double u = rng.nextDouble();
                int d = 1 + rng.nextInt(dropBits.maxDrop());
                if (train != 32 && train > 1 && u < dropBits.probability()) train = Math.max(1, train - d);
            }
            n.setTrainBits(train);
            var a = activations.get(i);
            if (a != null) a.setTrainBits(quantized[i] ? a.getTargetBits() : 32);
        }
    }

    private INDArray buffer(int rows, boolean features) {
        INDArray b = features ? xBuffer : yBuffer;
        long cols = features ? data.dataset().features() : data.dataset().classes();
        if (b != null && b.rows() == rows) return b;
        INDArray fresh = Nd4j.createUninitialized(data.dataset().trainImages().dataType(), rows, cols);
        // keep the full-size buffer: only an epoch's last, shorter batch needs a fresh one
        if (b == null || rows == hp.batchSize()) {
            if (features) xBuffer = fresh; else yBuffer = fresh;
        }
        return fresh;
    }

    /** Accuracy and mean cross-entropy of the quantized model (target bits) on a split. */
    Evaluation evaluate(DataSplit.Evaluable split) {
        long correct = 0;
        double loss = 0;
        int offset = 0;
        int[] labels = split.labels();
        for (INDArray x : split.batches()) {
            float[][] p = net.output(x).toFloatMatrix();
            for (float[] row : p) {
                int label = labels[offset++], best = 0;
                for (int c = 1; c < row.length; c++) if (row[c] > row[best]) best = c;
                if (best == label) correct++;
                loss -= Math.log(Math.max(row[label], 1e-12));
            }
        }
        return new Evaluation((double) correct / labels.length, loss / labels.length);
    }

    /** Evaluates the validation split with the current target bits. */
    Evaluation evaluateValidation() {
        checkOpen();
        DeviceBinding.bind(device);
        NativeThreads.apply(config.threads());
        return evaluate(data.validation());
    }

    @Override
    public void saveCheckpoint(Path file) throws IOException {
        checkOpen();
        DeviceBinding.bind(device);
        NativeThreads.apply(config.threads());
        Checkpoints.save(file, net.model(), new Checkpoints.State(Checkpoints.FORMAT, nextEpoch, seed, bits.bits()));
    }

    @Override
    public double testAccuracy() {
        checkOpen();
        DeviceBinding.bind(device);
        NativeThreads.apply(config.threads());
        return evaluate(data.test()).accuracy();
    }

    /**
     * A deep copy of the network: configuration (with its own noises: {@code MultiLayerNetwork.clone()} shares
     * the weight-noise instances with the original) and parameters; the updater state starts fresh.
     */
    static MultiLayerNetwork deepCopy(MultiLayerNetwork net) {
        MultiLayerConfiguration conf = MultiLayerConfiguration.fromJson(net.getLayerWiseConfigurations().toJson());
        MultiLayerNetwork copy = new MultiLayerNetwork(conf);
        copy.init(net.params().dup(), false);
        NativeConvolution.install(copy);
        return copy;
    }

    /** The network with quantized weights and no weight noise: what {@link #exportModel} writes. */
    MultiLayerNetwork quantizedCopy() {
        MultiLayerNetwork copy = deepCopy(network());
        for (Layer l : copy.getLayers()) {
            if (!(l.conf().getLayer() instanceof BaseLayer b && b.getWeightNoise() instanceof QuantizedWeightNoise n)) continue;
            INDArray w = l.getParam(QuantizedWeightNoise.WEIGHT_KEY);
            w.assign(QuantizedWeightNoise.quantize(w, n.getTargetBits(), n.isPerChannel()));
            n.setTargetBits(32);
            n.setTrainBits(32);
        }
        return copy;
    }

    /**
     * {@inheritDoc} Writes a plain DL4J model zip (no bitsearch class in its configuration, quantized weights) that
     * also holds the bit-widths and the packed low-bit form as entries ({@link ModelExport}).
     */
    @Override
    public void exportModel(Path file) throws IOException {
        checkOpen();
        DeviceBinding.bind(device);
        NativeThreads.apply(config.threads());
        lastExportNote = net instanceof Net.Mln m ? ModelExport.write(file, m.net(), data.dataset().shape())
                : ModelExport.write(file, ((Net.Graph) net).graph());
    }

    /** Why the last export has no packed form (a layer the packed format does not support), or null. */
    public String lastExportNote() { return lastExportNote; }

    /** The network being trained, when it is a MultiLayerNetwork (tests, sensitivity analysis). */
    MultiLayerNetwork network() {
        if (net instanceof Net.Mln m) return m.net();
        throw new IllegalStateException("the run trains a ComputationGraph, not a MultiLayerNetwork");
    }

    /** The network being trained, either kind. */
    Net net() { return net; }

    List<QuantizedWeightNoise> noises() { return noises; }

    /** Per quantizable layer its activation quantizer, null where the layer's output stays FP32. */
    List<org.bitsearch.trainers.dl4j.quant.QuantizedActivation> activations() { return activations; }

    private void checkOpen() {
        if (closed) throw new IllegalStateException("the run is closed");
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        xBuffer = null;
        yBuffer = null;
        if (fast != null) fast.close();
        NativeThreads.release();
    }
}
