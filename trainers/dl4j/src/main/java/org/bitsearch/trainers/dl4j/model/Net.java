package org.bitsearch.trainers.dl4j.model;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The DL4J network a run trains: a {@code MultiLayerNetwork} or a {@code ComputationGraph} (one input, one output),
 * behind the few calls the run needs. Both train on DL4J's own {@code fit} path. Not thread-safe (as the networks).
 */
public sealed interface Net permits Net.Mln, Net.Graph {
    /** One minibatch of DL4J's {@code fit}. */
    void fit(INDArray x, INDArray y);

    /** The last minibatch's loss. */
    double score();

    /** Inference output (softmax probabilities). */
    INDArray output(INDArray x);

    /** The layers, in DL4J's order (topological for a graph). */
    Layer[] layers();

    int getIterationCount();

    void setEpochCount(int epoch);

    /** The DL4J model (for ModelSerializer). */
    Model model();

    /** A deep copy: configuration (with its own weight noises), parameters; fresh updater state. */
    Net deepCopy();

    static Net of(Model m) {
        if (m instanceof MultiLayerNetwork n) return new Mln(n);
        if (m instanceof ComputationGraph g) return new Graph(g);
        throw new IllegalArgumentException("not a MultiLayerNetwork or ComputationGraph: " + m.getClass().getName());
    }

    record Mln(MultiLayerNetwork net) implements Net {
        @Override public void fit(INDArray x, INDArray y) { net.fit(x, y); }
        @Override public double score() { return net.score(); }
        @Override public INDArray output(INDArray x) { return net.output(x, false); }
        @Override public Layer[] layers() { return net.getLayers(); }
        @Override public int getIterationCount() { return net.getIterationCount(); }
        @Override public void setEpochCount(int epoch) { net.setEpochCount(epoch); }
        @Override public Model model() { return net; }
        @Override public Net deepCopy() {
            MultiLayerNetwork copy = new MultiLayerNetwork(MultiLayerConfiguration.fromJson(net.getLayerWiseConfigurations().toJson()));
            copy.init(net.params().dup(), false);
            return new Mln(copy);
        }
    }

    record Graph(ComputationGraph graph) implements Net {
        public Graph {
            if (graph.getNumInputArrays() != 1 || graph.getNumOutputArrays() != 1)
                throw new IllegalArgumentException("the graph has " + graph.getNumInputArrays() + " inputs and " + graph.getNumOutputArrays()
                        + " outputs, but bitsearch trains graphs of one input and one output");
        }
        @Override public void fit(INDArray x, INDArray y) { graph.fit(new INDArray[]{x}, new INDArray[]{y}); }
        @Override public double score() { return graph.score(); }
        @Override public INDArray output(INDArray x) { return graph.outputSingle(false, x); }
        @Override public Layer[] layers() { return graph.getLayers(); }
        @Override public int getIterationCount() { return graph.getConfiguration().getIterationCount(); }
        @Override public void setEpochCount(int epoch) { graph.getConfiguration().setEpochCount(epoch); }
        @Override public Model model() { return graph; }
        @Override public Net deepCopy() {
            ComputationGraph copy = new ComputationGraph(ComputationGraphConfiguration.fromJson(graph.getConfiguration().toJson()));
            copy.init(graph.params().dup(), false);
            return new Graph(copy);
        }
    }
}
