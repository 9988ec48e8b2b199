package org.bitsearch.trainers.dl4j.model;

import org.bitsearch.trainers.dl4j.Hyperparameters;
import org.bitsearch.trainers.dl4j.quant.QuantizedWeightNoise;
import org.bitsearch.search.space.Architectures;
import org.bitsearch.search.space.QuantLayer;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayList;
import java.util.List;

/**
 * The two model families and their quantizable layers. Every weight layer (dense, convolution, output) gets a
 * {@link QuantizedWeightNoise}; pooling layers have no weights. The layer list is known from the shape alone,
 * before any data is loaded, and its parameter counts are those of the built network.
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

    /**
     * The quantizable layers of {@code model} on images of rows x cols with {@code classes} classes. With
     * {@code perChannel} each layer stores one scale per output channel (what {@link QuantizedWeightNoise} uses:
     * a dense layer's nOut columns, a convolution's nOut kernels), otherwise one per tensor.
     */
    public static List<QuantLayer> layers(String model, List<Integer> hidden, int rows, int cols, int classes, boolean perChannel) {
        List<QuantLayer> perTensor = layers(model, hidden, rows, cols, classes);
        // every layer here has one bias per output channel, so the bias count is the channel count
        return perChannel ? perTensor.stream().map(l -> l.perChannel(l.biases())).toList() : perTensor;
    }

    private static List<QuantLayer> layers(String model, List<Integer> hidden, int rows, int cols, int classes) {
        if (model.equals("mlp")) return Architectures.mlp(rows * cols, hidden, classes);
        List<QuantLayer> out = new ArrayList<>();
        long inputs;
        if (model.equals("cnn")) {
            int h = rows, w = cols, in = 1;
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
        NeuralNetConfiguration.Builder b = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .weightInit(WeightInit.XAVIER)
                .updater(hp.updater())
                .trainingWorkspaceMode(WorkspaceMode.ENABLED)
                .inferenceWorkspaceMode(WorkspaceMode.ENABLED);
        if (hp.weightDecay() > 0) b.weightDecay(hp.weightDecay());
        NeuralNetConfiguration.ListBuilder list = b.list();
        int q = 0;
        long inputs = (long) rows * cols;
        if (model.equals("cnn")) {
            int in = 1;
            for (int c : CNN_CHANNELS) {
                list.layer(new ConvolutionLayer.Builder(KERNEL, KERNEL).nIn(in).nOut(c).activation(Activation.RELU)
                        .weightNoise(noise(bits, q++, perChannel)).build());
                list.layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build());
                in = c;
            }
        }
        for (int size : hidden) {
            list.layer(new DenseLayer.Builder().nOut(size).activation(Activation.RELU)
                    .weightNoise(noise(bits, q++, perChannel)).build());
        }
        list.layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(classes)
                .activation(Activation.SOFTMAX).weightNoise(noise(bits, q++, perChannel)).build());
        if (q != bits.size())
            throw new IllegalArgumentException("bits has " + bits.size() + " entries, but the model " + model + " has " + q + " quantizable layers");
        list.setInputType(model.equals("cnn") ? InputType.convolutionalFlat(rows, cols, 1) : InputType.feedForward(inputs));
        return list.build();
    }

    private static QuantizedWeightNoise noise(List<Integer> bits, int layer, boolean perChannel) {
        if (layer >= bits.size())
            throw new IllegalArgumentException("bits has " + bits.size() + " entries, but the model has more quantizable layers");
        return new QuantizedWeightNoise(bits.get(layer), perChannel);
    }
}
