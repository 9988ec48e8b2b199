package org.bitsearch.trainers.dl4j;

import org.bitsearch.trainers.dl4j.model.Hyperparameters;
import org.bitsearch.trainers.dl4j.schedule.DropBitsConfig;
import org.bitsearch.trainers.dl4j.schedule.ProgressiveSchedule;
import org.bitsearch.trainers.dl4j.schedule.ScheduleConfig;
import org.bitsearch.search.space.BitAllocation;
import org.bitsearch.search.space.QuantLayer;
import org.bitsearch.search.trainer.TrialContext;
import org.bitsearch.search.trial.Candidate;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Measures how much each layer suffers from quantization, in one of the three modes of
 * {@link org.bitsearch.trainers.dl4j.schedule.SensitivityConfig}: pre-train the model in full precision for
 * {@code sensitivity.pretrainEpochs} epochs, then for each layer l and bit-width b either quantize only l and
 * evaluate ("proxy"), quantize only l and train a copy briefly before evaluating (Lan 2021's sensitivity
 * pre-training, "train"), or predict the loss increase from the Hessian trace (HAWQ-V2, "hessian",
 * {@link HessianTrace}). Blocking; runs on the caller's thread.
 */
public final class SensitivityAnalysis {
    private SensitivityAnalysis() {}

    /** Rows of the Hessian batch: a fixed slice of the training set. */
    static final int HESSIAN_BATCH = 512;

    /**
     * Runs the analysis for the trainer's model and data.
     *
     * @param params hyperparameters of the pre-training ({@link Hyperparameters} names; empty = defaults)
     * @param seed   seed of the pre-training
     */
    public static SensitivityTable run(Dl4jTrainer trainer, Map<String, Object> params, long seed) throws Exception {
        List<QuantLayer> layers = trainer.layers();
        var cfg = trainer.config().sensitivity();
        Candidate fp32 = new Candidate(params, BitAllocation.uniform(layers.size(), 32));
        List<SensitivityTable.Row> rows = new ArrayList<>();
        try (Dl4jTrainingRun run = trainer.openRun(new TrialContext(0, fp32, seed, cfg.pretrainEpochs(), Optional.empty(), "cpu:0"), false)) {
            for (int e = 0; e < cfg.pretrainEpochs(); e++) run.trainEpoch();
            Dl4jTrainingRun.Evaluation base = run.evaluateValidation();
            if (cfg.mode().equals("hessian")) return hessian(trainer, run, base, seed);
            Dl4jTrainingRun.Evaluation reference = base;
            if (cfg.mode().equals("train")) {
                try (Dl4jTrainingRun copy = copyWith(trainer, run, fp32, layers.size(), -1, 32, seed)) {
                    copy.trainBatches(cfg.fineTuneBatches());
                    reference = copy.evaluateValidation();
                }
            }
            for (QuantLayer layer : layers) {
                for (int b : cfg.bits()) {
                    Dl4jTrainingRun.Evaluation e;
                    if (cfg.mode().equals("train")) {
                        try (Dl4jTrainingRun copy = copyWith(trainer, run, fp32, layers.size(), layer.index(), b, seed)) {
                            copy.trainBatches(cfg.fineTuneBatches());
                            e = copy.evaluateValidation();
                        }
                    } else {
                        run.noises().get(layer.index()).setTargetBits(b);
                        e = run.evaluateValidation();
                        run.noises().get(layer.index()).setTargetBits(32);
                    }
                    rows.add(new SensitivityTable.Row(layer.index(), layer.name(), b, e.accuracy(), e.loss(),
                            reference.accuracy() - e.accuracy(), e.loss() - reference.loss()));
                }
            }
            return new SensitivityTable(layers, reference.accuracy(), reference.loss(), rows, cfg.mode());
        }
    }

    /** A copy of the pre-trained network with only {@code layer} (or none, if -1) at {@code bits}. */
    private static Dl4jTrainingRun copyWith(Dl4jTrainer trainer, Dl4jTrainingRun run, Candidate fp32, int n, int layer, int bits, long seed) throws Exception {
        List<Integer> widths = new ArrayList<>(Collections.nCopies(n, 32));
        if (layer >= 0) widths.set(layer, bits);
        return new Dl4jTrainingRun(trainer.config(), trainer.data(), Dl4jTrainingRun.deepCopy(run.network()),
                new BitAllocation(widths), Hyperparameters.of(fp32, trainer.config().batchSize()), seed, "cpu:0",
                new ProgressiveSchedule(ScheduleConfig.NONE, ProgressiveSchedule.fixedOrder("forward", n)),
                DropBitsConfig.OFF, run.nextEpoch());
    }

    /** HAWQ-V2: Ω_l(b) = ½ · Tr(H_l)/n_l · ‖Q_b(W_l) − W_l‖², on a fixed training batch. */
    private static SensitivityTable hessian(Dl4jTrainer trainer, Dl4jTrainingRun run, Dl4jTrainingRun.Evaluation base, long seed) throws Exception {
        var cfg = trainer.config().sensitivity();
        var data = trainer.data();
        int rows = Math.min(HESSIAN_BATCH, data.trainCount());
        int[] idx = java.util.Arrays.copyOf(data.trainIndices(), rows);
        org.nd4j.linalg.api.ndarray.INDArray x = org.nd4j.linalg.factory.Nd4j.createUninitialized(
                data.dataset().trainImages().dataType(), rows, data.dataset().features());
        org.nd4j.linalg.api.ndarray.INDArray y = org.nd4j.linalg.factory.Nd4j.createUninitialized(
                data.trainOneHot().dataType(), rows, data.dataset().classes());
        org.nd4j.linalg.factory.Nd4j.pullRows(data.dataset().trainImages(), x, 1, idx);
        org.nd4j.linalg.factory.Nd4j.pullRows(data.trainOneHot(), y, 1, idx);
        double[] trace = HessianTrace.traces(run.network(), x, y, cfg.hutchinsonSamples(), seed ^ 0x4E55L);
        List<org.deeplearning4j.nn.api.Layer> quantizable = HessianTrace.quantizable(run.network());
        List<QuantLayer> layers = trainer.layers();
        List<SensitivityTable.Row> out = new ArrayList<>();
        for (QuantLayer layer : layers) {
            org.nd4j.linalg.api.ndarray.INDArray w = quantizable.get(layer.index()).getParam("W");
            for (int b : cfg.bits()) {
                org.nd4j.linalg.api.ndarray.INDArray q = org.bitsearch.trainers.dl4j.quant.QuantizedWeightNoise.quantize(w, b, trainer.config().perChannel());
                double perturbation = q.sub(w).norm2Number().doubleValue();
                double omega = 0.5 * trace[layer.index()] / w.length() * perturbation * perturbation;
                out.add(new SensitivityTable.Row(layer.index(), layer.name(), b, Double.NaN, Double.NaN, Double.NaN, omega));
            }
        }
        return new SensitivityTable(layers, base.accuracy(), base.loss(), out, "hessian");
    }
}
