package org.bitsearch.trainers.dl4j.quant;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.nd4j.linalg.activations.IActivation;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
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
            String why = unsupported(site);
            if (why != null) throw new IllegalArgumentException("activationBits[" + l + "] is " + bits + ", but must be 32 for layer "
                    + (layers.get(sites[l]).getLayerName() == null ? "layer" + sites[l] : layers.get(sites[l]).getLayerName()) + ": " + why);
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

    // ---- graphs -------------------------------------------------------------------------------------------------

    /**
     * Where slot {@code slot}'s activation quantizer would sit in a graph on its own: following the slot's output
     * while it has one consumer that is a batch normalisation layer or an element-wise {@code Add} vertex, the first
     * {@code ActivationLayer} reached (resnet20: {@code conv1 → bn → relu}; a block's second convolution
     * {@code c2 → bn → add → relu}, the block's output; a projection {@code proj → bn → projq}); else the slot itself
     * (its own activation: a {@code conv(ReLU)} feeding two vertices, a dense layer). {@link #sites} resolves two
     * slots reaching the same layer.
     */
    public static String site(ComputationGraphConfiguration conf, String slot) {
        String cur = slot;
        while (true) {
            List<String> consumers = new ArrayList<>();
            for (var e : conf.getVertexInputs().entrySet()) if (e.getValue().contains(cur)) consumers.add(e.getKey());
            if (consumers.size() != 1) return slot;
            String next = consumers.get(0);
            GraphVertex v = conf.getVertices().get(next);
            if (v instanceof LayerVertex lv && lv.getLayerConf().getLayer() instanceof ActivationLayer) return next;
            boolean through = (v instanceof LayerVertex lv2 && lv2.getLayerConf().getLayer() instanceof BatchNormalization)
                    || (v instanceof ElementWiseVertex ew && ew.getOp() == ElementWiseVertex.Op.Add);
            if (!through) return slot;
            cur = next;
        }
    }

    /**
     * The site of each slot's activation quantizer ({@code slots} in the network's slot order): {@link #site}, except
     * that where several slots reach the same {@code ActivationLayer} (a user's residual block whose second convolution
     * and projection shortcut both run through batch norm into the add before the block's ReLU), the first of them in
     * slot order owns it and each later one quantizes its own output (signed, unless its own activation is
     * non-negative). So every slot has a quantizer of its own whatever the bits, and the sites depend on the graph
     * alone, not on a candidate. resnet20 has no shared site (its projections end in an identity {@code projq} layer).
     */
    public static List<String> sites(ComputationGraphConfiguration conf, List<String> slots) {
        List<String> out = new ArrayList<>();
        Set<String> claimed = new HashSet<>();
        for (String slot : slots) {
            String site = site(conf, slot);
            out.add(claimed.add(site) ? site : slot);
        }
        return out;
    }

    /** The slots of a graph (layer vertices with a {@link QuantizedWeightNoise}) in the order of {@code layers}. */
    private static List<String> slots(Layer[] layers) {
        List<String> out = new ArrayList<>();
        for (Layer l : layers)
            if (l.conf().getLayer() instanceof BaseLayer b && b.getWeightNoise() instanceof QuantizedWeightNoise) out.add(l.conf().getLayer().getLayerName());
        return out;
    }

    /**
     * Why the activation at {@code site} (slot {@code slot}'s) cannot be quantized, or null: DL4J's LSTM applies its
     * activation function inside the recurrent cell at every time step, not once to the layer's output, so a quantizer
     * there would not quantize the output (and would calibrate once per step).
     */
    static String unsupported(org.deeplearning4j.nn.conf.layers.Layer site) {
        if (site instanceof LSTM)
            return "it is an LSTM, whose activation function DL4J applies inside the recurrent cell at every time step, not once to the layer's output: pin it to 32";
        return null;
    }

    /**
     * Installs activation quantizers in a graph configuration: slot i ({@code slots}, in the network's slot order)
     * quantizes to {@code activationBits.get(i)} at its site ({@link #sites}); the last entry must be 32.
     *
     * @throws IllegalArgumentException naming {@code activationBits} and the rule (counts, the last entry, a site
     *                                  that cannot be quantized)
     */
    public static void install(ComputationGraphConfiguration conf, List<String> slots, List<Integer> activationBits) {
        if (slots.size() != activationBits.size())
            throw new IllegalArgumentException("activationBits has " + activationBits.size() + " entries, but the model has " + slots.size() + " quantizable layers");
        int last = slots.size() - 1;
        if (activationBits.get(last) != 32)
            throw new IllegalArgumentException("activationBits[" + last + "] is " + activationBits.get(last)
                    + ", but must be 32: the last layer's output is the model's prediction (softmax), which is not quantized");
        List<String> sites = sites(conf, slots);
        for (int i = 0; i < last; i++) {
            int bits = activationBits.get(i);
            if (bits == 32) continue;
            String site = sites.get(i);
            org.deeplearning4j.nn.conf.layers.Layer l = ((LayerVertex) conf.getVertices().get(site)).getLayerConf().getLayer();
            String why = unsupported(l);
            if (why != null)
                throw new IllegalArgumentException("activationBits[" + i + "] is " + bits + ", but must be 32 for layer " + slots.get(i) + ": " + why);
            IActivation a = activationOf(l);
            if (a == null) throw new IllegalArgumentException("activationBits[" + i + "]: layer " + site + " applies no activation to quantize");
            if (a instanceof QuantizedActivation q) q.setTargetBits(bits);
            else setActivation(l, new QuantizedActivation(a, bits));
        }
    }

    /** The activation quantizer of each slot of {@code graph}, in slot order, null where the output is not quantized. */
    public static List<QuantizedActivation> of(ComputationGraph graph) {
        List<QuantizedActivation> out = new ArrayList<>();
        for (String site : sites(graph.getConfiguration(), slots(graph.getLayers())))
            out.add(activationOf(graph.getLayer(site).conf().getLayer()) instanceof QuantizedActivation q ? q : null);
        return out;
    }
}
