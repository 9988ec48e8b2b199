package org.bitsearch.trainers.dl4j;

import org.bitsearch.trainers.dl4j.quant.ActivationQuantization;
import org.bitsearch.trainers.dl4j.quant.QuantizedActivation;
import org.bitsearch.trainers.dl4j.model.Hyperparameters;
import org.bitsearch.trainers.io.AtomicFiles;
import org.bitsearch.trainers.dl4j.data.DataSplit;
import org.bitsearch.trainers.dl4j.export.ModelExport;
import org.bitsearch.trainers.dl4j.fast.FastStep;
import org.bitsearch.trainers.dl4j.model.NativeConvolution;
import org.bitsearch.trainers.dl4j.model.Net;
import org.bitsearch.trainers.dl4j.quant.BitatTransform;
import org.bitsearch.trainers.dl4j.quant.QuantizedWeightNoise;
import org.bitsearch.trainers.dl4j.quant.BitDropGates;
import org.bitsearch.trainers.dl4j.quant.CpqGradientListener;
import org.bitsearch.trainers.dl4j.quant.CpqTraining;
import org.bitsearch.trainers.dl4j.schedule.CpqConfig;
import org.bitsearch.trainers.dl4j.schedule.DropBitsConfig;
import org.bitsearch.trainers.dl4j.schedule.ProgressiveSchedule;
import org.bitsearch.search.space.BitAllocation;
import org.bitsearch.search.trainer.EpochCancelledException;
import org.bitsearch.search.trainer.TrainingRun;
import org.bitsearch.search.trial.EpochMetrics;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * One trial's quantization-aware training with DL4J. Not thread-safe: one thread at a time (the trial actor's
 * blocking dispatcher), possibly a different one per call; every entry point binds the calling thread to the
 * run's device.
 *
 * <p>An epoch: the training indices are shuffled with a generator seeded by (seed, epoch); each minibatch is
 * gathered into two reused buffers ({@code pullRows}, no per-batch allocation); before each step every layer's
 * training bit-width is set from the progressive schedule and DropBits (drawn from a generator seeded by
 * (seed, iteration)), and each layer's activation training bits ({@link QuantizedActivation}, from the candidate's
 * {@code activationBits}) from the schedule alone: 32 until it reaches the layer, then the target. Then the validation split is evaluated through the network's inference path, which
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
    private static final long EPOCH_STREAM = 0x9E3779B97F4A7C15L, STEP_STREAM = 0xD1B54A32D192ED03L,
            GATE_STREAM = 0x2545F4914F6CDD1DL;
    /** System property: {@code false} makes every run train with DL4J's {@code fit} (comparisons, diagnosis). */
    public static final String FAST_STEP_PROPERTY = "bitsearch.dl4j.fastStep";
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Dl4jTrainingRun.class);

    private final Dl4jTrainerConfig config;
    private final DataSplit data;
    private final Net net;
    private final List<QuantizedWeightNoise> noises;
    /** Per quantizable layer its activation quantizer, null where the output stays FP32. */
    private final List<QuantizedActivation> activations;
    private final BitAllocation bits;
    private final Hyperparameters hp;
    private final long seed;
    private final String device;
    private final ProgressiveSchedule schedule;
    private final DropBitsConfig dropBits;
    /** {@code trainer.cpq} when this run trains with the CPQ quantizer, else null. */
    private final CpqConfig cpq;
    private int nextEpoch;
    private double lastTrainCpuSeconds;
    private INDArray xBuffer, yBuffer;
    /** The fast step, or null when minibatches go through {@code fit}. */
    private final FastStep fast;
    private final String fitReason;
    /** BiTAT: each quantizable layer's frozen transform (null until the schedule reaches it, and without BiTAT). */
    private final BitatTransform[] frozen;
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
        this(config, data, net, bits, hp, seed, device, schedule, dropBits, nextEpoch, null);
    }

    /**
     * A run; with {@code cpq} non-null its layers of 2..8 bits train with the CPQ quantizer (Lee et al. 2021):
     * {@link CpqTraining} forwards, {@link CpqGradientListener}'s multi-class STE backward, DropBits' gates drawn
     * before each step, on DL4J's {@code fit} path.
     */
    Dl4jTrainingRun(Dl4jTrainerConfig config, DataSplit data, Net net, BitAllocation bits,
                    Hyperparameters hp, long seed, String device, ProgressiveSchedule schedule,
                    DropBitsConfig dropBits, int nextEpoch, CpqConfig cpq) {
        this.config = config;
        this.cpq = cpq;
        this.data = data;
        this.net = net;
        NativeConvolution.install(net);
        this.noises = noisesOf(net.layers());
        this.activations = net instanceof Net.Graph g ? ActivationQuantization.of(g.graph()) : ActivationQuantization.of(net.layers());
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
            noises.get(i).setGridBits(0);
        }
        if (cpq != null) installCpq(net, cpq, bits, seed);
        String reason;
        if (!Boolean.parseBoolean(System.getProperty(FAST_STEP_PROPERTY, "true"))) reason = FAST_STEP_PROPERTY + " is false";
        else if (cpq != null) reason = "trainer.quantizer is cpq (the fast step has no multi-class STE backward)";
        else if (config.transform().bitat()) reason = "trainer.transform is bitat (BiTAT's transformed quantization runs on DL4J's fit path)";
        else if (!(net instanceof Net.Mln)) reason = "the network is a ComputationGraph (the fast step covers MultiLayerNetworks)";
        else reason = FastStep.unsupported(((Net.Mln) net).net()).orElse(null);
        this.fitReason = reason;
        this.fast = reason == null ? FastStep.of(((Net.Mln) net).net(), data.dataset().trainImages(), data.dataset().trainLabels(), hp.batchSize()) : null;
        if (reason != null && cpq != null) LOG.info("training with DL4J's fit: {}", reason);
        else if (reason != null) LOG.debug("training with DL4J's fit: {}", reason);
        NativeThreads.apply(config.threads());
        this.frozen = new BitatTransform[noises.size()];
        if (config.transform().bitat()) refreshTransforms(null);
    }

    /** The checkpoint entry holding the frozen BiTAT transforms (noise index → {basis, importance}). */
    static final String BITAT_ENTRY = "bitsearch-bitat-transforms";

    /**
     * BiTAT (arXiv:2207.01394), bottom-up: installs every dense layer's {@link BitatTransform}. A layer's transform
     * is computed from its inputs on the calibration batch (the first {@code transform.samples} training rows of
     * the split), which pass through the layers below with their transforms and target bits, so that each layer's
     * basis reflects the quantized layers under it. It is frozen (kept, and saved with checkpoints) from the
     * first epoch in which the schedule quantizes the layer, {@code freeze[k]}; a layer not reached yet gets a
     * provisional transform from the current weights, used only to evaluate the target model. Called when the run
     * opens, at the start of every epoch (freezing the layers the epoch quantizes) and before each evaluation: a
     * function of the weights, the data and the frozen transforms, so a resumed run goes on exactly. Convolution
     * layers keep plain quantization.
     */
    void refreshTransforms(boolean[] freeze) {
        MultiLayerNetwork mln = network();
        int[] rows = data.trainIndices();
        int n = Math.min(rows.length, config.transform().samples());
        INDArray x = null;
        Layer[] layers = mln.getLayers();
        for (int li = 0, k = -1; li < layers.length; li++) {
            if (!(layers[li].conf().getLayer() instanceof BaseLayer bl) || !(bl.getWeightNoise() instanceof QuantizedWeightNoise q)) continue;
            k++;
            if (!(bl instanceof FeedForwardLayer ff) || ff instanceof ConvolutionLayer) continue;
            if (frozen[k] != null) {
                q.useTransform(frozen[k]);
                continue;
            }
            if (x == null) {
                x = Nd4j.createUninitialized(data.dataset().trainImages().dataType(), n, data.dataset().features());
                Nd4j.pullRows(data.dataset().trainImages(), x, 1, Arrays.copyOf(rows, n));
            }
            INDArray in = li == 0 ? x : mln.feedForwardToLayer(li - 1, x, false).get(li);
            if (in.rank() != 2) in = in.reshape('c', in.size(0), ff.getNIn());
            BitatTransform t = BitatTransform.fromInputs(in);
            q.useTransform(t);
            if (freeze != null && freeze[k]) frozen[k] = t;
        }
    }

    /** Loads the frozen transforms saved with {@code checkpoint} and installs every layer's transform. */
    @SuppressWarnings("unchecked")
    void restoreTransforms(Path checkpoint) throws IOException {
        HashMap<Integer, float[][]> saved = Checkpoints.extra(checkpoint, BITAT_ENTRY);
        if (saved == null) throw new IOException("checkpoint " + checkpoint + " has no BiTAT transforms, but trainer.transform is bitat");
        Arrays.fill(frozen, null);
        for (var e : saved.entrySet()) {
            int d = e.getValue()[1].length;
            frozen[e.getKey()] = BitatTransform.of(Nd4j.create(e.getValue()[0], new long[]{d, d}, 'c'), e.getValue()[1]);
        }
        refreshTransforms(null);
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
        if (config.transform().bitat()) refreshTransforms(quantized);
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
        applyLearnedBits();
        // layers not reached yet: provisional transforms from the trained weights, for the target model's evaluation
        if (config.transform().bitat()) refreshTransforms(null);
        Evaluation val = evaluate(data.validation());
        double current = currentAccuracy(quantized, val.accuracy());
        double seconds = (System.nanoTime() - start) / 1e9;
        nextEpoch = epoch + 1;
        net.setEpochCount(epoch);
        double trainLoss = diverged ? lossSum : lossSum / Math.max(1, samples);
        return new EpochMetrics(epoch, val.accuracy(), val.loss(), trainLoss, seconds,
                trainSeconds > 0 ? samples / trainSeconds : 0, current, learnsBits() ? targetBits() : List.of());
    }

    /** The bits each layer is evaluated and exported with: the candidate's, or the learned ones under cpq.learnBits. */
    public List<Integer> targetBits() {
        List<Integer> out = new ArrayList<>(noises.size());
        for (QuantizedWeightNoise n : noises) out.add(n.getTargetBits());
        return out;
    }

    /** True when this run learns its bit-widths (cpq.learnBits): its reports carry them. */
    public boolean learnsBits() { return cpq != null && cpq.learnBits(); }

    /** Under cpq.learnBits: sets every CPQ layer's target bits to its gates' mode, the learned bit-width. */
    private void applyLearnedBits() {
        for (QuantizedWeightNoise n : noises) {
            CpqTraining t = n.cpqTraining();
            if (t != null && t.learnBits()) n.setTargetBits(t.gates().mode());
        }
    }

    /**
     * Hooks the CPQ training into the network: each layer of 2..8 bits gets grid width B = its candidate bits, its
     * DropBits gates (restored from the noise when a checkpoint carried them), a {@link CpqTraining} and a place in
     * the {@link CpqGradientListener}. Layers of 1 or 32 bits keep the uniform quantizer.
     */
    private void installCpq(Net net, CpqConfig cpq, BitAllocation bits, long seed) {
        long total = 0;
        Layer[] layers = net.layers();
        List<Layer> quantLayers = new ArrayList<>();
        for (Layer l : layers)
            if (l.conf().getLayer() instanceof BaseLayer b && b.getWeightNoise() instanceof QuantizedWeightNoise) quantLayers.add(l);
        for (int i = 0; i < noises.size(); i++)
            if (bits.get(i) >= 2 && bits.get(i) <= 8) total += quantLayers.get(i).getParam(QuantizedWeightNoise.WEIGHT_KEY).length();
        List<CpqGradientListener.Hooked> hooked = new ArrayList<>();
        for (int i = 0; i < noises.size(); i++) {
            QuantizedWeightNoise n = noises.get(i);
            int b = bits.get(i);
            if (b < 2 || b > 8) continue;
            n.setGridBits(b);
            BitDropGates gates = null;
            if (cpq.dropProbability() > 0) {
                int min = Math.min(cpq.minBits(), b);
                double[] saved = n.getCpqState();
                gates = saved != null && saved.length == 3 * (b - min) + 1
                        ? new BitDropGates(b, min, saved) : new BitDropGates(b, min, 1 - cpq.dropProbability());
                n.setCpqState(gates.state());
            }
            Layer l = quantLayers.get(i);
            double share = cpq.lambda() * l.getParam(QuantizedWeightNoise.WEIGHT_KEY).length() / (double) total;
            n.cpqTraining(new CpqTraining(cpq.noise(), cpq.sampled(), seed, i, gates, cpq.learnBits(), share, cpq.gateLearningRate()));
            if (cpq.learnBits()) n.setTargetBits(gates.mode());
            String key = (net instanceof Net.Mln ? String.valueOf(l.getIndex()) : l.conf().getLayer().getLayerName())
                    + "_" + QuantizedWeightNoise.WEIGHT_KEY;
            hooked.add(new CpqGradientListener.Hooked(key, n));
        }
        net.model().addListeners(new CpqGradientListener(hooked));
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
        SplittableRandom gates = cpq != null ? new SplittableRandom(seed ^ (GATE_STREAM * (iteration + 1L))) : null;
        for (int i = 0; i < noises.size(); i++) {
            QuantizedWeightNoise n = noises.get(i);
            if (n.cpqTraining() != null) {
                // DropBits on the CPQ grid: the gates pick this step's nested grid G_b (b <= B)
                int b = n.cpqTraining().drawBits(n.getGridBits(), gates);
                n.setTrainBits(quantized[i] ? b : 32);
                continue;
            }
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

    /**
     * The validation accuracy of the current model: the layers {@code quantized} in the epoch just trained at their
     * target bits, the others (a progressive schedule has not reached them yet) in full precision. When every layer
     * is quantized it is {@code targetAccuracy}, with no second evaluation. The target bits are restored.
     */
    double currentAccuracy(boolean[] quantized, double targetAccuracy) {
        boolean all = true;
        for (boolean q : quantized) all &= q;
        if (all) return targetAccuracy;
        int[] saved = new int[noises.size()];
        for (int i = 0; i < noises.size(); i++) saved[i] = noises.get(i).getTargetBits();
        try {
            for (int i = 0; i < noises.size(); i++) if (!quantized[i]) noises.get(i).setTargetBits(32);
            double acc = evaluate(data.validation()).accuracy();
            return Double.isFinite(acc) ? acc : Double.NaN;
        } finally {
            for (int i = 0; i < noises.size(); i++) noises.get(i).setTargetBits(saved[i]);
        }
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
        Map<String, Serializable> extras = new HashMap<>();
        if (config.transform().bitat()) {
            HashMap<Integer, float[][]> saved = new HashMap<>();
            for (int k = 0; k < frozen.length; k++)
                if (frozen[k] != null) saved.put(k, new float[][]{frozen[k].basis().dup('c').data().asFloat(), frozen[k].importance()});
            extras.put(BITAT_ENTRY, saved);
        }
        Checkpoints.save(file, net.model(), new Checkpoints.State(Checkpoints.FORMAT, nextEpoch, seed, bits.bits()), extras);
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
            w.assign(n.quantizeForInference(w));
            n.setTargetBits(32);
            n.setTrainBits(32);
        }
        return copy;
    }

    /**
     * {@inheritDoc} Writes a plain DL4J model zip (no bitsearch class in its configuration, quantized weights) that
     * also holds the bit-widths and the packed low-bit form as entries ({@link ModelExport}). With BiTAT's transform
     * the zip's dense weights are U·Q(Uᵀ W) (what the layer computes with) and the packed form holds each transformed
     * layer as its full-precision rotation followed by its low-bit levels (larger than the reported model size, which
     * does not count the rotation).
     */
    @Override
    public void exportModel(Path file) throws IOException {
        checkOpen();
        DeviceBinding.bind(device);
        NativeThreads.apply(config.threads());
        lastExportNote = net instanceof Net.Mln m ? ModelExport.write(file, m.net(), data.dataset().shape())
                : ModelExport.write(file, ((Net.Graph) net).graph(), data.dataset().shape());
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
    List<QuantizedActivation> activations() { return activations; }

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
    }
}
