package org.bitsearch.trainers.dl4j;

import org.bitsearch.trainers.dl4j.model.Hyperparameters;
import org.bitsearch.trainers.dl4j.model.ModelFactory;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The one-pass checkpoint writer against DL4J's own readers: a trained network (so the updater state is not zero)
 * written by {@link ModelZip} is restored by {@code ModelSerializer} with the same configuration, parameters and
 * updater state as the network and as DL4J's own {@code writeModel}, and its objects come back through
 * {@code getObjectFromFile}.
 */
class ModelZipTest {
    @TempDir Path dir;

    private static MultiLayerNetwork trainedMlp() {
        MultiLayerNetwork net = new MultiLayerNetwork(ModelFactory.build("mlp", List.of(16), 4, 4, 3, List.of(4, 32), false,
                new Hyperparameters(1e-2, "adam", 0, 8), 5));
        net.init();
        INDArray x = Nd4j.rand(DataType.FLOAT, 8, 16);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 8, 3);
        for (int i = 0; i < 8; i++) y.putScalar(i, i % 3, 1f);
        for (int i = 0; i < 3; i++) net.fit(x, y);
        return net;
    }

    @Test
    void dl4jRestoresANetworkItsUpdaterStateAndTheObjects() throws Exception {
        MultiLayerNetwork net = trainedMlp();
        Path ours = dir.resolve("ours.zip"), theirs = dir.resolve("theirs.zip");
        Map<String, Serializable> objects = new LinkedHashMap<>();
        objects.put("state.json", "{\"epoch\": 3}");
        HashMap<Integer, float[][]> nested = new HashMap<>();
        nested.put(1, new float[][]{{1f, 2f}, {3f}});
        objects.put("nested", nested);
        ModelZip.write(ours, net, objects);
        ModelSerializer.writeModel(net, theirs.toFile(), true);

        MultiLayerNetwork a = ModelSerializer.restoreMultiLayerNetwork(ours.toFile(), true);
        MultiLayerNetwork b = ModelSerializer.restoreMultiLayerNetwork(theirs.toFile(), true);
        assertEquals(b.getLayerWiseConfigurations(), a.getLayerWiseConfigurations());
        assertEquals(net.getIterationCount(), a.getIterationCount());
        assertArrayEquals(net.params().toFloatVector(), a.params().toFloatVector());
        assertArrayEquals(b.params().toFloatVector(), a.params().toFloatVector());
        float[] state = net.getUpdater().getStateViewArray().toFloatVector();
        assertTrue(Math.abs(state[0]) + Math.abs(state[state.length - 1]) > 0, "the updater state was trained");
        assertArrayEquals(state, a.getUpdater().getStateViewArray().toFloatVector());
        assertEquals("{\"epoch\": 3}", ModelSerializer.getObjectFromFile(ours.toFile(), "state.json"));
        HashMap<Integer, float[][]> back = ModelSerializer.getObjectFromFile(ours.toFile(), "nested");
        assertArrayEquals(new float[]{3f}, back.get(1)[1]);
    }

    @Test
    void dl4jRestoresAComputationGraph() throws Exception {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).seed(3).updater(new Adam(1e-2))
                .graphBuilder().addInputs("in")
                .addLayer("h", new DenseLayer.Builder().nIn(6).nOut(5).activation(Activation.RELU).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(5).nOut(2).activation(Activation.SOFTMAX).build(), "h")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 6), y = Nd4j.zeros(DataType.FLOAT, 4, 2);
        for (int i = 0; i < 4; i++) y.putScalar(i, i % 2, 1f);
        g.fit(new DataSet(x, y));
        Path file = dir.resolve("graph.zip");
        ModelZip.write(file, g, Map.of());
        ComputationGraph back = ModelSerializer.restoreComputationGraph(file.toFile(), true);
        assertEquals(g.getConfiguration(), back.getConfiguration());
        assertArrayEquals(g.params().toFloatVector(), back.params().toFloatVector());
        assertArrayEquals(g.getUpdater().getStateViewArray().toFloatVector(), back.getUpdater().getStateViewArray().toFloatVector());
    }

    @Test
    void refusesAnObjectKeyThatIsOneOfDl4jsEntries() {
        MultiLayerNetwork net = trainedMlp();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelZip.write(dir.resolve("x.zip"), net, Map.of("Coefficients.bin", "x")));
        assertTrue(e.getMessage().contains("Coefficients.bin"), e.getMessage());
    }
}
