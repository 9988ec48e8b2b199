package org.bitsearch.trainers.dl4j.model;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The im2col helper computes what DL4J's built-in convolution computes: outputs and gradients. */
class NativeConvolutionTest {

    private static MultiLayerNetwork net(int stride, int pad) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(7).dataType(DataType.FLOAT)
                .weightInit(WeightInit.XAVIER).updater(new Sgd(0.1)).list()
                .layer(new ConvolutionLayer.Builder(3, 3).stride(stride, stride).padding(pad, pad).nIn(2).nOut(4)
                        .activation(Activation.RELU).build())
                .layer(new ConvolutionLayer.Builder(2, 2).nOut(3).activation(Activation.TANH).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(5).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(11, 11, 2)).build();
        MultiLayerNetwork n = new MultiLayerNetwork(conf);
        n.init();
        return n;
    }

    @Test
    void matchesBuiltInConvolution() {
        for (int[] sp : new int[][] {{1, 0}, {2, 1}}) {
            MultiLayerNetwork builtIn = net(sp[0], sp[1]), fast = net(sp[0], sp[1]);
            assertEquals(2, NativeConvolution.install(fast));
            assertEquals(0, NativeConvolution.install(fast), "installed twice");
            INDArray x = Nd4j.rand(DataType.FLOAT, 6, 2, 11, 11).subi(0.5);
            INDArray y = Nd4j.zeros(DataType.FLOAT, 6, 5);
            for (int i = 0; i < 6; i++) y.putScalar(i, i % 5, 1f);
            assertClose(builtIn.output(x), fast.output(x), "output");
            builtIn.setInput(x);
            builtIn.setLabels(y);
            builtIn.computeGradientAndScore();
            fast.setInput(x);
            fast.setLabels(y);
            fast.computeGradientAndScore();
            assertEquals(builtIn.score(), fast.score(), 1e-5);
            assertClose(builtIn.gradient().gradient(), fast.gradient().gradient(), "gradient");
            builtIn.fit(x, y);
            fast.fit(x, y);
            assertClose(builtIn.params(), fast.params(), "params after a step");
        }
    }

    private static void assertClose(INDArray a, INDArray b, String what) {
        double diff = a.sub(b).amaxNumber().doubleValue(), scale = Math.max(1e-3, a.amaxNumber().doubleValue());
        assertTrue(diff <= 1e-4 * scale, what + " differs by " + diff + " (scale " + scale + ")");
    }
}
