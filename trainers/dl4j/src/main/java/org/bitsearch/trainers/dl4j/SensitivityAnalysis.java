package org.bitsearch.trainers.dl4j;

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
 * Measures how much each layer suffers from quantization (Lan 2021, Iterative Training: "sensitivity
 * pre-training"; a cheap proxy in the spirit of HAWQ, Dong et al. 2019): pre-train the model in full precision
 * for {@code sensitivity.pretrainEpochs} epochs, then, for each layer l and bit-width b, quantize only l to b
 * and measure validation accuracy and loss (optionally after fine-tuning a copy for
 * {@code sensitivity.fineTuneBatches} minibatches with only l quantized, with a fresh optimizer state). Blocking; runs on the caller's thread.
 */
public final class SensitivityAnalysis {
    private SensitivityAnalysis() {}

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
            for (QuantLayer layer : layers) {
                for (int b : cfg.bits()) {
                    Dl4jTrainingRun.Evaluation e;
                    if (cfg.fineTuneBatches() > 0) {
                        List<Integer> bits = new ArrayList<>(Collections.nCopies(layers.size(), 32));
                        bits.set(layer.index(), b);
                        try (Dl4jTrainingRun copy = new Dl4jTrainingRun(trainer.config(), trainer.data(), Dl4jTrainingRun.deepCopy(run.network()),
                                new BitAllocation(bits), Hyperparameters.of(fp32, trainer.config().batchSize()), seed, "cpu:0",
                                new ProgressiveSchedule(ScheduleConfig.NONE, ProgressiveSchedule.fixedOrder("forward", layers.size())),
                                DropBitsConfig.OFF, run.nextEpoch())) {
                            copy.trainBatches(cfg.fineTuneBatches());
                            e = copy.evaluateValidation();
                        }
                    } else {
                        run.noises().get(layer.index()).setTargetBits(b);
                        e = run.evaluateValidation();
                        run.noises().get(layer.index()).setTargetBits(32);
                    }
                    rows.add(new SensitivityTable.Row(layer.index(), layer.name(), b, e.accuracy(), e.loss(),
                            base.accuracy() - e.accuracy(), e.loss() - base.loss()));
                }
            }
            return new SensitivityTable(layers, base.accuracy(), base.loss(), rows);
        }
    }
}
