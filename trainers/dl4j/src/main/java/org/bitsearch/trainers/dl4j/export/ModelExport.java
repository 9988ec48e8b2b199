package org.bitsearch.trainers.dl4j.export;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.bitsearch.trainers.dl4j.data.InputShape;
import org.bitsearch.trainers.dl4j.quant.ActivationQuantization;
import org.bitsearch.trainers.dl4j.quant.BitatTransform;
import org.bitsearch.trainers.dl4j.quant.CpqQuantizer;
import org.bitsearch.trainers.dl4j.quant.QuantizedActivation;
import org.bitsearch.trainers.dl4j.quant.QuantizedWeightNoise;
import org.bitsearch.trainers.dl4j.quant.Quantizer;
import org.bitsearch.trainers.io.AtomicFiles;
import org.bitsearch.trainers.packed.PackedLayer;
import org.bitsearch.trainers.packed.PackedModel;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The two export forms of a trained quantized network (README, "Exported models"):
 * <ul>
 *   <li>a plain DL4J model zip ({@code ModelSerializer}): the weights replaced by their quantized values Q(W), the
 *       weight noise and activation quantizers removed from the configuration, so that stock DL4J loads it with no
 *       bitsearch class and its {@code output()} is the weight-quantized model's (with FP32 activations: the
 *       activation quantization is recorded in {@value #BITS_ENTRY} and applied by the packed form). Beside DL4J's entries the zip holds {@value #BITS_ENTRY} (the
 *       layer names and bit-widths, as JSON) and {@value #PACKED_ENTRY} (the packed form);</li>
 *   <li>the packed low-bit form ({@link PackedModel}, "BSQ1"): integer codes bit-packed at each layer's bit-width,
 *       the scales, the FP32 biases, the activation quantization parameters; {@code ReferenceInference} runs it
 *       without DL4J.</li>
 * </ul>
 * Supported for the packed form: dense, output, 2-D convolution (NCHW, dilation 1), max/average pooling, batch
 * normalisation (folded per channel, NCHW) and activation layers with identity, ReLU, softmax, tanh or sigmoid
 * activations, and for graphs element-wise Add vertices and global average pooling; anything else is an
 * {@link IllegalArgumentException} naming the layer or vertex. A dense layer quantized in BiTAT's basis
 * ({@link BitatTransform}, Park et al. 2022) exports its effective weights U·Q(Uᵀ W) in the plain zip, and in the
 * packed form two layers (its full-precision rotation with the group scales, then the low-bit levels): see {@link #packed}.
 */
public final class ModelExport {
    public static final String BITS_ENTRY = "bitsearch-bits.json";
    public static final String PACKED_ENTRY = "bitsearch-packed.bsq";
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One quantizable layer of the export: its name, weight bits, scale granularity and the quantization of its
     * output activations (bits 32: FP32; signed grid or not; the clipping value α, 0 when FP32). The plain DL4J
     * model computes FP32 activations (stock DL4J has no activation quantizer): a runtime applies these with the
     * grid of {@code ReferenceInference.quantizeActivation}, after the layer's nonlinearity.
     */
    public record LayerBits(String name, int bits, boolean perChannel, int activationBits, boolean activationSigned, float activationClip) {}

    /** The {@value #BITS_ENTRY} entry. */
    public record BitsEntry(int format, List<LayerBits> layers) {}

    private ModelExport() {}

    /** The quantizable layers of {@code net} (those with a {@link QuantizedWeightNoise}) in order, with their bits. */
    public static List<LayerBits> bits(MultiLayerNetwork net) {
        List<LayerBits> out = new ArrayList<>();
        List<QuantizedActivation> acts = ActivationQuantization.of(net.getLayers());
        for (Layer l : net.getLayers())
            if (l.conf().getLayer() instanceof BaseLayer b && b.getWeightNoise() instanceof QuantizedWeightNoise n) {
                QuantizedActivation a = acts.get(out.size());
                out.add(a == null || a.getTargetBits() == 32 ? new LayerBits(name(l), n.getTargetBits(), n.isPerChannel(), 32, false, 0f)
                        : new LayerBits(name(l), n.getTargetBits(), n.isPerChannel(), a.getTargetBits(), a.isSigned(), a.inferenceClip()));
            }
        return out;
    }

    private static String name(Layer l) {
        String n = l.conf().getLayer().getLayerName();
        return n == null ? "layer" + l.getIndex() : n;
    }

    /**
     * A copy of {@code net} for plain DL4J: no weight noise in its configuration, each quantized layer's weights
     * replaced by Q(W) at its target bits. Its inference output equals {@code net}'s (whose noise quantizes at
     * inference with the same quantizer).
     */
    public static MultiLayerNetwork plain(MultiLayerNetwork net) {
        MultiLayerConfiguration conf = MultiLayerConfiguration.fromJson(net.getLayerWiseConfigurations().toJson());
        List<int[]> quantized = new ArrayList<>();
        for (int i = 0; i < conf.getConfs().size(); i++)
            if (conf.getConf(i).getLayer() instanceof BaseLayer b && b.getWeightNoise() != null) {
                if (b.getWeightNoise() instanceof QuantizedWeightNoise q)
                    quantized.add(new int[]{i, q.getTargetBits(), q.isPerChannel() ? 1 : 0, q.getGridBits()});
                b.setWeightNoise(null);
            }
        for (int i = 0; i < conf.getConfs().size(); i++) {
            // FP32 activations; their quantization is recorded in BITS_ENTRY
            if (conf.getConf(i).getLayer() instanceof BaseLayer b && b.getActivationFn() instanceof QuantizedActivation a)
                b.setActivationFn(a.getInner());
            if (conf.getConf(i).getLayer() instanceof ActivationLayer al && al.getActivationFn() instanceof QuantizedActivation a)
                al.setActivationFn(a.getInner());
        }
        MultiLayerNetwork copy = new MultiLayerNetwork(conf);
        copy.init(net.params().dup(), false);
        for (int[] q : quantized) {
            BitatTransform t = transform(net.getLayer(q[0]));
            for (Map.Entry<String, INDArray> p : copy.getLayer(q[0]).paramTable().entrySet())
                if (QuantizedWeightNoise.WEIGHT_KEYS.contains(p.getKey()) && q[1] != 32) {
                    if (t != null && QuantizedWeightNoise.WEIGHT_KEY.equals(p.getKey())) p.getValue().assign(t.quantize(p.getValue(), q[1]));
                    else p.getValue().assign(QuantizedWeightNoise.quantize(p.getValue(), q[1], q[2] == 1,
                            QuantizedWeightNoise.WEIGHT_KEY.equals(p.getKey()) ? q[3] : 0));
                }
        }
        return copy;
    }

    /**
     * The packed form of {@code net} on inputs of {@code shape}: codes from the full-precision weights, so that
     * dequantizing them gives exactly the weights {@link #plain} holds.
     */
    public static PackedModel packed(MultiLayerNetwork net, InputShape shape) {
        List<PackedLayer> layers = new ArrayList<>();
        int[] chw = {shape.channels(), shape.rows(), shape.cols()};
        for (Layer l : net.getLayers()) layers.addAll(layer(l, name(l), chw));
        return new PackedModel(shape.channels(), shape.rows(), shape.cols(), shape.classes(), layers);
    }

    /**
     * The packed form of a {@code ComputationGraph} (one input, one output) on inputs of {@code shape}: its vertices in
     * DL4J's topological order, each layer with its inputs (format version 2): the layer kinds of the sequential form,
     * element-wise {@code Add} vertices and global average pooling. Anything else is an {@link IllegalArgumentException}
     * naming the vertex.
     */
    public static PackedModel packed(org.deeplearning4j.nn.graph.ComputationGraph graph, InputShape shape) {
        org.deeplearning4j.nn.conf.ComputationGraphConfiguration conf = graph.getConfiguration();
        if (conf.getNetworkInputs().size() != 1 || conf.getNetworkOutputs().size() != 1)
            throw new IllegalArgumentException("the packed export covers graphs of one input and one output");
        String input = conf.getNetworkInputs().get(0);
        Map<String, Integer> index = new java.util.HashMap<>();
        Map<String, int[]> shapes = new java.util.HashMap<>();
        index.put(input, -1);
        shapes.put(input, new int[]{shape.channels(), shape.rows(), shape.cols()});
        List<PackedLayer> layers = new ArrayList<>();
        for (String v : conf.getTopologicalOrderStr()) {
            if (v.equals(input)) continue;
            List<String> from = conf.getVertexInputs().get(v);
            int[] in = new int[from.size()];
            for (int k = 0; k < in.length; k++) {
                Integer i = index.get(from.get(k));
                if (i == null) throw new IllegalArgumentException("vertex " + v + " reads " + from.get(k) + ", which comes later in the order");
                in[k] = i;
            }
            int[] chw = shapes.get(from.get(0)).clone();
            org.deeplearning4j.nn.conf.graph.GraphVertex gv = conf.getVertices().get(v);
            PackedLayer p;
            if (gv instanceof org.deeplearning4j.nn.conf.graph.LayerVertex) {
                if (from.size() != 1) throw new IllegalArgumentException("vertex " + v + ": a layer with " + from.size() + " inputs is not supported by the packed export");
                List<PackedLayer> ps = layer(graph.getLayer(v), v, chw);
                if (ps.size() != 1) throw new IllegalArgumentException("vertex " + v + ": a BiTAT layer is not supported in a graph's packed export");
                p = ps.get(0);
            } else if (gv instanceof org.deeplearning4j.nn.conf.graph.ElementWiseVertex ew && ew.getOp() == org.deeplearning4j.nn.conf.graph.ElementWiseVertex.Op.Add) {
                for (String f : from)
                    if (!java.util.Arrays.equals(shapes.get(f), chw))
                        throw new IllegalArgumentException("vertex " + v + " adds inputs of shapes " + java.util.Arrays.toString(chw) + " and " + java.util.Arrays.toString(shapes.get(f)));
                p = new PackedLayer(PackedLayer.Kind.ADD, v, PackedLayer.Activation.IDENTITY, chw[0], chw[0], new int[]{1, 1, 1, 1, 0, 0, chw[1], chw[2], chw[1], chw[2]},
                        0, new double[0], new int[0], new float[0], 32, false, 0f, in);
            } else {
                throw new IllegalArgumentException("vertex " + v + ": " + gv.getClass().getSimpleName()
                        + (gv instanceof org.deeplearning4j.nn.conf.graph.ElementWiseVertex ew ? " " + ew.getOp() : "")
                        + " is not supported by the packed export (it covers layers, element-wise Add and global average pooling)");
            }
            layers.add(p.kind() == PackedLayer.Kind.ADD ? p : p.withInputs(in));
            index.put(v, layers.size() - 1);
            shapes.put(v, chw);
        }
        return new PackedModel(shape.channels(), shape.rows(), shape.cols(), shape.classes(), layers);
    }

    /**
     * One DL4J layer as packed layers (one, or two for a BiTAT dense layer), on inputs of {@code chw} (channels, height,
     * width), which it updates to its output.
     */
    private static List<PackedLayer> layer(Layer l, String name, int[] chw) {
        org.deeplearning4j.nn.conf.layers.Layer conf = l.conf().getLayer();
        int c = chw[0], h = chw[1], w = chw[2];
        PackedLayer out;
        if (conf instanceof ConvolutionLayer cv && conf.getClass() == ConvolutionLayer.class) {
            int[] g = geometry(name, cv.getKernelSize(), cv.getStride(), cv.getPadding(), cv.getConvolutionMode(), h, w);
            if (cv.getDilation()[0] != 1 || cv.getDilation()[1] != 1 || cv.getCnn2dDataFormat() != org.deeplearning4j.nn.conf.CNN2DFormat.NCHW)
                throw new IllegalArgumentException("layer " + name + ": the packed export supports NCHW convolutions without dilation");
            int nIn = (int) cv.getNIn(), nOut = (int) cv.getNOut();
            if (nIn != c) throw new IllegalArgumentException("layer " + name + " takes " + nIn + " channels, but its input has " + c);
            out = (weighted(l, PackedLayer.Kind.CONV2D, name, activation(name, cv.getActivationFn()), nIn, nOut, g, 'c'));
            c = nOut;
            h = g[8];
            w = g[9];
        } else if (conf instanceof SubsamplingLayer p && conf.getClass() == SubsamplingLayer.class) {
            PackedLayer.Kind kind = switch (p.getPoolingType()) {
                case MAX -> PackedLayer.Kind.MAX_POOL;
                case AVG -> PackedLayer.Kind.AVG_POOL;
                default -> throw new IllegalArgumentException("layer " + name + ": pooling " + p.getPoolingType() + " is not supported by the packed export");
            };
            if (p.getPoolingType() == PoolingType.AVG && (p.getPadding()[0] != 0 || p.getPadding()[1] != 0))
                throw new IllegalArgumentException("layer " + name + ": padded average pooling is not supported by the packed export");
            int[] g = geometry(name, p.getKernelSize(), p.getStride(), p.getPadding(), p.getConvolutionMode(), h, w);
            out = (new PackedLayer(kind, name, PackedLayer.Activation.IDENTITY, c, c, g, 0, new double[0],
                    new int[0], new float[0], 32, false, 0f));
            h = g[8];
            w = g[9];
        } else if (conf instanceof BatchNormalization bn) {
            out = (batchNorm(l, bn, name, c, h, w));
        } else if (conf instanceof ActivationLayer al) {
            QuantizedActivation qa = al.getActivationFn() instanceof QuantizedActivation q && q.getTargetBits() != 32 ? q : null;
            out = (new PackedLayer(PackedLayer.Kind.ACTIVATION, name, activation(name, al.getActivationFn()), c, c,
                    new int[]{1, 1, 1, 1, 0, 0, h, w, h, w}, 0, new double[0], new int[0], new float[0],
                    qa == null ? 32 : qa.getTargetBits(), qa != null && qa.isSigned(), qa == null ? 0f : qa.inferenceClip()));
        } else if (conf instanceof org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer gp) {
            if (gp.getPoolingType() != PoolingType.AVG)
                throw new IllegalArgumentException("layer " + name + ": global " + gp.getPoolingType() + " pooling is not supported by the packed export");
            out = new PackedLayer(PackedLayer.Kind.GLOBAL_AVG_POOL, name, PackedLayer.Activation.IDENTITY, c, c,
                    new int[]{1, 1, 1, 1, 0, 0, h, w, 1, 1}, 0, new double[0], new int[0], new float[0], 32, false, 0f);
            h = 1;
            w = 1;
        } else if (conf instanceof DenseLayer || conf instanceof OutputLayer) {
            org.deeplearning4j.nn.conf.layers.FeedForwardLayer ff = (org.deeplearning4j.nn.conf.layers.FeedForwardLayer) conf;
            int nIn = (int) ff.getNIn(), nOut = (int) ff.getNOut();
            if (nIn != c * h * w) throw new IllegalArgumentException("layer " + name + " takes " + nIn + " inputs, but its input has " + c * h * w);
            BitatTransform t = transform(l);
            if (t != null && ((QuantizedWeightNoise) ((BaseLayer) conf).getWeightNoise()).getTargetBits() != 32) {
                chw[0] = nOut;
                chw[1] = 1;
                chw[2] = 1;
                return bitat(l, t, name, activation(name, ((BaseLayer) conf).getActivationFn()), nIn, nOut);
            }
            out = (weighted(l, PackedLayer.Kind.DENSE, name, activation(name, ((BaseLayer) conf).getActivationFn()), nIn, nOut, new int[0], 'f'));
            c = nOut;
            h = 1;
            w = 1;
        } else {
            throw new IllegalArgumentException("layer " + name + ": " + conf.getClass().getSimpleName() + " is not supported by the packed export");
        }
        chw[0] = c;
        chw[1] = h;
        chw[2] = w;
        return List.of(out);
    }

    private static PackedLayer weighted(Layer l, PackedLayer.Kind kind, String name, PackedLayer.Activation act,
                                        int nIn, int nOut, int[] g, char order) {
        INDArray wArr = l.getParam(QuantizedWeightNoise.WEIGHT_KEY);
        // output-channel-major: columns of [nIn, nOut] ('f' order), or [nOut, nIn, kH, kW] in 'c' order
        float[] values = wArr.castTo(DataType.FLOAT).dup(order).data().asFloat();
        int bits = 32, gridBits = 0;
        boolean perChannel = false;
        if (l.conf().getLayer() instanceof BaseLayer b && b.getWeightNoise() instanceof QuantizedWeightNoise q) {
            bits = q.getTargetBits();
            perChannel = q.isPerChannel();
            gridBits = q.getGridBits();
        }
        int[] codes;
        double[] scales;
        if (bits == 32) {
            codes = new int[values.length];
            for (int i = 0; i < values.length; i++) codes[i] = Float.floatToRawIntBits(values[i]);
            scales = new double[0];
        } else {
            // a CPQ layer's levels lie on its nested grid G_bits of width gridBits (CpqQuantizer)
            Quantizer.Levels lv = gridBits > 0 ? CpqQuantizer.levels(values, perChannel ? nOut : 1, gridBits, bits)
                    : Quantizer.levels(values, perChannel ? nOut : 1, bits);
            codes = new int[values.length];
            for (int i = 0; i < codes.length; i++) codes[i] = PackedLayer.code(lv.levels()[i], bits);
            scales = lv.scales();
        }
        INDArray b = l.getParam("b");
        float[] biases = b == null ? new float[0] : b.castTo(DataType.FLOAT).dup('c').data().asFloat();
        if (l.conf().getLayer() instanceof BaseLayer bl && bl.getActivationFn() instanceof QuantizedActivation qa && qa.getTargetBits() != 32)
            return new PackedLayer(kind, name, act, nIn, nOut, g, bits, scales, codes, biases, qa.getTargetBits(), qa.isSigned(), qa.inferenceClip());
        return new PackedLayer(kind, name, act, nIn, nOut, g, bits, scales, codes, biases, 32, false, 0f);
    }

    /**
     * Inference batch normalisation folded per channel: a_c = γ_c / σ_c, b_c = β_c − μ_c·a_c, with σ_c = 10^log10stdev
     * (DL4J's default {@code useLogStd}) or sqrt(var_c + ε), computed in double and stored as FP32.
     */
    private static PackedLayer batchNorm(Layer l, BatchNormalization bn, String name, int c, int h, int w) {
        if (bn.isLockGammaBeta()) throw new IllegalArgumentException("layer " + name + ": batch normalisation with lockGammaBeta is not supported by the packed export");
        if (bn.getCnn2DFormat() != org.deeplearning4j.nn.conf.CNN2DFormat.NCHW)
            throw new IllegalArgumentException("layer " + name + ": the packed export supports NCHW batch normalisation");
        if (bn.getNOut() != c) throw new IllegalArgumentException("layer " + name + " normalises " + bn.getNOut() + " channels, but its input has " + c);
        double[] gamma = l.getParam("gamma").castTo(DataType.DOUBLE).toDoubleVector(), beta = l.getParam("beta").castTo(DataType.DOUBLE).toDoubleVector(),
                mean = l.getParam("mean").castTo(DataType.DOUBLE).toDoubleVector();
        INDArray logStd = l.paramTable().get("log10stdev");
        double[] std = new double[c];
        if (logStd != null) {
            double[] ls = logStd.castTo(DataType.DOUBLE).toDoubleVector();
            for (int i = 0; i < c; i++) std[i] = Math.pow(10, ls[i]);
        } else {
            double[] var = l.getParam("var").castTo(DataType.DOUBLE).toDoubleVector();
            for (int i = 0; i < c; i++) std[i] = Math.sqrt(var[i] + bn.getEps());
        }
        int[] scale = new int[c];
        float[] shift = new float[c];
        for (int i = 0; i < c; i++) {
            double a = gamma[i] / std[i];
            scale[i] = Float.floatToRawIntBits((float) a);
            shift[i] = (float) (beta[i] - mean[i] * a);
        }
        return new PackedLayer(PackedLayer.Kind.BATCH_NORM, name, PackedLayer.Activation.IDENTITY, // DL4J's BatchNormalization ignores its activation
                c, c, new int[]{1, 1, 1, 1, 0, 0, h, w, h, w}, 32, new double[0], scale, shift, 32, false, 0f);
    }

    /** The BiTAT transformation a layer's weight noise quantizes in, or null. */
    private static BitatTransform transform(Layer l) {
        return l.conf().getLayer() instanceof BaseLayer b && b.getWeightNoise() instanceof QuantizedWeightNoise n ? n.transform() : null;
    }

    /**
     * A BiTAT dense layer (README, "BiTAT"): it computes x·U Q(Uᵀ W) = (x·U·diag(a))·C ({@link BitatTransform.Factors}),
     * so the packed form holds two dense layers: {@code <name>.basis}, the full-precision rotation with the group
     * scales folded in (nIn → nIn, identity, no bias, FP32 output), then {@code <name>} with the integer levels C at
     * the layer's bits (one scale, 1), its bias, activation and activation quantization.
     */
    private static List<PackedLayer> bitat(Layer l, BitatTransform t, String name, PackedLayer.Activation act, int nIn, int nOut) {
        int bits = ((QuantizedWeightNoise) ((BaseLayer) l.conf().getLayer()).getWeightNoise()).getTargetBits();
        BitatTransform.Factors f = t.factors(l.getParam(QuantizedWeightNoise.WEIGHT_KEY), bits);
        float[] basis = f.scaledBasis().castTo(DataType.FLOAT).dup('f').data().asFloat(); // columns = output channels
        int[] basisCodes = new int[basis.length];
        for (int i = 0; i < basis.length; i++) basisCodes[i] = Float.floatToRawIntBits(basis[i]);
        PackedLayer rotation = new PackedLayer(PackedLayer.Kind.DENSE, name + ".basis", PackedLayer.Activation.IDENTITY, nIn, nIn,
                new int[0], 32, new double[0], basisCodes, new float[0], 32, false, 0f);
        int[] codes = new int[nIn * nOut];
        for (int i = 0; i < nIn; i++)
            for (int j = 0; j < nOut; j++) codes[j * nIn + i] = PackedLayer.code(f.levels()[i * nOut + j], bits); // output-channel-major
        INDArray b = l.getParam("b");
        float[] biases = b == null ? new float[0] : b.castTo(DataType.FLOAT).dup('c').data().asFloat();
        QuantizedActivation qa = l.conf().getLayer() instanceof BaseLayer bl && bl.getActivationFn() instanceof QuantizedActivation q
                && q.getTargetBits() != 32 ? q : null;
        PackedLayer levels = qa == null
                ? new PackedLayer(PackedLayer.Kind.DENSE, name, act, nIn, nOut, new int[0], bits, new double[]{1.0}, codes, biases, 32, false, 0f)
                : new PackedLayer(PackedLayer.Kind.DENSE, name, act, nIn, nOut, new int[0], bits, new double[]{1.0}, codes, biases,
                        qa.getTargetBits(), qa.isSigned(), qa.inferenceClip());
        return List.of(rotation, levels);
    }

    /** kH kW sH sW padTop padLeft inH inW outH outW, with DL4J's output size rules for the mode. */
    static int[] geometry(String name, int[] k, int[] s, int[] p, ConvolutionMode mode, int h, int w) {
        int oh, ow, pt, pl;
        if (mode == ConvolutionMode.Same) {
            oh = (h + s[0] - 1) / s[0];
            ow = (w + s[1] - 1) / s[1];
            pt = Math.max(0, ((oh - 1) * s[0] + k[0] - h) / 2);
            pl = Math.max(0, ((ow - 1) * s[1] + k[1] - w) / 2);
        } else if (mode == ConvolutionMode.Truncate || mode == ConvolutionMode.Strict) {
            oh = (h - k[0] + 2 * p[0]) / s[0] + 1;
            ow = (w - k[1] + 2 * p[1]) / s[1] + 1;
            pt = p[0];
            pl = p[1];
        } else {
            throw new IllegalArgumentException("layer " + name + ": convolution mode " + mode + " is not supported by the packed export");
        }
        return new int[]{k[0], k[1], s[0], s[1], pt, pl, h, w, oh, ow};
    }

    private static PackedLayer.Activation activation(String name, IActivation a) {
        if (a instanceof QuantizedActivation q) return activation(name, q.getInner());
        if (a instanceof ActivationReLU) return PackedLayer.Activation.RELU;
        if (a instanceof ActivationSoftmax) return PackedLayer.Activation.SOFTMAX;
        if (a instanceof ActivationIdentity) return PackedLayer.Activation.IDENTITY;
        if (a instanceof ActivationTanH) return PackedLayer.Activation.TANH;
        if (a instanceof ActivationSigmoid) return PackedLayer.Activation.SIGMOID;
        throw new IllegalArgumentException("layer " + name + ": activation " + a + " is not supported by the packed export");
    }

    /**
     * Writes the plain DL4J zip of {@code net} with the bits and packed entries to {@code file}, atomically. When
     * the packed form is not supported for the network the zip has no packed entry and the reason is returned.
     *
     * @return null when both forms were written, else why the packed form is missing
     */
    public static String write(Path file, MultiLayerNetwork net, InputShape shape) throws IOException {
        MultiLayerNetwork plain = plain(net);
        byte[] bitsJson = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(new BitsEntry(1, bits(net)));
        byte[] packedBytes;
        String missing = null;
        try {
            packedBytes = packed(net, shape).toBytes();
        } catch (IllegalArgumentException e) {
            packedBytes = null;
            missing = e.getMessage();
        }
        byte[] packedFinal = packedBytes;
        AtomicFiles.write(file, tmp -> {
            ModelSerializer.writeModel(plain, tmp.toFile(), false);
            try (FileSystem zip = FileSystems.newFileSystem(URI.create("jar:" + tmp.toUri()), Map.of())) {
                Files.write(zip.getPath(BITS_ENTRY), bitsJson);
                if (packedFinal != null) Files.write(zip.getPath(PACKED_ENTRY), packedFinal);
            }
        });
        return missing;
    }

    /**
     * A ComputationGraph's export: the plain DL4J zip (noise removed, weights Q(W)) with the bits entry and, when
     * {@link #packed(org.deeplearning4j.nn.graph.ComputationGraph, InputShape)} covers its vertices, the packed form.
     *
     * @return null when both forms were written, else why the packed form is missing (naming the vertex)
     */
    public static String write(Path file, org.deeplearning4j.nn.graph.ComputationGraph graph, InputShape shape) throws IOException {
        org.deeplearning4j.nn.conf.ComputationGraphConfiguration conf =
                org.deeplearning4j.nn.conf.ComputationGraphConfiguration.fromJson(graph.getConfiguration().toJson());
        List<LayerBits> bits = new ArrayList<>();
        Map<String, int[]> quantized = new java.util.HashMap<>();
        List<QuantizedActivation> acts = ActivationQuantization.of(graph);
        for (Layer l : graph.getLayers()) {
            String name = l.conf().getLayer().getLayerName();
            if (l.conf().getLayer() instanceof BaseLayer b && b.getWeightNoise() instanceof QuantizedWeightNoise n) {
                QuantizedActivation a = acts.get(bits.size());
                bits.add(a == null || a.getTargetBits() == 32 ? new LayerBits(name, n.getTargetBits(), n.isPerChannel(), 32, false, 0f)
                        : new LayerBits(name, n.getTargetBits(), n.isPerChannel(), a.getTargetBits(), a.isSigned(), a.inferenceClip()));
                quantized.put(name, new int[]{n.getTargetBits(), n.isPerChannel() ? 1 : 0, n.getGridBits()});
            }
        }
        for (var v : conf.getVertices().values())
            if (v instanceof org.deeplearning4j.nn.conf.graph.LayerVertex lv) {
                if (lv.getLayerConf().getLayer() instanceof BaseLayer b) {
                    b.setWeightNoise(null);
                    if (b.getActivationFn() instanceof QuantizedActivation a) b.setActivationFn(a.getInner());
                }
                if (lv.getLayerConf().getLayer() instanceof ActivationLayer al && al.getActivationFn() instanceof QuantizedActivation a)
                    al.setActivationFn(a.getInner()); // FP32 activations in the plain zip, recorded in BITS_ENTRY
            }
        org.deeplearning4j.nn.graph.ComputationGraph copy = new org.deeplearning4j.nn.graph.ComputationGraph(conf);
        copy.init(graph.params().dup(), false);
        for (Layer l : copy.getLayers()) {
            int[] q = quantized.get(l.conf().getLayer().getLayerName());
            if (q == null || q[0] == 32) continue;
            for (Map.Entry<String, INDArray> p : l.paramTable().entrySet())
                if (QuantizedWeightNoise.WEIGHT_KEYS.contains(p.getKey()))
                    p.getValue().assign(QuantizedWeightNoise.quantize(p.getValue(), q[0], q[1] == 1,
                            QuantizedWeightNoise.WEIGHT_KEY.equals(p.getKey()) ? q[2] : 0));
        }
        byte[] bitsJson = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(new BitsEntry(1, bits));
        byte[] packedBytes;
        String missing = null;
        try {
            packedBytes = packed(graph, shape).toBytes();
        } catch (IllegalArgumentException e) {
            packedBytes = null;
            missing = e.getMessage();
        }
        byte[] packedFinal = packedBytes;
        AtomicFiles.write(file, tmp -> {
            ModelSerializer.writeModel(copy, tmp.toFile(), false);
            try (FileSystem zip = FileSystems.newFileSystem(URI.create("jar:" + tmp.toUri()), Map.of())) {
                Files.write(zip.getPath(BITS_ENTRY), bitsJson);
                if (packedFinal != null) Files.write(zip.getPath(PACKED_ENTRY), packedFinal);
            }
        });
        return missing;
    }

    /** The packed entry of an export zip, if it has one. */
    public static java.util.Optional<byte[]> packedEntry(Path zipFile) throws IOException {
        try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(zipFile.toFile())) {
            java.util.zip.ZipEntry e = z.getEntry(PACKED_ENTRY);
            if (e == null) return java.util.Optional.empty();
            try (var in = z.getInputStream(e)) {
                return java.util.Optional.of(in.readAllBytes());
            }
        }
    }
}
