package org.bitsearch.trainers.dl4j;

import org.bitsearch.trainers.dl4j.quant.QuantizedWeightNoise;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Hutchinson's estimator of the trace of each quantizable layer's loss Hessian (HAWQ-V2, Dong et al. 2020,
 * "HAWQ-V2: Hessian Aware trace-Weighted Quantization"): Tr(H_l) = E[vᵀ H_l v] for Rademacher v (entries ±1),
 * averaged over {@code samples} vectors. H_l·v is a central difference of gradients,
 * (∇_l L(W_l + εv) − ∇_l L(W_l − εv)) / 2ε, with ε = 10⁻² · rms(W_l), on one fixed batch; only layer l moves.
 * Every layer is evaluated in full precision (train bits 32). Restores the weights exactly (it saves and
 * reassigns them). Blocking; uses the network from the caller's thread.
 */
final class HessianTrace {
    private HessianTrace() {}

    /** The quantizable layers of {@code net} (those with a {@link QuantizedWeightNoise}), in order. */
    static List<Layer> quantizable(MultiLayerNetwork net) {
        List<Layer> out = new ArrayList<>();
        for (Layer l : net.getLayers())
            if (l.conf().getLayer() instanceof BaseLayer b && b.getWeightNoise() instanceof QuantizedWeightNoise) out.add(l);
        return out;
    }

    /**
     * Estimates Tr(H_l) for every quantizable layer l on the batch (x, y).
     *
     * @param seed seeds the Rademacher vectors
     */
    static double[] traces(MultiLayerNetwork net, INDArray x, INDArray y, int samples, long seed) {
        List<QuantizedWeightNoise> noises = Dl4jTrainingRun.noisesOf(net);
        int[] saved = new int[noises.size()];
        for (int i = 0; i < noises.size(); i++) { saved[i] = noises.get(i).getTrainBits(); noises.get(i).setTrainBits(32); }
        try {
            List<Layer> layers = quantizable(net);
            double[] trace = new double[layers.size()];
            SplittableRandom rng = new SplittableRandom(seed);
            for (int l = 0; l < layers.size(); l++) {
                Layer layer = layers.get(l);
                INDArray w = layer.getParam("W");
                INDArray original = w.dup();
                double rms = Math.sqrt(original.mul(original).meanNumber().doubleValue());
                double eps = 1e-2 * Math.max(rms, 1e-6);
                String key = layer.getIndex() + "_W";
                double sum = 0;
                for (int s = 0; s < samples; s++) {
                    float[] signs = new float[(int) w.length()];
                    for (int i = 0; i < signs.length; i++) signs[i] = rng.nextBoolean() ? 1f : -1f;
                    INDArray v = Nd4j.create(signs, w.shape(), w.ordering());
                    w.assign(original.add(v.mul(eps)));
                    INDArray plus = gradient(net, x, y, key);
                    w.assign(original.sub(v.mul(eps)));
                    INDArray minus = gradient(net, x, y, key);
                    w.assign(original);
                    INDArray hv = plus.sub(minus).divi(2 * eps);
                    sum += hv.mul(v).sumNumber().doubleValue();
                }
                trace[l] = sum / samples;
            }
            return trace;
        } finally {
            for (int i = 0; i < noises.size(); i++) noises.get(i).setTrainBits(saved[i]);
        }
    }

    private static INDArray gradient(MultiLayerNetwork net, INDArray x, INDArray y, String key) {
        net.setInput(x);
        net.setLabels(y);
        net.computeGradientAndScore();
        INDArray g = net.gradient().gradientForVariable().get(key);
        if (g == null) throw new IllegalStateException("the network has no gradient for " + key);
        return g.dup();
    }
}
