package org.bitsearch.trainers.dl4j.model;

import org.bitsearch.search.space.QuantLayer;
import org.bitsearch.trainers.dl4j.data.InputShape;
import org.bitsearch.trainers.dl4j.quant.QuantizedWeightNoise;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayList;
import java.util.List;

/**
 * VGG-Small, the CIFAR-10 network of LQ-Nets (Zhang, Yang, Ye &amp; Hua, "LQ-Nets: Learned Quantization for Highly
 * Accurate and Compact Deep Neural Networks", ECCV 2018, section 4.1, defined by its reference implementation
 * {@code cifar10-vgg-small.py} in github.com/microsoft/LQ-Nets) and of the binarization papers that evaluate on it
 * (IR-Net, RBNN, ...): six 3x3 convolutions of 128-128-256-256-512-512 channels (no bias, "same" padding), each
 * followed by batch normalisation and ReLU, a 2x2 max pooling after the second, fourth and sixth convolution
 * (between the convolution and its batch normalisation, as in LQ-Nets: conv → pool → BN → ReLU), and one dense
 * classifier on the flattened 512x4x4 features of a 32x32 image.
 *
 * <p>Parameters on CIFAR-10 (3x32x32, 10 classes): 4,574,592 convolution weights, 81,920 + 10 classifier weights
 * and biases, 3,584 batch-norm γ/β: 4,660,106 trainable ("4.66M"; batch norm's running mean and variance are
 * statistics, not counted). {@code VggSmallTest} checks the count on the built network.
 *
 * <p>A {@code MultiLayerNetwork} (trained on DL4J's {@code fit} path: the fast step does not cover batch
 * normalisation). Quantizable layers {@code conv0} .. {@code conv5} and {@code fc}; the other layers are named
 * {@code bn<i>}, {@code relu<i>} (an {@code ActivationLayer}: DL4J's {@code BatchNormalization} ignores its own
 * activation) and {@code pool<i>}. A slot's stored size counts its batch normalisation's folded scale and shift
 * (2 per channel, FP32) as biases, which is what the packed export stores. Activation quantization of slot i sits
 * on {@code relu<i>} (unsigned, after BN and ReLU, where LQ-Nets puts its activation quantizer).
 *
 * <p>{@code widths} may differ from the published {@link #WIDTHS} (a width-scaled VGG-Small, e.g. for quick tests);
 * it must have six entries &gt;= 1.
 */
public final class VggSmall {
    /** The model's name in a spec. */
    public static final String NAME = "vgg-small";
    /** The published channel widths. */
    public static final List<Integer> WIDTHS = List.of(128, 128, 256, 256, 512, 512);
    /** Max pooling after convolutions 1, 3 and 5. */
    static boolean poolAfter(int conv) { return conv % 2 == 1; }

    private VggSmall() {}

    /**
     * Checks {@code widths} and the input shape.
     *
     * @throws IllegalArgumentException naming the field and the rule
     */
    public static void check(InputShape shape, List<Integer> widths) {
        checkWidths(widths);
        if (!shape.image() || shape.rows() < 8 || shape.cols() < 8)
            throw new IllegalArgumentException("model vgg-small needs images of at least 8x8 (three 2x2 poolings), but the data is " + shape);
    }

    /** @throws IllegalArgumentException naming {@code hidden} (the field that carries the widths) and the rule */
    public static void checkWidths(List<Integer> widths) {
        if (widths.size() != 6)
            throw new IllegalArgumentException("hidden is " + widths + ", but the vgg-small model takes six convolution widths (default " + WIDTHS + ")");
        for (int i = 0; i < 6; i++)
            if (widths.get(i) == null || widths.get(i) < 1)
                throw new IllegalArgumentException("hidden[" + i + "] is " + widths.get(i) + ", but must be >= 1");
    }

    /** The quantizable layers; with {@code perChannel} each stores one scale per output channel. */
    public static List<QuantLayer> layers(InputShape shape, List<Integer> widths, boolean perChannel) {
        check(shape, widths);
        List<QuantLayer> out = new ArrayList<>();
        int in = shape.channels(), h = shape.rows(), w = shape.cols();
        for (int i = 0; i < 6; i++) {
            int c = widths.get(i);
            out.add(new QuantLayer(i, "conv" + i, 9L * in * c, 2L * c, perChannel ? c : 1));
            if (poolAfter(i)) {
                h /= 2;
                w /= 2;
            }
            in = c;
        }
        int classes = shape.classes();
        out.add(new QuantLayer(6, "fc", (long) in * h * w * classes, classes, perChannel ? classes : 1));
        return List.copyOf(out);
    }

    /** The network configuration: quantizable layer i quantizes to {@code bits.get(i)}. */
    public static MultiLayerConfiguration build(InputShape shape, List<Integer> widths, List<Integer> bits, boolean perChannel,
                                                Hyperparameters hp, long seed) {
        check(shape, widths);
        if (bits.size() != 7)
            throw new IllegalArgumentException("bits has " + bits.size() + " entries, but the vgg-small model has 7 quantizable layers");
        NeuralNetConfiguration.Builder b = new NeuralNetConfiguration.Builder().seed(seed).dataType(DataType.FLOAT)
                .weightInit(WeightInit.RELU).updater(hp.updater()).convolutionMode(ConvolutionMode.Same)
                .trainingWorkspaceMode(WorkspaceMode.ENABLED).inferenceWorkspaceMode(WorkspaceMode.ENABLED);
        if (hp.weightDecay() > 0) b.weightDecay(hp.weightDecay());
        NeuralNetConfiguration.ListBuilder list = b.list();
        int in = shape.channels();
        for (int i = 0; i < 6; i++) {
            int c = widths.get(i);
            list.layer(new ConvolutionLayer.Builder(3, 3).name("conv" + i).nIn(in).nOut(c).hasBias(false)
                    .activation(Activation.IDENTITY).weightNoise(new QuantizedWeightNoise(bits.get(i), perChannel)).build());
            if (poolAfter(i))
                list.layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).name("pool" + i).kernelSize(2, 2).stride(2, 2)
                        .convolutionMode(ConvolutionMode.Truncate).build());
            list.layer(new BatchNormalization.Builder().name("bn" + i).nOut(c).build());
            list.layer(new ActivationLayer.Builder().name("relu" + i).activation(Activation.RELU).build());
            in = c;
        }
        list.layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("fc").nOut(shape.classes())
                .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).weightNoise(new QuantizedWeightNoise(bits.get(6), perChannel)).build());
        list.setInputType(InputType.convolutionalFlat(shape.rows(), shape.cols(), shape.channels()));
        return list.build();
    }
}
