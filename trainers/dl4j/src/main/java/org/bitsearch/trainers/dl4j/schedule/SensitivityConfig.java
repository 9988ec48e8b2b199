package org.bitsearch.trainers.dl4j.schedule;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.bitsearch.search.space.BitAllocation;

import java.util.List;
import java.util.Set;

/**
 * How the sensitivity analysis runs (spec {@code trainer.sensitivity}; also the {@code sensitivity} command).
 * Three modes, all after {@code pretrainEpochs} of full-precision pre-training:
 * <ul>
 *   <li>{@code proxy} (the cheapest): quantize only layer l to b bits in the pre-trained model and evaluate,
 *       no training (a post-training proxy);</li>
 *   <li>{@code train} (Lan 2021's sensitivity pre-training): quantize only layer l and train briefly
 *       ({@code fineTuneBatches} minibatches, a copy of the pre-trained model, fresh optimizer state), then
 *       evaluate; the baseline is a full-precision copy trained the same way;</li>
 *   <li>{@code hessian} (HAWQ-V2, Dong et al. 2020): Ω_l(b) = ½ · Tr(H_l)/n_l · ‖Q_b(W_l) − W_l‖², the trace of
 *       the loss Hessian of layer l's weights estimated by Hutchinson's method (mean of vᵀHv over
 *       {@code hutchinsonSamples} Rademacher vectors v, Hv by central differences of gradients on a fixed
 *       training batch); no evaluation, no training.</li>
 * </ul>
 *
 * @param pretrainEpochs    epochs of full-precision pre-training before measuring (&gt;= 1)
 * @param fineTuneBatches   minibatches of training per measurement in mode {@code train} (&gt;= 1 there; else 0)
 * @param bits              the bit-widths to measure (each 1..8)
 * @param mode              "proxy", "train" or "hessian"; default "train" if {@code fineTuneBatches} &gt; 0, else "proxy"
 * @param hutchinsonSamples Rademacher vectors per layer in mode {@code hessian} (&gt;= 1, default 16)
 */
public record SensitivityConfig(int pretrainEpochs, int fineTuneBatches, List<Integer> bits, String mode, int hutchinsonSamples) {
    public static final Set<String> MODES = Set.of("proxy", "train", "hessian");
    public static final SensitivityConfig DEFAULT = new SensitivityConfig(1, 0, List.of(1, 2, 4, 8));
    /** Minibatches of training per measurement when mode "train" is given without {@code fineTuneBatches}. */
    public static final int DEFAULT_TRAIN_BATCHES = 50;

    /** The config with the mode its {@code fineTuneBatches} implies (the form before modes existed). */
    public SensitivityConfig(int pretrainEpochs, int fineTuneBatches, List<Integer> bits) {
        this(pretrainEpochs, fineTuneBatches, bits, fineTuneBatches > 0 ? "train" : "proxy", 16);
    }

    public SensitivityConfig {
        if (mode == null) mode = fineTuneBatches > 0 ? "train" : "proxy";
        if (!MODES.contains(mode))
            throw new IllegalArgumentException("sensitivity.mode is '" + mode + "', but must be one of " + MODES.stream().sorted().toList());
        if (mode.equals("train") && fineTuneBatches < 1)
            throw new IllegalArgumentException("sensitivity.fineTuneBatches is " + fineTuneBatches + ", but mode train needs >= 1");
        if (!mode.equals("train") && fineTuneBatches > 0)
            throw new IllegalArgumentException("sensitivity.fineTuneBatches is " + fineTuneBatches + ", but only mode train trains (mode is " + mode + ")");
        if (hutchinsonSamples < 1)
            throw new IllegalArgumentException("sensitivity.hutchinsonSamples is " + hutchinsonSamples + ", but must be >= 1");
        if (pretrainEpochs < 1)
            throw new IllegalArgumentException("sensitivity.pretrainEpochs is " + pretrainEpochs + ", but must be >= 1");
        if (fineTuneBatches < 0)
            throw new IllegalArgumentException("sensitivity.fineTuneBatches is " + fineTuneBatches + ", but must be >= 0");
        if (bits == null || bits.isEmpty())
            throw new IllegalArgumentException("sensitivity.bits must list at least one bit-width");
        bits = List.copyOf(bits);
        for (int b : bits)
            if (b < 1 || b > 8 || !BitAllocation.SUPPORTED.contains(b))
                throw new IllegalArgumentException("sensitivity.bits contains " + b + ", but each must be in 1..8");
    }

    @JsonCreator
    static SensitivityConfig json(@JsonProperty("pretrainEpochs") Integer pretrainEpochs,
                                  @JsonProperty("fineTuneBatches") Integer fineTuneBatches,
                                  @JsonProperty("bits") List<Integer> bits, @JsonProperty("mode") String mode,
                                  @JsonProperty("hutchinsonSamples") Integer hutchinsonSamples) {
        int batches = fineTuneBatches != null ? fineTuneBatches : "train".equals(mode) ? DEFAULT_TRAIN_BATCHES : 0;
        return new SensitivityConfig(pretrainEpochs == null ? 1 : pretrainEpochs, batches,
                bits == null ? DEFAULT.bits() : bits, mode, hutchinsonSamples == null ? 16 : hutchinsonSamples);
    }

    /** This config in {@code mode} (fineTuneBatches defaulted for train, cleared otherwise). */
    public SensitivityConfig withMode(String mode) {
        return json(pretrainEpochs, mode.equals("train") ? (fineTuneBatches > 0 ? fineTuneBatches : DEFAULT_TRAIN_BATCHES) : 0,
                bits, mode, hutchinsonSamples);
    }

    /** This config measuring {@code bits}. */
    public SensitivityConfig withBits(List<Integer> bits) {
        return new SensitivityConfig(pretrainEpochs, fineTuneBatches, bits, mode, hutchinsonSamples);
    }
}
