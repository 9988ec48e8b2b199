package org.bitsearch.trainers.dl4j.quant;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

/**
 * The multi-class straight-through estimator's backward on DL4J's {@code fit} path (CPQ, Lee et al. 2021). DL4J
 * computes ∂L/∂x̂ for the weights its {@link QuantizedWeightNoise} returned and, by default, applies it to the
 * full-precision W unchanged (the plain STE). DL4J calls {@link #onGradientCalculation} after computing the
 * gradient and before the updater reads it (BaseOptimizer.gradientAndScore); there this listener replaces each CPQ
 * layer's ∂L/∂x̂ by ∂L/∂W = ∂L/∂x̂ · m(W) in place ({@link CpqQuantizer#slope}) and lets the layer's
 * {@link CpqTraining} update its DropBits gates. Runs on the training thread.
 */
public final class CpqGradientListener extends BaseTrainingListener {
    /** One CPQ layer: the gradient key of its weights ("0_W" in a MultiLayerNetwork) and its noise. */
    public record Hooked(String gradientKey, QuantizedWeightNoise noise) {}

    private final List<Hooked> layers;

    public CpqGradientListener(List<Hooked> layers) { this.layers = List.copyOf(layers); }

    @Override
    public void onGradientCalculation(Model model) {
        Gradient gradient = model.gradient();
        for (Hooked h : layers) {
            CpqTraining t = h.noise().cpqTraining();
            INDArray g = gradient.getGradientFor(h.gradientKey());
            if (t == null || g == null || !t.pending()) continue;
            float[] values = g.castTo(DataType.FLOAT).dup(t.order()).data().asFloat();
            float[] slope = t.backward(values);
            if (slope == null) continue;
            INDArray m = Nd4j.create(slope, g.shape(), t.order()).castTo(g.dataType());
            g.muli(m);
        }
    }
}
