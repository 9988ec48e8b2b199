package org.bitsearch.trainers.dl4j.fast;

import org.bitsearch.trainers.dl4j.quant.QuantizedActivation;
import org.bitsearch.trainers.dl4j.quant.QuantizedWeightNoise;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.OptimizationAlgorithm;
import org.deeplearning4j.nn.conf.BackpropType;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.MultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.learning.regularization.WeightDecay;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.schedule.FixedSchedule;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a fast step computes for a network, read from its DL4J configuration, or why it cannot: the layers
 * ({@code DenseLayer} with ReLU, {@code ConvolutionLayer} with ReLU (either ReLU possibly inside a
 * {@link QuantizedActivation}) (stride 1, no padding, NCHW) and max
 * {@code SubsamplingLayer} (window = stride, no padding), with {@code FeedForwardToCnnPreProcessor} /
 * {@code CnnToFeedForwardPreProcessor} between them, then an {@code OutputLayer} with softmax and
 * {@code LossMCXENT}), their offsets in the flat parameter array, and the updater blocks. Anything else (other layers, activations or losses, dropout,
 * constraints, gradient normalisation, L1/L2, input preprocessors, listeners, other updaters, non-FLOAT data, truncated
 * BPTT, a non-SGD optimisation algorithm, a non-CPU backend) is reported as unsupported, and the caller trains with {@code fit}.
 */
record FastPlan(int inputSize, List<LayerSpec> layers, List<UpdateRule> rules, Map<UpdateRule, Integer> stateOffsets) {

    /** One layer of the step, in order. */
    sealed interface LayerSpec permits Dense, Conv, Pool, Flatten {
        /** Values per sample of the layer's output. */
        int outSize();
    }

    /**
     * A dense layer: W at wOffset (DL4J 'f' order [nIn, nOut]), b at bOffset; the output layer has clip set;
     * {@code act} quantizes the ReLU output (null: FP32).
     */
    record Dense(int nIn, int nOut, int wOffset, int bOffset, QuantizedWeightNoise noise, boolean output, double clip,
                 QuantizedActivation act) implements LayerSpec {
        public int outSize() { return nOut; }
    }

    /** A convolution with ReLU on [c, h, w] inputs: W [o, c, kh, kw] 'c' at wOffset, b at bOffset; {@code act} as for dense. */
    record Conv(int c, int h, int w, int o, int kh, int kw, int wOffset, int bOffset, QuantizedWeightNoise noise,
                QuantizedActivation act) implements LayerSpec {
        public int outSize() { return o * (h - kh + 1) * (w - kw + 1); }
    }

    /** k×k max pooling with stride k on [c, h, w]. */
    record Pool(int c, int h, int w, int k) implements LayerSpec {
        public int outSize() { return c * ((h - k) / k + 1) * ((w - k) / k + 1); }
    }

    /** Planes [c, h·w] to rows (DL4J's CnnToFeedForwardPreProcessor). */
    record Flatten(int c, int hw) implements LayerSpec {
        public int outSize() { return c * hw; }
    }

    /** The plan, or the reason there is none. */
    record Analysis(FastPlan plan, Optional<String> reason) {
        static Analysis no(String why) { return new Analysis(null, Optional.of(why)); }
    }

    int stateOffset(UpdateRule r) { return stateOffsets.get(r); }

    static Analysis analyse(MultiLayerNetwork net) {
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
        if (!org.nd4j.linalg.factory.Nd4j.getEnvironment().isCPU()) return Analysis.no("the ND4J backend is not the CPU one");
        if (conf.getDataType() != DataType.FLOAT) return Analysis.no("data type is " + conf.getDataType() + ", not FLOAT");
        if (conf.getBackpropType() != BackpropType.Standard) return Analysis.no("backprop type " + conf.getBackpropType());
        if (!net.getListeners().isEmpty()) return Analysis.no("the network has listeners");
        Layer[] layers = net.getLayers();
        if (layers == null || layers.length < 1) return Analysis.no("the network is not initialised");
        INDArray flat = net.params();
        List<LayerSpec> specs = new ArrayList<>();
        Map<String, ParamInfo> paramInfo = new HashMap<>();
        int inputSize = -1;
        int[] planes = null; // [c, h, w] while the activations are images, null while they are rows
        int rows = -1;
        for (int i = 0; i < layers.length; i++) {
            Layer l = layers[i];
            org.deeplearning4j.nn.conf.layers.Layer lc = l.conf().getLayer();
            NeuralNetConfiguration nnc = l.conf();
            String where = "layer " + i + " (" + lc.getClass().getSimpleName() + ")";
            if (!nnc.isMiniBatch()) return Analysis.no(where + " does not divide by the minibatch");
            if (nnc.getOptimizationAlgo() != OptimizationAlgorithm.STOCHASTIC_GRADIENT_DESCENT)
                return Analysis.no(where + " uses " + nnc.getOptimizationAlgo());
            if (nnc.getStepFunction() != null) return Analysis.no(where + " has a step function");
            InputPreProcessor pre = conf.getInputPreProcess(i);
            if (pre instanceof FeedForwardToCnnPreProcessor f) {
                if (i != 0 || f.getNumChannels() != 1) return Analysis.no(where + " has a feed-forward-to-CNN preprocessor after the input or with " + f.getNumChannels() + " channels");
                inputSize = (int) (f.getInputHeight() * f.getInputWidth());
                planes = new int[]{1, (int) f.getInputHeight(), (int) f.getInputWidth()};
            } else if (pre instanceof CnnToFeedForwardPreProcessor f) {
                if (planes == null || f.getFormat() != CNN2DFormat.NCHW || f.getNumChannels() != planes[0]
                        || f.getInputHeight() != planes[1] || f.getInputWidth() != planes[2])
                    return Analysis.no(where + " has a CNN-to-feed-forward preprocessor that does not match the layer before");
                specs.add(new Flatten(planes[0], planes[1] * planes[2]));
                rows = planes[0] * planes[1] * planes[2];
                planes = null;
            } else if (pre != null) {
                return Analysis.no(where + " has input preprocessor " + pre.getClass().getSimpleName());
            }
            if (lc.getClass() == SubsamplingLayer.class) {
                SubsamplingLayer sl = (SubsamplingLayer) lc;
                if (planes == null) return Analysis.no(where + " pools rows, not images");
                int[] k = sl.getKernelSize(), st = sl.getStride(), pad = sl.getPadding();
                if (sl.getPoolingType() != org.deeplearning4j.nn.conf.layers.PoolingType.MAX || k[0] != k[1] || st[0] != k[0]
                        || st[1] != k[1] || pad[0] != 0 || pad[1] != 0 || sl.getConvolutionMode() != ConvolutionMode.Truncate
                        || sl.getCnn2dDataFormat() != CNN2DFormat.NCHW || sl.getDilation()[0] != 1 || sl.getDilation()[1] != 1
                        || planes[1] < k[0] || planes[2] < k[0])
                    return Analysis.no(where + " is not square max pooling with stride = window, no padding, NCHW");
                Pool p = new Pool(planes[0], planes[1], planes[2], k[0]);
                specs.add(p);
                planes = new int[]{planes[0], (planes[1] - k[0]) / k[0] + 1, (planes[2] - k[0]) / k[0] + 1};
                continue;
            }
            boolean output = lc.getClass() == OutputLayer.class, conv = lc.getClass() == ConvolutionLayer.class;
            if (lc.getClass() != DenseLayer.class && !output && !conv)
                return Analysis.no(where + " is not a dense, convolution, max-pooling or output layer");
            if (output != (i == layers.length - 1)) return Analysis.no(where + ": the output layer must be last");
            BaseLayer b = (BaseLayer) lc;
            if (b.getIDropout() != null) return Analysis.no(where + " has dropout");
            if (b.getConstraints() != null && !b.getConstraints().isEmpty()) return Analysis.no(where + " has constraints");
            if (b.getGradientNormalization() != null && b.getGradientNormalization() != GradientNormalization.None)
                return Analysis.no(where + " normalises gradients");
            if (b.getWeightNoise() != null && !(b.getWeightNoise() instanceof QuantizedWeightNoise))
                return Analysis.no(where + " has weight noise " + b.getWeightNoise().getClass().getSimpleName());
            if (output) {
                OutputLayer o = (OutputLayer) lc;
                if (!(o.getActivationFn() instanceof ActivationSoftmax)) return Analysis.no(where + " is not softmax");
                if (!(o.getLossFn() instanceof LossMCXENT m) || m.getClass() != LossMCXENT.class || m.getWeights() != null)
                    return Analysis.no(where + " has loss " + o.getLossFn());
                if (!o.hasBias()) return Analysis.no(where + " has no bias");
            } else if (!plainRelu(b.getActivationFn())) {
                return Analysis.no(where + " has activation " + b.getActivationFn());
            } else if (conv) {
                if (!((ConvolutionLayer) lc).hasBias()) return Analysis.no(where + " has no bias");
            } else {
                DenseLayer d = (DenseLayer) lc;
                if (!d.hasBias()) return Analysis.no(where + " has no bias");
                if (d.hasLayerNorm()) return Analysis.no(where + " has layer normalisation");
            }
            Map<String, INDArray> table = l.paramTable();
            INDArray w = table.get("W"), bias = table.get("b");
            if (w == null || bias == null || table.size() != 2) return Analysis.no(where + " has parameters " + table.keySet());
            int wOff = offset(flat, w), bOff = offset(flat, bias);
            if (wOff < 0 || bOff < 0) return Analysis.no(where + ": parameters are not views of the flat array");
            QuantizedWeightNoise noise = (QuantizedWeightNoise) b.getWeightNoise();
            QuantizedActivation act = b.getActivationFn() instanceof QuantizedActivation q ? q : null;
            if (conv) {
                ConvolutionLayer cl = (ConvolutionLayer) lc;
                if (planes == null) return Analysis.no(where + " convolves rows, not images");
                int[] st = cl.getStride(), pad = cl.getPadding(), dil = cl.getDilation();
                if (st[0] != 1 || st[1] != 1 || pad[0] != 0 || pad[1] != 0 || dil[0] != 1 || dil[1] != 1
                        || cl.getConvolutionMode() != ConvolutionMode.Truncate || cl.getCnn2dDataFormat() != CNN2DFormat.NCHW)
                    return Analysis.no(where + " is not a stride-1, unpadded, NCHW convolution");
                if (w.rank() != 4 || w.ordering() != 'c' || w.size(1) != planes[0])
                    return Analysis.no(where + ": W is not a 'c' [out, " + planes[0] + ", kh, kw] array");
                int o = (int) w.size(0), kh = (int) w.size(2), kw = (int) w.size(3);
                if (kh > planes[1] || kw > planes[2]) return Analysis.no(where + ": the kernel is larger than the image");
                specs.add(new Conv(planes[0], planes[1], planes[2], o, kh, kw, wOff, bOff, noise, act));
                planes = new int[]{o, planes[1] - kh + 1, planes[2] - kw + 1};
            } else {
                if (planes != null) return Analysis.no(where + " takes images without a CNN-to-feed-forward preprocessor");
                if (w.rank() != 2 || w.ordering() != 'f') return Analysis.no(where + ": W is not an 'f' matrix");
                int nIn = (int) w.size(0), nOut = (int) w.size(1);
                if (i == 0) inputSize = nIn;
                else if (rows != nIn) return Analysis.no(where + " takes " + nIn + " inputs, but the layer before gives " + rows);
                specs.add(new Dense(nIn, nOut, wOff, bOff, noise, output,
                        output ? ((LossMCXENT) ((OutputLayer) lc).getLossFn()).getSoftmaxClipEps() : 0, act));
                rows = nOut;
            }
            for (String p : List.of("W", "b")) {
                List<Regularization> regs = lc.getRegularizationByParam(p);
                List<Double> coeffs = new ArrayList<>();
                List<Boolean> applyLr = new ArrayList<>();
                if (regs != null) for (Regularization r : regs) {
                    if (!(r instanceof WeightDecay wd) || !(wd.getCoeff() instanceof FixedSchedule fs))
                        return Analysis.no(where + " has regularisation " + r);
                    coeffs.add(fs.getValue());
                    applyLr.add(wd.isApplyLR());
                }
                INDArray v = p.equals("W") ? w : bias;
                int off = p.equals("W") ? wOff : bOff;
                paramInfo.put(off + ":" + v.length(), new ParamInfo(off, (int) v.length(), coeffs, applyLr));
            }
        }
        if (specs.isEmpty() || !(specs.get(specs.size() - 1) instanceof Dense last) || !last.output())
            return Analysis.no("the last layer is not an output layer");
        MultiLayerUpdater updater = (MultiLayerUpdater) net.getUpdater();
        List<UpdateRule> rules = new ArrayList<>();
        Map<UpdateRule, Integer> stateOffsets = new IdentityHashMap<>();
        long covered = 0;
        for (UpdaterBlock ub : updater.getUpdaterBlocks()) {
            var cfg = ub.getGradientUpdater().getConfig();
            UpdateRule.Kind kind = UpdateRule.kindOf(cfg);
            if (kind == null) return Analysis.no("updater " + cfg.getClass().getSimpleName());
            int from = ub.getParamOffsetStart(), to = ub.getParamOffsetEnd();
            List<int[]> ranges = new ArrayList<>();
            List<double[]> coeffs = new ArrayList<>();
            List<boolean[]> lrs = new ArrayList<>();
            for (ParamInfo pi : paramInfo.values()) {
                if (pi.offset >= to || pi.offset + pi.length <= from || pi.coeffs.isEmpty()) continue;
                if (pi.offset < from || pi.offset + pi.length > to) return Analysis.no("a parameter straddles updater blocks");
                ranges.add(new int[]{pi.offset, pi.offset + pi.length});
                coeffs.add(pi.coeffs.stream().mapToDouble(Double::doubleValue).toArray());
                boolean[] a = new boolean[pi.applyLr.size()];
                for (int k = 0; k < a.length; k++) a[k] = pi.applyLr.get(k);
                lrs.add(a);
            }
            UpdateRule rule = new UpdateRule(cfg, from, to, ranges.toArray(int[][]::new), coeffs.toArray(double[][]::new),
                    lrs.toArray(boolean[][]::new));
            int stateLen = ub.getUpdaterViewOffsetEnd() - ub.getUpdaterViewOffsetStart();
            if (stateLen != rule.stateArrays() * (to - from)) return Analysis.no("updater state of " + stateLen + " values for " + (to - from) + " parameters");
            rules.add(rule);
            stateOffsets.put(rule, ub.getUpdaterViewOffsetStart());
            covered += to - from;
        }
        if (covered != net.numParams()) return Analysis.no("the updater blocks cover " + covered + " of " + net.numParams() + " parameters");
        return new Analysis(new FastPlan(inputSize, List.copyOf(specs), List.copyOf(rules), stateOffsets), Optional.empty());
    }

    private record ParamInfo(int offset, int length, List<Double> coeffs, List<Boolean> applyLr) {}

    /** DL4J's plain ReLU, or a {@link QuantizedActivation} (unsigned) around it. */
    private static boolean plainRelu(org.nd4j.linalg.activations.IActivation a) {
        if (a instanceof QuantizedActivation q) return !q.isSigned() && plainRelu(q.getInner());
        return a instanceof ActivationReLU r && r.getClass() == ActivationReLU.class && r.equals(new ActivationReLU());
    }

    /** Offset of a parameter view in the flat array, or -1 if it is not a contiguous view of it. */
    static int offset(INDArray flat, INDArray view) {
        if (view.data() != flat.data() && view.data().address() != flat.data().address()) return -1;
        if (view.elementWiseStride() != 1 && view.length() > 1) return -1;
        return Math.toIntExact(view.offset() - flat.offset());
    }
}
