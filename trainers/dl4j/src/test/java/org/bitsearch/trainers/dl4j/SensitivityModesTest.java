package org.bitsearch.trainers.dl4j;

import org.bitsearch.search.trainer.LayerSensitivity;
import org.bitsearch.trainers.dl4j.schedule.SensitivityConfig;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

/** The three sensitivity modes on real (small) Fashion-MNIST training; Hutchinson against the exact trace. */
class SensitivityModesTest {
    static Dl4jTrainerConfig config(String mode) {
        Dl4jTrainerConfig c = TestData.small(1500);
        c = new Dl4jTrainerConfig(c.dataset(), c.dataDir(), c.model(), List.of(8), c.trainSubset(), 500, c.splitSeed(),
                c.batchSize(), c.evalBatchSize(), 1, false, c.schedule(), c.dropBits(), c.sensitivity());
        return c.withSensitivity(SensitivityConfig.DEFAULT.withBits(List.of(1, 2, 4, 8)).withMode(mode));
    }

    @Test
    void hutchinsonEstimatesTheExactHessianTraceOfALayer() throws Exception {
        Dl4jTrainer trainer = new Dl4jTrainer(config("hessian"));
        try (Dl4jTrainingRun run = trainer.openRun(TestData.context(List.of(32, 32), 3, Optional.empty()), false)) {
            run.trainEpoch();
            MultiLayerNetwork net = run.network();
            var data = trainer.data();
            int[] idx = Arrays.copyOf(data.trainIndices(), 256);
            INDArray x = Nd4j.createUninitialized(data.dataset().trainImages().dataType(), 256, data.dataset().features());
            INDArray y = Nd4j.createUninitialized(data.trainOneHot().dataType(), 256, data.dataset().classes());
            Nd4j.pullRows(data.dataset().trainImages(), x, 1, idx);
            Nd4j.pullRows(data.trainOneHot(), y, 1, idx);
            double[] hutchinson = HessianTrace.traces(net, x, y, 300, 11);
            // exact trace of the output layer (8 x 10 = 80 weights): sum over basis directions e_i of (H e_i)_i
            Layer out = HessianTrace.quantizable(net).get(1);
            INDArray w = out.getParam("W");
            INDArray original = w.dup();
            double eps = 1e-2 * Math.sqrt(original.mul(original).meanNumber().doubleValue());
            String key = out.getIndex() + "_W";
            double exact = 0;
            for (int i = 0; i < w.length(); i++) {
                INDArray e = Nd4j.zeros(w.dataType(), w.shape());
                e.putScalar(i, eps);
                w.assign(original.add(e));
                double plus = grad(net, x, y, key).getDouble(i);
                w.assign(original.sub(e));
                double minus = grad(net, x, y, key).getDouble(i);
                exact += (plus - minus) / (2 * eps);
            }
            w.assign(original);
            assertTrue(exact > 0, "cross-entropy's Hessian at a trained point has a positive trace: " + exact);
            assertEquals(exact, hutchinson[1], 0.25 * exact, "Hutchinson over 300 vectors vs the exact trace");
            assertTrue(hutchinson[0] > 0);
        }
    }

    private static INDArray grad(MultiLayerNetwork net, INDArray x, INDArray y, String key) {
        net.setInput(x);
        net.setLabels(y);
        net.computeGradientAndScore();
        return net.gradient().gradientForVariable().get(key).dup();
    }

    @Test
    void everyModeMeasuresEveryLayerAndBitWidthAndFewerBitsCostMore() throws Exception {
        for (String mode : List.of("proxy", "train", "hessian")) {
            Dl4jTrainer trainer = new Dl4jTrainer(config(mode));
            SensitivityTable t = SensitivityAnalysis.run(trainer, Map.of(), 5);
            assertEquals(mode, t.mode());
            assertEquals(2 * 4, t.rows().size(), mode);
            for (int l = 0; l < 2; l++) {
                int layer = l;
                double one = t.rows().stream().filter(r -> r.layer() == layer && r.bits() == 1).findFirst().orElseThrow().lossIncrease();
                double eight = t.rows().stream().filter(r -> r.layer() == layer && r.bits() == 8).findFirst().orElseThrow().lossIncrease();
                assertTrue(one > eight, mode + ", layer " + l + ": 1 bit (" + one + ") must cost more than 8 bits (" + eight + ")");
            }
            if (mode.equals("hessian")) {
                for (var r : t.rows()) assertTrue(Double.isNaN(r.valAccuracy()), "hessian mode predicts, it does not evaluate");
                for (var r : t.rows()) assertTrue(r.lossIncrease() >= 0);
            }
        }
    }

    @Test
    void theTrainerAnswersTheContractTableOnceAndTheProgressiveEpoch() throws Exception {
        Dl4jTrainer trainer = new Dl4jTrainer(config("proxy"));
        assertTrue(trainer.measuresSensitivity());
        LayerSensitivity a = trainer.sensitivity(List.of(1, 4, 32));
        assertSame(a, trainer.sensitivity(List.of(1, 4, 32)), "measured once per trainer");
        assertEquals(2, a.layers());
        assertEquals(4, a.entries().size(), "2 layers x {1, 4}: 32 bits is not measured");
        assertEquals(1, trainer.fullyQuantizedEpoch());
        Dl4jTrainer progressive = new Dl4jTrainer(config("proxy").withSchedule(new org.bitsearch.trainers.dl4j.schedule.ScheduleConfig("progressive", "forward", 3)));
        assertEquals(4, progressive.fullyQuantizedEpoch(), "2 layers, one more every 3 epochs: the second from epoch 4");
        assertThrows(IllegalArgumentException.class, () -> SensitivityConfig.DEFAULT.withMode("hessian").withBits(List.of(1)).withMode("bogus"));
    }
}
