package org.bitsearch.trainers.dl4j.model;

import org.bitsearch.search.space.QuantLayer;
import org.bitsearch.trainers.dl4j.model.Hyperparameters;
import org.bitsearch.trainers.dl4j.data.InputShape;
import org.bitsearch.trainers.dl4j.quant.QuantizedWeightNoise;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A user's own DL4J network ({@code trainer.modelFile}): a {@code MultiLayerNetwork} or a {@code ComputationGraph}
 * ({@link UserGraph}: one input, one output; slots named by their vertex names) saved with {@code ModelSerializer} (a
 * zip; its trained parameters are where every trial starts: fine-tuning) or its configuration JSON
 * ({@code toJson()}; initialised from each trial's seed).
 *
 * <p>Quantizable slots: every layer whose weights DL4J reads through the weight-noise hook
 * ({@code BaseLayer.getParamWithNoise}, checked in DL4J 1.0.0-M2.1's bytecode and by {@code UserModelTest}):
 * {@code DenseLayer}, {@code OutputLayer}, 2-D {@code ConvolutionLayer}, {@code DepthwiseConvolution2D},
 * {@code SeparableConvolution2D} (W and pW) and {@code LSTM} (W and RW). A slot is named by the layer's name
 * (or {@code layer<i>}). Other layers with parameters stay FP32 and are listed in {@link #unreachable()} with the
 * reason (e.g. {@code EmbeddingLayer} and {@code Convolution1DLayer} read W with {@code getParam}, bypassing
 * the hook). Each trial's copy gets a {@link QuantizedWeightNoise} per slot, the search's updater (learning rate,
 * optimizer, weight decay) on every layer, and the trial's seed.
 *
 * @param source      the file it was read from
 * @param json        the configuration as loaded (no bitsearch class)
 * @param params      the trained parameters, or null for a configuration-only file
 * @param slots       the quantizable layers, as the search sees them
 * @param slotIndex   the DL4J layer index of each slot (for a graph: its index in the configuration's topological order)
 * @param unreachable "name (Type): reason" of each layer with parameters that stays FP32
 * @param channels    per slot its output channels (the per-channel scale count)
 * @param graph       whether {@code json} is a ComputationGraph configuration
 */
public record UserModel(Path source, String json, INDArray params, List<QuantLayer> slots, List<Integer> slotIndex,
                        List<String> unreachable, List<Long> channels, boolean graph) {
    public UserModel {
        channels = List.copyOf(channels);
        slots = List.copyOf(slots);
        slotIndex = List.copyOf(slotIndex);
        unreachable = List.copyOf(unreachable);
    }

    /**
     * Reads {@code file} and checks it against the data's {@code shape}.
     *
     * @throws IOException naming the file if it cannot be read, has no quantizable layer,
     *                     or does not fit the data (input size, channels, classes)
     */
    public static UserModel load(Path file, InputShape shape) throws IOException {
        if (!Files.isRegularFile(file)) throw new IOException("modelFile " + file + " not found");
        MultiLayerConfiguration conf;
        INDArray params = null;
        try {
            if (isZip(file)) {
                String entryJson = zipEntry(file, "configuration.json");
                if (entryJson != null && entryJson.contains("\"vertices\"")) return UserGraph.load(file, shape);
                MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(file.toFile(), false);
                conf = net.getLayerWiseConfigurations();
                params = net.params().castTo(DataType.FLOAT).dup();
            } else {
                String text = Files.readString(file, StandardCharsets.UTF_8);
                if (text.contains("\"vertices\"")) return UserGraph.load(file, shape);
                conf = MultiLayerConfiguration.fromJson(text);
            }
        } catch (IOException e) {
            throw e.getMessage() != null && e.getMessage().startsWith("modelFile") ? e
                    : new IOException("modelFile " + file + " cannot be read as a DL4J model: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new IOException("modelFile " + file + " cannot be read as a DL4J MultiLayerNetwork (zip from ModelSerializer or configuration JSON): " + e.getMessage(), e);
        }
        MultiLayerNetwork probe = new MultiLayerNetwork(MultiLayerConfiguration.fromJson(conf.toJson()));
        probe.init(params == null ? null : params.dup(), false);
        Slots found = new Slots(file);
        for (int i = 0; i < conf.getConfs().size(); i++) {
            org.deeplearning4j.nn.conf.layers.Layer l = conf.getConf(i).getLayer();
            found.add(l, l.getLayerName() == null ? "layer" + i : l.getLayerName(), probe.getLayer(i).paramTable(), i);
        }
        found.checkNotEmpty();
        if (conf.getDataType() != DataType.FLOAT)
            throw new IOException("modelFile " + file + " has data type " + conf.getDataType() + ", but bitsearch trains FLOAT networks");
        check(file, conf, shape);
        return new UserModel(file, conf.toJson(), params, found.slots, found.index, found.unreachable, found.channels, false);
    }

    /** Collects the slots and the unreachable layers of a network, layer by layer in order. */
    static final class Slots {
        private final Path file;
        final List<QuantLayer> slots = new ArrayList<>();
        final List<Integer> index = new ArrayList<>();
        final List<String> unreachable = new ArrayList<>();
        final List<Long> channels = new ArrayList<>();
        /** FP32 parameters of unreachable layers met before the first slot, waiting for it. */
        private long pendingFp32;

        Slots(Path file) { this.file = file; }

        /** Adds layer {@code l} (its parameters {@code table}) as a slot or an unreachable layer; no-parameter layers are skipped. */
        void add(org.deeplearning4j.nn.conf.layers.Layer l, String name, Map<String, INDArray> table, int i) throws IOException {
            if (table.isEmpty()) return;
            String reason = reason(l);
            if (reason != null) {
                unreachable.add(name + " (" + l.getClass().getSimpleName() + "): " + reason);
                keptFp32(fp32Parameters(l, table));
                return;
            }
            if (l instanceof BaseLayer b && b.getWeightNoise() != null && !(b.getWeightNoise() instanceof QuantizedWeightNoise))
                throw new IOException("modelFile " + file + ": layer " + name + " has its own weight noise (" + b.getWeightNoise()
                        + "); bitsearch quantizes through that hook: remove it");
            long weights = 0, biases = 0, ch = 0;
            for (Map.Entry<String, INDArray> p : table.entrySet())
                if (QuantizedWeightNoise.WEIGHT_KEYS.contains(p.getKey())) {
                    weights += p.getValue().length();
                    // QuantizedWeightNoise's per-channel blocks: the columns of a matrix, the first dimension of a 4-D kernel
                    ch += p.getValue().rank() == 2 ? p.getValue().size(1) : p.getValue().size(0);
                } else biases += p.getValue().length();
            channels.add(Math.max(1, Math.min(ch, weights)));
            slots.add(new QuantLayer(slots.size(), name, weights, biases + pendingFp32));
            pendingFp32 = 0;
            index.add(i);
        }

        /**
         * Counts {@code n} parameters a layer keeps in FP32 in the model size: they join the biases (stored at 32 bits)
         * of the slot before it, or of the first slot when no slot precedes it. The size is a sum, so which slot carries
         * them changes nothing but the per-slot figures.
         */
        private void keptFp32(long n) {
            if (n == 0) return;
            if (slots.isEmpty()) {
                pendingFp32 += n;
                return;
            }
            QuantLayer last = slots.get(slots.size() - 1);
            slots.set(slots.size() - 1, new QuantLayer(last.index(), last.name(), last.weights(), last.biases() + n, last.scales()));
        }

        void checkNotEmpty() throws IOException {
            if (slots.isEmpty()) throw new IOException("modelFile " + file + " has no layer bitsearch can quantize (unreachable: " + unreachable + ")");
        }
    }

    /**
     * The FP32 values an unreachable layer {@code l} adds to a deployed model: a batch normalisation folds into one
     * scale and one shift per channel (2·nOut, exactly what the packed format's BATCH_NORM layer stores, as for
     * VGG-Small's slots); any other layer keeps all its parameters.
     */
    static long fp32Parameters(org.deeplearning4j.nn.conf.layers.Layer l, Map<String, INDArray> table) {
        if (l instanceof BatchNormalization) {
            INDArray perChannel = table.containsKey("gamma") ? table.get("gamma") : table.get("mean");
            if (perChannel != null) return 2 * perChannel.length();
        }
        long n = 0;
        for (INDArray a : table.values()) n += a.length();
        return n;
    }

    /** Why DL4J's weight-noise hook cannot reach layer {@code l}, or null if it can. */
    public static String reason(org.deeplearning4j.nn.conf.layers.Layer l) {
        Class<?> c = l.getClass();
        if (c == DenseLayer.class || c == OutputLayer.class || c == ConvolutionLayer.class || c == DepthwiseConvolution2D.class
                || c == SeparableConvolution2D.class || c == LSTM.class) return null;
        if (l instanceof BatchNormalization) return "normalisation parameters, not weights: kept FP32";
        if (c.getSimpleName().equals("EmbeddingLayer") || c.getSimpleName().equals("EmbeddingSequenceLayer"))
            return "DL4J 1.0.0-M2.1's embedding layers read W with getParam, bypassing the weight-noise hook";
        if (c.getSimpleName().equals("Convolution1DLayer") || c.getSimpleName().equals("Convolution1D"))
            return "DL4J 1.0.0-M2.1's Convolution1DLayer reads W with getParam, bypassing the weight-noise hook";
        return "not a layer type DL4J's weight-noise hook is known to reach (dense, output, convolution 2-D, depthwise, separable, LSTM)";
    }

    /** The first layer takes the data's features (adding the flat-to-image preprocessor a convolution needs); the last outputs the classes. */
    private static void check(Path file, MultiLayerConfiguration conf, InputShape shape) throws IOException {
        org.deeplearning4j.nn.conf.layers.Layer first = conf.getConf(0).getLayer();
        if (first instanceof ConvolutionLayer cv) {
            if (cv.getNIn() != shape.channels())
                throw new IOException("modelFile " + file + ": first layer takes " + cv.getNIn() + " channels, but the data has " + shape.channels());
            if (conf.getInputPreProcess(0) == null)
                conf.getInputPreProcessors().put(0, new FeedForwardToCnnPreProcessor(shape.rows(), shape.cols(), shape.channels()));
        } else if (first instanceof FeedForwardLayer ff && !(first instanceof LSTM) && ff.getNIn() != shape.features()) {
            throw new IOException("modelFile " + file + ": first layer takes " + ff.getNIn() + " inputs, but the data's samples have "
                    + shape.features() + " (" + shape + ")");
        }
        org.deeplearning4j.nn.conf.layers.Layer last = conf.getConf(conf.getConfs().size() - 1).getLayer();
        if (!(last instanceof FeedForwardLayer out) || out.getNOut() != shape.classes())
            throw new IOException("modelFile " + file + ": the last layer must output the data's " + shape.classes() + " classes"
                    + (last instanceof FeedForwardLayer o ? ", but outputs " + o.getNOut() : ""));
    }

    /** The slots with one scale per output channel of each weight parameter (for {@code perChannel}). */
    public List<QuantLayer> perChannelSlots() {
        List<QuantLayer> out = new ArrayList<>();
        for (int i = 0; i < slots.size(); i++) out.add(slots.get(i).perChannel(channels.get(i)));
        return out;
    }

    /** Whether trials start from trained parameters. */
    public boolean trained() { return params != null; }

    /**
     * A trial's network: the configuration with a {@link QuantizedWeightNoise} of {@code bits.get(i)} on slot i,
     * the trial's updater and seed, initialised from the file's parameters (copied) or from the seed.
     */
    public MultiLayerNetwork build(List<Integer> bits, boolean perChannel, Hyperparameters hp, long seed) {
        return build(bits, null, perChannel, hp, seed);
    }

    /**
     * {@link #build(List, boolean, Hyperparameters, long)} with activation quantization: entry i of {@code activationBits}
     * (null: none) quantizes slot i's output at its site ({@code ActivationQuantization.sites}: the slot's own activation,
     * or an {@code ActivationLayer} after it before the next slot); the last entry must be 32.
     */
    public MultiLayerNetwork build(List<Integer> bits, List<Integer> activationBits, boolean perChannel, Hyperparameters hp, long seed) {
        checkBits(bits);
        if (graph) throw new IllegalStateException("modelFile " + source + " holds a ComputationGraph: use buildNet");
        MultiLayerConfiguration conf = MultiLayerConfiguration.fromJson(json);
        for (int i = 0; i < conf.getConfs().size(); i++) {
            NeuralNetConfiguration c = conf.getConf(i);
            c.setSeed(InitSeed.of(seed));
            if (c.getLayer() instanceof BaseLayer b) {
                b.setIUpdater(hp.updater());
                if (hp.weightDecay() > 0) b.setRegularization(List.of(new org.nd4j.linalg.learning.regularization.WeightDecay(hp.weightDecay(), true)));
            }
        }
        for (int s = 0; s < slots.size(); s++)
            ((BaseLayer) conf.getConf(slotIndex.get(s)).getLayer()).setWeightNoise(new QuantizedWeightNoise(bits.get(s), perChannel));
        if (activationBits != null) org.bitsearch.trainers.dl4j.quant.ActivationQuantization.install(conf, activationBits);
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init(params == null ? null : params.dup(), false);
        return net;
    }

    /**
     * A trial's network of either kind ({@link #build} for a MultiLayerNetwork, {@link UserGraph#build} for a
     * ComputationGraph), with the same settings.
     */
    public Net buildNet(List<Integer> bits, boolean perChannel, Hyperparameters hp, long seed) {
        return buildNet(bits, null, perChannel, hp, seed);
    }

    /**
     * As {@link #buildNet(List, boolean, Hyperparameters, long)} with activation bits (null: none): for a
     * MultiLayerNetwork at the sites of {@code ActivationQuantization.sites(List)}, for a ComputationGraph at those of
     * {@code ActivationQuantization.sites(ComputationGraphConfiguration, List)}.
     *
     * @throws IllegalArgumentException naming {@code activationBits} when an entry breaks a rule (count, last entry 32,
     *                                  a site that cannot be quantized)
     */
    public Net buildNet(List<Integer> bits, List<Integer> activationBits, boolean perChannel, Hyperparameters hp, long seed) {
        checkBits(bits);
        return graph ? Net.of(UserGraph.build(this, bits, activationBits, perChannel, hp, seed)) : Net.of(build(bits, activationBits, perChannel, hp, seed));
    }

    private void checkBits(List<Integer> bits) {
        if (bits.size() != slots.size())
            throw new IllegalArgumentException("bits has " + bits.size() + " entries, but the model " + source.getFileName() + " has "
                    + slots.size() + " quantizable layers");
    }

    static boolean isZip(Path file) throws IOException {
        try (var in = Files.newInputStream(file)) {
            byte[] h = in.readNBytes(2);
            return h.length == 2 && h[0] == 'P' && h[1] == 'K';
        }
    }

    static String zipEntry(Path file, String name) throws IOException {
        try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(file.toFile())) {
            var e = z.getEntry(name);
            if (e == null) return null;
            try (var in = z.getInputStream(e)) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        }
    }
}
