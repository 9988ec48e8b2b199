package org.bitsearch.trainers.dl4j.model;

import org.bitsearch.search.space.QuantLayer;
import org.bitsearch.trainers.dl4j.data.InputShape;
import org.bitsearch.trainers.dl4j.quant.ActivationQuantization;
import org.bitsearch.trainers.dl4j.quant.QuantizedWeightNoise;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.regularization.WeightDecay;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A user's {@code ComputationGraph} ({@code trainer.modelFile}, a {@code ModelSerializer} zip or the
 * {@code ComputationGraphConfiguration} JSON), as a {@link UserModel} with {@code graph} true: one input and one output;
 * every layer vertex the weight-noise hook reaches ({@link UserModel#reason}) is a quantizable slot named by its vertex
 * name, in the graph's topological order (DL4J's {@code ComputationGraph.getLayers()}); the others with parameters
 * (batch normalisation, ...) stay FP32 and are listed with the reason. A trained zip's parameters are where every trial
 * starts (fine-tuning); a configuration is initialised from the trial's seed.
 *
 * <p>Input: samples arrive flat ([n, channels·rows·cols]); a convolution vertex fed by the network input without a
 * preprocessor gets DL4J's flat-to-image preprocessor, and a first dense layer must take the samples' feature count.
 * The output vertex must output the data's classes.
 */
public final class UserGraph {
    private UserGraph() {}

    /**
     * Reads a graph file and checks it against {@code shape}.
     *
     * @throws IOException naming the file and the problem
     */
    static UserModel load(Path file, InputShape shape) throws IOException {
        ComputationGraphConfiguration conf;
        INDArray params = null;
        try {
            if (UserModel.isZip(file)) {
                ComputationGraph g = ModelSerializer.restoreComputationGraph(file.toFile(), false);
                conf = g.getConfiguration();
                params = g.params().castTo(DataType.FLOAT).dup();
            } else {
                conf = ComputationGraphConfiguration.fromJson(Files.readString(file, StandardCharsets.UTF_8));
            }
        } catch (IOException | RuntimeException e) {
            throw new IOException("modelFile " + file + " cannot be read as a DL4J ComputationGraph (zip from ModelSerializer or configuration JSON): "
                    + e.getMessage(), e);
        }
        if (conf.getNetworkInputs().size() != 1 || conf.getNetworkOutputs().size() != 1)
            throw new IOException("modelFile " + file + ": the graph has " + conf.getNetworkInputs().size() + " inputs and "
                    + conf.getNetworkOutputs().size() + " outputs, but bitsearch trains graphs of one input and one output");
        if (conf.getDataType() != DataType.FLOAT)
            throw new IOException("modelFile " + file + " has data type " + conf.getDataType() + ", but bitsearch trains FLOAT networks");
        check(file, conf, shape);
        ComputationGraph probe = new ComputationGraph(ComputationGraphConfiguration.fromJson(conf.toJson()));
        try {
            probe.init(params == null ? null : params.dup(), false);
        } catch (RuntimeException e) {
            throw new IOException("modelFile " + file + ": the graph cannot be initialised on the data's samples (" + shape + "): " + e.getMessage(), e);
        }
        UserModel.Slots found = new UserModel.Slots(file);
        Layer[] layers = probe.getLayers();
        for (int i = 0; i < layers.length; i++) {
            org.deeplearning4j.nn.conf.layers.Layer l = layers[i].conf().getLayer();
            found.add(l, l.getLayerName(), layers[i].paramTable(), i);
        }
        found.checkNotEmpty();
        return new UserModel(file, conf.toJson(), params, found.slots, found.index, found.unreachable, found.channels, true);
    }

    /** The input vertices take the data's samples (adding the flat-to-image preprocessor); the output outputs the classes. */
    private static void check(Path file, ComputationGraphConfiguration conf, InputShape shape) throws IOException {
        String input = conf.getNetworkInputs().get(0);
        for (Map.Entry<String, List<String>> e : conf.getVertexInputs().entrySet()) {
            if (!e.getValue().contains(input) || !(conf.getVertices().get(e.getKey()) instanceof LayerVertex lv)) continue;
            org.deeplearning4j.nn.conf.layers.Layer l = lv.getLayerConf().getLayer();
            if (l instanceof ConvolutionLayer cv) {
                if (cv.getNIn() != shape.channels())
                    throw new IOException("modelFile " + file + ": vertex " + e.getKey() + " takes " + cv.getNIn() + " channels, but the data has " + shape.channels());
                if (lv.getPreProcessor() == null) lv.setPreProcessor(new FeedForwardToCnnPreProcessor(shape.rows(), shape.cols(), shape.channels()));
            } else if (l instanceof FeedForwardLayer ff && !(l instanceof LSTM) && lv.getPreProcessor() == null && ff.getNIn() != shape.features()) {
                throw new IOException("modelFile " + file + ": vertex " + e.getKey() + " takes " + ff.getNIn() + " inputs, but the data's samples have "
                        + shape.features() + " (" + shape + ")");
            }
        }
        String outName = conf.getNetworkOutputs().get(0);
        GraphVertex out = conf.getVertices().get(outName);
        if (!(out instanceof LayerVertex lv) || !(lv.getLayerConf().getLayer() instanceof FeedForwardLayer ff) || ff.getNOut() != shape.classes())
            throw new IOException("modelFile " + file + ": the output vertex " + outName + " must be a layer outputting the data's " + shape.classes() + " classes"
                    + (out instanceof LayerVertex l2 && l2.getLayerConf().getLayer() instanceof FeedForwardLayer o ? ", but outputs " + o.getNOut() : ""));
    }

    /**
     * A trial's graph: the configuration with a {@link QuantizedWeightNoise} of {@code bits.get(i)} on slot i's vertex,
     * with activation quantization when {@code activationBits} is not null (entry i quantizes slot i's output at its
     * site, {@link ActivationQuantization#sites}: the {@code ActivationLayer} reached through its batch norm and an add,
     * else the slot's own activation; the last entry must be 32), the trial's updater, weight decay and seed on every
     * layer vertex, initialised from the file's parameters (copied) or from the seed. Activation quantizers change
     * activation functions only, so a trained zip's parameters fit unchanged.
     *
     * @throws IllegalArgumentException naming {@code activationBits} for an entry its site cannot take
     */
    static ComputationGraph build(UserModel model, List<Integer> bits, List<Integer> activationBits, boolean perChannel, Hyperparameters hp, long seed) {
        ComputationGraphConfiguration conf = ComputationGraphConfiguration.fromJson(model.json());
        conf.getDefaultConfiguration().setSeed(seed);
        for (GraphVertex v : conf.getVertices().values())
            if (v instanceof LayerVertex lv) {
                lv.getLayerConf().setSeed(seed);
                if (lv.getLayerConf().getLayer() instanceof BaseLayer b) {
                    b.setIUpdater(hp.updater());
                    if (hp.weightDecay() > 0) b.setRegularization(List.of(new WeightDecay(hp.weightDecay(), true)));
                }
            }
        for (int s = 0; s < model.slots().size(); s++) {
            String name = model.slots().get(s).name();
            if (!(conf.getVertices().get(name) instanceof LayerVertex lv) || !(lv.getLayerConf().getLayer() instanceof BaseLayer b))
                throw new IllegalStateException("slot " + name + " is not a layer vertex of " + model.source());
            b.setWeightNoise(new QuantizedWeightNoise(bits.get(s), perChannel));
        }
        if (activationBits != null) ActivationQuantization.install(conf, model.slots().stream().map(QuantLayer::name).toList(), activationBits);
        ComputationGraph g = new ComputationGraph(conf);
        g.init(model.params() == null ? null : model.params().dup(), false);
        return g;
    }
}
