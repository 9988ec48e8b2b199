package org.bitsearch.trainers.dl4j.quant;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;

import java.util.ArrayList;
import java.util.List;

/**
 * Puts {@link QuantizedActivation}s into a network configuration and finds them again. Entry l of an activation
 * allocation is the bit-width of quantizable layer l's output (the layers with a {@link QuantizedWeightNoise}, in
 * order); the last quantizable layer is the network's output (its softmax feeds the loss) and must stay at 32.
 */
public final class ActivationQuantization {
    private ActivationQuantization() {}

    /**
     * Wraps the activation of every quantizable layer whose entry is below 32 in a {@link QuantizedActivation} of
     * that many bits; changes {@code conf} in place, before a network is built from it.
     *
     * @throws IllegalArgumentException if the counts differ or the output layer's entry is not 32
     */
    public static void install(MultiLayerConfiguration conf, List<Integer> activationBits) {
        List<BaseLayer> quantizable = new ArrayList<>();
        for (int i = 0; i < conf.getConfs().size(); i++)
            if (conf.getConf(i).getLayer() instanceof BaseLayer b && b.getWeightNoise() instanceof QuantizedWeightNoise) quantizable.add(b);
        if (quantizable.size() != activationBits.size())
            throw new IllegalArgumentException("activationBits has " + activationBits.size() + " entries, but the model has "
                    + quantizable.size() + " quantizable layers");
        int last = quantizable.size() - 1;
        if (activationBits.get(last) != 32)
            throw new IllegalArgumentException("activationBits[" + last + "] is " + activationBits.get(last)
                    + ", but must be 32: the last layer's output is the model's prediction (softmax), which is not quantized");
        for (int l = 0; l < last; l++) {
            int bits = activationBits.get(l);
            if (bits == 32) continue;
            BaseLayer b = quantizable.get(l);
            if (b.getActivationFn() instanceof QuantizedActivation q) q.setTargetBits(bits);
            else b.setActivationFn(new QuantizedActivation(b.getActivationFn(), bits));
        }
    }

    /**
     * The activation quantizer of each quantizable layer among {@code layers}, in order, null where the layer's output
     * is not quantized.
     */
    public static List<QuantizedActivation> of(Layer[] layers) {
        List<QuantizedActivation> out = new ArrayList<>();
        for (Layer l : layers)
            if (l.conf().getLayer() instanceof BaseLayer b && b.getWeightNoise() instanceof QuantizedWeightNoise)
                out.add(b.getActivationFn() instanceof QuantizedActivation q ? q : null);
        return out;
    }
}
