package org.bitsearch.trainers.dl4j.model;

import org.bitsearch.search.space.QuantLayer;
import org.bitsearch.trainers.dl4j.model.Hyperparameters;
import org.bitsearch.trainers.dl4j.data.InputShape;
import org.bitsearch.trainers.dl4j.quant.QuantizedWeightNoise;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayList;
import java.util.List;

/**
 * The CIFAR ResNet-20 of He, Zhang, Ren &amp; Sun, "Deep Residual Learning for Image Recognition" (CVPR 2016),
 * section 4.2: a 3x3 convolution of 16 channels, then three stages of n = 3 basic blocks (two 3x3 convolutions with
 * batch normalisation, ReLU, identity shortcut) of 16, 32 and 64 channels, the first block of stages 2 and 3
 * halving the resolution (stride 2), global average pooling and a dense classifier: 6n + 2 = 20 weight layers,
 * 0.27M parameters in the paper's Table 6. The paper's shortcut on the two downsampling blocks is option A
 * (zero-padded identity, no parameters); DL4J has no such vertex, so these use option B (a 1x1 convolution of
 * stride 2 with batch normalisation: 2,560 + 192 more parameters; about 0.27M still).
 *
 * <p>A {@code ComputationGraph}; convolutions have no bias (batch normalisation follows, then a ReLU
 * {@code ActivationLayer} after the stem and each block's first convolution: {@code <name>relu}; DL4J's batch
 * normalisation ignores an activation of its own). Quantizable layers: the 19 + 2 convolutions and the classifier
 * ({@code conv1}, {@code s1b1c1}, {@code s1b1c2}, ..., {@code s2b1proj}, ..., {@code fc}); batch normalisation
 * stays FP32, and its folded scale and shift (2 per channel) count as the preceding convolution's biases in the
 * model size (what the packed export stores).
 */
public final class ResNet {
    static final int[] WIDTHS = {16, 32, 64};
    static final int BLOCKS = 3;

    private ResNet() {}

    /** One quantizable convolution or dense layer: its name, weights and biases. */
    private record Spec(String name, long weights, long biases, long channels) {}

    private static List<Spec> specs(InputShape shape) {
        List<Spec> out = new ArrayList<>();
        // biases: the batch normalisation after each convolution, folded to a scale and a shift per channel (FP32)
        out.add(new Spec("conv1", 9L * shape.channels() * WIDTHS[0], 2L * WIDTHS[0], WIDTHS[0]));
        int in = WIDTHS[0];
        for (int s = 0; s < WIDTHS.length; s++)
            for (int b = 0; b < BLOCKS; b++) {
                int w = WIDTHS[s];
                String p = "s" + (s + 1) + "b" + (b + 1);
                out.add(new Spec(p + "c1", 9L * in * w, 2L * w, w));
                out.add(new Spec(p + "c2", 9L * w * w, 2L * w, w));
                if (in != w) out.add(new Spec(p + "proj", (long) in * w, 2L * w, w));
                in = w;
            }
        out.add(new Spec("fc", (long) in * shape.classes(), shape.classes(), shape.classes()));
        return out;
    }

    /** The quantizable layers, in the graph's topological order. */
    public static List<QuantLayer> layers(InputShape shape) { return layers(shape, false); }

    /** The quantizable layers; with {@code perChannel} each stores one scale per output channel. */
    public static List<QuantLayer> layers(InputShape shape, boolean perChannel) {
        check(shape);
        List<QuantLayer> out = new ArrayList<>();
        for (Spec s : specs(shape)) out.add(new QuantLayer(out.size(), s.name(), s.weights(), s.biases(), perChannel ? s.channels() : 1));
        return out;
    }

    private static void check(InputShape shape) {
        if (!shape.image() || shape.rows() < 8 || shape.cols() < 8)
            throw new IllegalArgumentException("model resnet20 needs images of at least 8x8, but the data is " + shape);
    }

    /** The graph configuration: quantizable layer i quantizes to {@code bits.get(i)}. */
    public static ComputationGraphConfiguration build(InputShape shape, List<Integer> bits, boolean perChannel,
                                                      Hyperparameters hp, long seed) {
        return build(shape, bits, null, perChannel, hp, seed);
    }

    /**
     * The graph configuration with activation quantization (null: none): entry i quantizes slot i's output at its site
     * ({@code ActivationQuantization.site}): the stem's and each first convolution's ReLU, a block's second convolution
     * at the block's output ReLU (after the add: the next block's input), a projection at its identity {@code projq}
     * layer (signed, the shortcut before the add); the classifier's entry must be 32.
     */
    public static ComputationGraphConfiguration build(InputShape shape, List<Integer> bits, List<Integer> activationBits, boolean perChannel,
                                                      Hyperparameters hp, long seed) {
        check(shape);
        List<Spec> specs = specs(shape);
        if (bits.size() != specs.size())
            throw new IllegalArgumentException("bits has " + bits.size() + " entries, but the resnet20 model has " + specs.size() + " quantizable layers");
        NeuralNetConfiguration.Builder nb = new NeuralNetConfiguration.Builder().seed(InitSeed.of(seed)).dataType(DataType.FLOAT)
                .weightInit(WeightInit.RELU).updater(hp.updater()).convolutionMode(ConvolutionMode.Same)
                .trainingWorkspaceMode(WorkspaceMode.ENABLED).inferenceWorkspaceMode(WorkspaceMode.ENABLED);
        if (hp.weightDecay() > 0) nb.weightDecay(hp.weightDecay());
        ComputationGraphConfiguration.GraphBuilder g = nb.graphBuilder().addInputs("input")
                .setInputTypes(InputType.convolutionalFlat(shape.rows(), shape.cols(), shape.channels()));
        int[] q = {0};
        String x = convBn(g, "conv1", "input", shape.channels(), WIDTHS[0], 3, 1, bits, q, perChannel, true);
        int in = WIDTHS[0];
        for (int s = 0; s < WIDTHS.length; s++)
            for (int b = 0; b < BLOCKS; b++) {
                int w = WIDTHS[s], stride = (s > 0 && b == 0) ? 2 : 1;
                String p = "s" + (s + 1) + "b" + (b + 1);
                String y = convBn(g, p + "c1", x, in, w, 3, stride, bits, q, perChannel, true);
                y = convBn(g, p + "c2", y, w, w, 3, 1, bits, q, perChannel, false);
                String shortcut = x;
                if (in != w) {
                    convBn(g, p + "proj", x, in, w, 1, stride, bits, q, perChannel, false);
                    // an identity layer where the projection's output can be quantized (activation bits)
                    g.addLayer(p + "projq", new ActivationLayer.Builder().activation(Activation.IDENTITY).build(), p + "projbn");
                    shortcut = p + "projq";
                }
                g.addVertex(p + "add", new ElementWiseVertex(ElementWiseVertex.Op.Add), y, shortcut);
                g.addLayer(p + "relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), p + "add");
                x = p + "relu";
                in = w;
            }
        g.addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), x);
        g.addLayer("fc", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(in).nOut(shape.classes())
                .activation(Activation.SOFTMAX).weightNoise(new QuantizedWeightNoise(bits.get(q[0]++), perChannel)).build(), "pool");
        g.setOutputs("fc");
        ComputationGraphConfiguration conf = g.build();
        if (activationBits != null)
            org.bitsearch.trainers.dl4j.quant.ActivationQuantization.install(conf, specs.stream().map(Spec::name).toList(), activationBits);
        return conf;
    }

    /** conv (no bias) → batch norm (→ ReLU); returns the last vertex's name. */
    private static String convBn(ComputationGraphConfiguration.GraphBuilder g, String name, String from, int in, int out,
                                 int k, int stride, List<Integer> bits, int[] q, boolean perChannel, boolean relu) {
        g.addLayer(name, new ConvolutionLayer.Builder(k, k).stride(stride, stride).nIn(in).nOut(out).hasBias(false)
                .activation(Activation.IDENTITY).weightNoise(new QuantizedWeightNoise(bits.get(q[0]++), perChannel)).build(), from);
        g.addLayer(name + "bn", new BatchNormalization.Builder().nOut(out).build(), name);
        if (!relu) return name + "bn";
        // DL4J's BatchNormalization ignores its own activation: the ReLU is a layer of its own
        g.addLayer(name + "relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), name + "bn");
        return name + "relu";
    }
}
