package org.bitsearch.trainers.dl4j.model;

import org.bitsearch.trainers.dl4j.model.Hyperparameters;
import org.bitsearch.trainers.dl4j.data.InputShape;
import org.bitsearch.trainers.dl4j.quant.QuantizedWeightNoise;
import org.bitsearch.search.space.Architectures;
import org.bitsearch.search.space.QuantLayer;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The two model families and their quantizable layers. Every weight layer (dense, convolution, output) gets a
 * {@link QuantizedWeightNoise}; pooling layers have no weights. The layer list is known from the shape alone,
 * before any data is loaded, and its parameter counts are those of the built network. Each DL4J layer is named as
 * its quantizable layer ({@code conv0}, {@code dense2}; pooling {@code pool0}, ...), so exports name them alike.
 *
 * <ul>
 *   <li>{@code mlp}: inputs → hidden[0] → ... → classes, ReLU, softmax; layers {@code dense0, dense1, ...}, exactly
 *       {@link Architectures#mlp}.</li>
 *   <li>{@code cnn} (LeNet-style): conv 5x5x8 → max-pool 2 → conv 5x5x16 → max-pool 2 → dense hidden... →
 *       classes; layers {@code conv0, conv1, dense2, ...}.</li>
 * </ul>
 */
public final class ModelFactory {
    static final int[] CNN_CHANNELS = {8, 16};
    static final int KERNEL = 5;

    private ModelFactory() {}

    /** The quantizable layers of {@code model} on images of rows x cols with {@code classes} classes. */
    public static List<QuantLayer> layers(String model, List<Integer> hidden, int rows, int cols, int classes) {
        return layers(model, hidden, new InputShape(1, rows, cols, classes));
    }

    /**
     * The quantizable layers of {@code model} on images of rows x cols with {@code classes} classes. With
     * {@code perChannel} each layer stores one scale per output channel (what {@link QuantizedWeightNoise} uses:
     * a dense layer's nOut columns, a convolution's nOut kernels), otherwise one per tensor.
     */
    public static List<QuantLayer> layers(String model, List<Integer> hidden, int rows, int cols, int classes, boolean perChannel) {
        return layers(model, hidden, new InputShape(1, rows, cols, classes), perChannel);
    }

    /** {@link #layers(String, List, int, int, int, boolean)} on samples of {@code shape}. */
    public static List<QuantLayer> layers(String model, List<Integer> hidden, InputShape shape, boolean perChannel) {
        List<QuantLayer> perTensor = layers(model, hidden, shape);
        // every layer here has one bias per output channel, so the bias count is the channel count
        return perChannel ? perTensor.stream().map(l -> l.perChannel(l.biases())).toList() : perTensor;
    }

    /** The quantizable layers of {@code model} on samples of {@code shape}. */
    public static List<QuantLayer> layers(String model, List<Integer> hidden, InputShape shape) {
        int rows = shape.rows(), cols = shape.cols(), classes = shape.classes();
        if (model.equals("mlp")) return Architectures.mlp(shape.features(), hidden, classes);
        List<QuantLayer> out = new ArrayList<>();
        long inputs;
        if (model.equals("cnn")) {
            if (!shape.image())
                throw new IllegalArgumentException("model is cnn, but the data's samples are " + shape.channels() + "x" + rows + "x" + cols
                        + " feature vectors, not images (use the mlp)");
            int h = rows, w = cols, in = shape.channels();
            for (int c : CNN_CHANNELS) {
                out.add(new QuantLayer(out.size(), "conv" + out.size(), (long) KERNEL * KERNEL * in * c, c));
                h = (h - KERNEL + 1) / 2;
                w = (w - KERNEL + 1) / 2;
                in = c;
                if (h < 1 || w < 1)
                    throw new IllegalArgumentException("images of " + rows + "x" + cols + " are too small for the cnn");
            }
            inputs = (long) h * w * in;
        } else {
            inputs = (long) rows * cols;
        }
        for (int size : hidden) {
            out.add(new QuantLayer(out.size(), "dense" + out.size(), inputs * size, size));
            inputs = size;
        }
        out.add(new QuantLayer(out.size(), "dense" + out.size(), inputs * classes, classes));
        return List.copyOf(out);
    }

    /**
     * The network configuration: quantizable layer {@code i} quantizes to {@code bits.get(i)}.
     *
     * @param seed weight initialisation seed
     */
    public static MultiLayerConfiguration build(String model, List<Integer> hidden, int rows, int cols, int classes,
                                                List<Integer> bits, boolean perChannel, Hyperparameters hp, long seed) {
        return build(model, hidden, new InputShape(1, rows, cols, classes), bits, perChannel, hp, seed);
    }

    /** The network configuration for samples of {@code shape}. */
    public static MultiLayerConfiguration build(String model, List<Integer> hidden, InputShape shape,
                                                List<Integer> bits, boolean perChannel, Hyperparameters hp, long seed) {
        return build(model, hidden, shape, bits, perChannel, hp, seed, Map.of());
    }

    /**
     * The network configuration with the dense layers of {@code ranks} (quantizable-layer index → rank R) factorized
     * (Quantization Aware Factorization, Cherniuk et al. 2023): layer q (nIn → nOut) becomes {@link #factorName
     * factorName(q, 0)}, a dense nIn → R layer with identity activation and no bias, followed by {@code factorName(q,
     * 1)}, the original layer (activation, bias; the output layer stays the output layer) with nIn = R. Both get
     * q's bit-width ({@link QuantizedWeightNoise}), so the network has one weight noise more per factorized layer.
     */
    public static MultiLayerConfiguration build(String model, List<Integer> hidden, InputShape shape,
                                                List<Integer> bits, boolean perChannel, Hyperparameters hp, long seed,
                                                Map<Integer, Integer> ranks) {
        int rows = shape.rows(), cols = shape.cols(), classes = shape.classes();
        NeuralNetConfiguration.Builder b = new NeuralNetConfiguration.Builder()
                .seed(InitSeed.of(seed))
                .dataType(DataType.FLOAT)
                .weightInit(WeightInit.XAVIER)
                .updater(hp.updater())
                .trainingWorkspaceMode(WorkspaceMode.ENABLED)
                .inferenceWorkspaceMode(WorkspaceMode.ENABLED);
        if (hp.weightDecay() > 0) b.weightDecay(hp.weightDecay());
        NeuralNetConfiguration.ListBuilder list = b.list();
        int q = 0;
        long inputs = shape.features();
        if (model.equals("cnn")) {
            int in = shape.channels();
            for (int c : CNN_CHANNELS) {
                Integer rank = ranks.get(q);
                if (rank != null) {
                    // CP of the kernel (out, in, kh·kw) ≈ Σ_r A_o,r B_i,r C_s,r as 1x1 (B) → depthwise kh×kw (C) → 1x1 (A)
                    if (rank < 1) throw new IllegalArgumentException("rank of conv" + q + " is " + rank + ", but must be >= 1");
                    list.layer(new ConvolutionLayer.Builder(1, 1).name(factorName("conv", q, 0)).nIn(in).nOut(rank).activation(Activation.IDENTITY)
                            .hasBias(false).weightNoise(noise(bits, q, perChannel)).build());
                    list.layer(new DepthwiseConvolution2D.Builder(KERNEL, KERNEL).name(factorName("conv", q, 1)).depthMultiplier(1).nOut(rank)
                            .activation(Activation.IDENTITY).hasBias(false).weightNoise(noise(bits, q, perChannel)).build());
                }
                list.layer(new ConvolutionLayer.Builder(rank == null ? KERNEL : 1, rank == null ? KERNEL : 1)
                        .name(rank == null ? "conv" + q : factorName("conv", q, 2)).nIn(rank == null ? in : rank).nOut(c).activation(Activation.RELU)
                        .weightNoise(noise(bits, q++, perChannel)).build());
                list.layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).name("pool" + (q - 1)).kernelSize(2, 2).stride(2, 2).build());
                in = c;
            }
        }
        for (int size : hidden) {
            Integer rank = ranks.get(q);
            if (rank != null) list.layer(firstFactor(q, rank, bits, perChannel));
            list.layer(new DenseLayer.Builder().name(rank == null ? "dense" + q : factorName(q, 1)).nOut(size).activation(Activation.RELU)
                    .weightNoise(noise(bits, q++, perChannel)).build());
        }
        Integer rank = ranks.get(q);
        if (rank != null) list.layer(firstFactor(q, rank, bits, perChannel));
        list.layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name(rank == null ? "dense" + q : factorName(q, 1)).nOut(classes)
                .activation(Activation.SOFTMAX).weightNoise(noise(bits, q++, perChannel)).build());
        if (q != bits.size())
            throw new IllegalArgumentException("bits has " + bits.size() + " entries, but the model " + model + " has " + q + " quantizable layers");
        list.setInputType(model.equals("cnn") ? InputType.convolutionalFlat(rows, cols, shape.channels()) : InputType.feedForward(inputs));
        return list.build();
    }

    /** The DL4J name of factor {@code f} (0 = A, 1 = B) of factorized dense layer {@code q}: {@code dense<q>.f<f>}. */
    public static String factorName(int q, int f) { return factorName("dense", q, f); }

    /**
     * The DL4J name of factor layer {@code f} of factorized layer {@code q}: {@code <kind><q>.f<f>}. A dense layer has
     * f0 (nIn → R) and f1 (R → nOut); a convolution f0 (1x1, in → R), f1 (depthwise kh×kw on R channels), f2 (1x1, R → out).
     */
    public static String factorName(String kind, int q, int f) { return kind + q + ".f" + f; }

    /**
     * The modes a factorization of {@code layer} (built by this factory) uses: [nIn, nOut] for a dense layer, [out,
     * in, kh·kw] for a convolution (the paper's 3-way CP of a kernel).
     */
    public static List<Long> factorModes(QuantLayer layer) {
        if (layer.name().startsWith("conv")) {
            long out = layer.biases(), in = layer.weights() / ((long) KERNEL * KERNEL * out);
            return List.of(out, in, (long) KERNEL * KERNEL);
        }
        return List.of(layer.weights() / layer.biases(), layer.biases());
    }

    private static DenseLayer firstFactor(int q, int rank, List<Integer> bits, boolean perChannel) {
        if (rank < 1) throw new IllegalArgumentException("rank of dense" + q + " is " + rank + ", but must be >= 1");
        return new DenseLayer.Builder().name(factorName(q, 0)).nOut(rank).activation(Activation.IDENTITY).hasBias(false)
                .weightNoise(noise(bits, q, perChannel)).build();
    }

    private static QuantizedWeightNoise noise(List<Integer> bits, int layer, boolean perChannel) {
        if (layer >= bits.size())
            throw new IllegalArgumentException("bits has " + bits.size() + " entries, but the model has more quantizable layers");
        return new QuantizedWeightNoise(bits.get(layer), perChannel);
    }
}
