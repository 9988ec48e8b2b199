package org.bitsearch.trainers.dl4j.model;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.factory.Nd4j;

import java.lang.reflect.Field;

/**
 * Routes the convolution layers of a network through {@link Im2colConvHelper} (im2col in Java + BLAS gemm) on the
 * CPU backend.
 *
 * <p>Why: without a layer helper DL4J 1.0.0-M2.1's {@code ConvolutionLayer} runs its own im2col path, which
 * writes im2col's output into a permuted view; libnd4j then copies element by element through strided index
 * arithmetic, and a LeNet step spent ~70% of its time in {@code im2col}/{@code col2im} (profiled with thread
 * dumps: about 550 samples per CPU-second). DL4J's own CPU helper does not help: helpers are off unless the
 * system property {@code org.eclipse.deeplearning4j.helpers.disable} is {@code false}, its
 * {@code MKLDNNConvHelper} then disables itself (its check looks up {@code org.nd4j.nativeblas.Nd4jCpu$Environment},
 * a class M2.1 no longer has), and forcing it on reaches libnd4j's native {@code conv2d}, which uses the same slow
 * im2col (about 700 samples per CPU-second; the {@code -onednn-avx2} build was no faster either).
 *
 * <p>The helper is set on the layer instance by reflection ({@code ConvolutionLayer.helper} is protected and set
 * only by the layer's package-private initialiser); nothing is serialised, so saved models and checkpoints are
 * unchanged. Call after {@code init()} and before the first forward pass, on the network's thread. On the CUDA
 * backend nothing is changed (DL4J's cuDNN helper applies there).
 */
public final class NativeConvolution {
    private static final Field HELPER = helperField();

    private NativeConvolution() {}

    /**
     * Installs the im2col helper on every supported convolution layer (NCHW, dilation 1) of {@code net} that has none; returns how many it
     * changed (0 on a non-CPU backend).
     *
     * @throws IllegalStateException if DL4J's layer class no longer has the field (a DL4J upgrade)
     */
    public static int install(MultiLayerNetwork net) {
        return install(net.getLayers(), net.getLayerWiseConfigurations().getDataType());
    }

    /** {@link #install(MultiLayerNetwork)} for either kind of network. */
    public static int install(Net net) {
        return net instanceof Net.Mln m ? install(m.net())
                : install(net.layers(), ((Net.Graph) net).graph().getConfiguration().getDataType());
    }

    private static int install(Layer[] layers, org.nd4j.linalg.api.buffer.DataType type) {
        if (type != org.nd4j.linalg.api.buffer.DataType.FLOAT
                || !"CPU".equalsIgnoreCase(Nd4j.getExecutioner().getEnvironmentInformation().getProperty("backend")))
            return 0;
        int changed = 0;
        for (Layer l : layers) {
            if (!(l instanceof ConvolutionLayer c) || c.getClass() != ConvolutionLayer.class || c.getHelper() != null
                    || !supported((org.deeplearning4j.nn.conf.layers.ConvolutionLayer) c.conf().getLayer())) continue;
            try {
                HELPER.set(c, new Im2colConvHelper());
            } catch (IllegalAccessException e) {
                throw new IllegalStateException("cannot set ConvolutionLayer.helper", e);
            }
            changed++;
        }
        return changed;
    }

    /** The configurations {@link Im2colConvHelper} computes: NCHW, dilation 1, not causal, FLOAT. */
    private static boolean supported(org.deeplearning4j.nn.conf.layers.ConvolutionLayer conf) {
        return conf.getCnn2dDataFormat() == org.deeplearning4j.nn.conf.CNN2DFormat.NCHW
                && conf.getDilation()[0] == 1 && conf.getDilation()[1] == 1
                && conf.getConvolutionMode() != org.deeplearning4j.nn.conf.ConvolutionMode.Causal;
    }

    private static Field helperField() {
        try {
            Field f = ConvolutionLayer.class.getDeclaredField("helper");
            f.setAccessible(true);
            return f;
        } catch (NoSuchFieldException e) {
            throw new IllegalStateException("DL4J's ConvolutionLayer has no helper field: check NativeConvolution against the DL4J version", e);
        }
    }
}
