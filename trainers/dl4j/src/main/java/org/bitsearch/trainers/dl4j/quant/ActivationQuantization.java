package org.bitsearch.trainers.dl4j.quant;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.nd4j.linalg.activations.IActivation;

import java.util.ArrayList;
import java.util.List;

/**
 * Puts {@link QuantizedActivation}s into a network configuration and finds them again. Entry l of an activation
 * allocation is the bit-width of quantizable layer l's output (the layers with a {@link QuantizedWeightNoise}, in
 * order); the last quantizable layer is the network's output (its softmax feeds the loss) and must stay at 32.
 *
 * <p>Where slot l's quantizer sits ({@link #sites}): on the last layer from slot l up to the next slot that applies an
 * activation function: the slot itself in an mlp or cnn (a pooling layer between has none), the {@code ActivationLayer}
 * after its batch normalisation in vgg-small or a user's conv → BN → ReLU (DL4J's {@code BatchNormalization} ignores
 * its own activation, so it is never a site). That is where the papers quantize activations: the input of the next
 * weight layer.
 */
public final class ActivationQuantization {
    private ActivationQuantization() {}

    /**
     * The site of each quantizable layer's activation quantizer: for slot l the index (into {@code layers}) of the last
     * layer in [slot l, slot l+1) with an activation function (a {@code BaseLayer} other than batch normalisation,
     * or an {@code ActivationLayer}); the last slot's site is the slot.
     */
    public static int[] sites(List<org.deeplearning4j.nn.conf.layers.Layer> layers) {
        List<Integer> slots = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++)
            if (layers.get(i) instanceof BaseLayer b && b.getWeightNoise() instanceof QuantizedWeightNoise) slots.add(i);
        int[] out = new int[slots.size()];
        for (int k = 0; k < out.length; k++) {
            int end = k + 1 < out.length ? slots.get(k + 1) : slots.get(k) + 1;
            out[k] = slots.get(k);
            for (int i = slots.get(k) + 1; i < end; i++) if (activationOf(layers.get(i)) != null) out[k] = i;
        }
        return out;
    }

    /** The activation function {@code l} applies, or null (no-parameter layers, batch normalisation). */
    public static IActivation activationOf(org.deeplearning4j.nn.conf.layers.Layer l) {
        if (l instanceof ActivationLayer a) return a.getActivationFn();
        if (l instanceof BaseLayer b && !(l instanceof BatchNormalization)) return b.getActivationFn();
        return null;
    }

    private static void setActivation(org.deeplearning4j.nn.conf.layers.Layer l, IActivation a) {
        if (l instanceof ActivationLayer al) al.setActivationFn(a);
        else ((BaseLayer) l).setActivationFn(a);
    }

    /**
     * Wraps the activation at the site ({@link #sites}) of every quantizable layer whose entry is below 32 in a
     * {@link QuantizedActivation} of that many bits; changes {@code conf} in place, before a network is built from it.
     *
     * @throws IllegalArgumentException if the counts differ or the output layer's entry is not 32
     */
    public static void install(MultiLayerConfiguration conf, List<Integer> activationBits) {
        List<org.deeplearning4j.nn.conf.layers.Layer> layers = new ArrayList<>();
        for (int i = 0; i < conf.getConfs().size(); i++) layers.add(conf.getConf(i).getLayer());
        int[] sites = sites(layers);
        if (sites.length != activationBits.size())
            throw new IllegalArgumentException("activationBits has " + activationBits.size() + " entries, but the model has "
                    + sites.length + " quantizable layers");
        int last = sites.length - 1;
        if (activationBits.get(last) != 32)
            throw new IllegalArgumentException("activationBits[" + last + "] is " + activationBits.get(last)
                    + ", but must be 32: the last layer's output is the model's prediction (softmax), which is not quantized");
        for (int l = 0; l < last; l++) {
            int bits = activationBits.get(l);
            if (bits == 32) continue;
            org.deeplearning4j.nn.conf.layers.Layer site = layers.get(sites[l]);
            IActivation a = activationOf(site);
            if (a instanceof QuantizedActivation q) q.setTargetBits(bits);
            else setActivation(site, new QuantizedActivation(a, bits));
        }
    }

    /**
     * The activation quantizer of each quantizable layer among {@code layers} (a network's, in order), at its site,
     * null where the layer's output is not quantized.
     */
    public static List<QuantizedActivation> of(Layer[] layers) {
        List<org.deeplearning4j.nn.conf.layers.Layer> confs = new ArrayList<>();
        for (Layer l : layers) confs.add(l.conf().getLayer());
        List<QuantizedActivation> out = new ArrayList<>();
        for (int site : sites(confs)) out.add(activationOf(confs.get(site)) instanceof QuantizedActivation q ? q : null);
        return out;
    }
}
