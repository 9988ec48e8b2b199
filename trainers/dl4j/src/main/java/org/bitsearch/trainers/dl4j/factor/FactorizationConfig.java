package org.bitsearch.trainers.dl4j.factor;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/**
 * Spec {@code trainer.factorization}: Quantization Aware Factorization (Cherniuk et al. 2023) inside the network.
 * With {@code type: qaf} the trainer first trains the full-precision model {@code pretrainEpochs} epochs (once per
 * trainer, with the default hyperparameters and {@code splitSeed} as seed: the "pre-trained model" the paper
 * factorizes), then every trial replaces each factorized dense layer W (nIn × nOut) by two layers x ↦ (x·A)·B whose
 * factors A (nIn × R) and B (R × nOut) lie on the layer's k-bit grid, found by ADMM ({@link QuantizedFactorization})
 * from the pre-trained W at the trial's rank R, and each factorized convolution by the three layers of the rank-R CP
 * of its kernel (1x1, depthwise, 1x1; {@link CpDecomposition}), and fine-tunes them with the factors fake-quantized
 * (straight-through estimator) for the trial's epochs. With a progressive schedule a factorized layer's factor layers
 * are quantized together, in the epoch the schedule reaches the layer; with activation bits, the last factor layer's
 * output carries the layer's activation bits and the rank-R products stay FP32.
 *
 * @param type           "none" (default: today's unfactorized layers), "qaf", or "lowrank": the paper's baseline,
 *                       the same factorized layers with the least-squares (ALS) factors projected onto the grid
 *                       ("quantize after factorize") instead of ADMM, fine-tuned the same way
 * @param ratio          rank ratio ρ ∈ (0, 1] of a layer whose rank is not searched ({@code space.ranks}); rank =
 *                       max(1, floor(ρ·Πd / Σd)) over the modes d ([nIn, nOut], or [out, in, kh·kw] for a kernel), ρ = 1
 *                       stores as many entries as W (default 0.5)
 * @param layers         names of the layers to factorize; empty (default) = every layer but the output layer
 * @param pretrainEpochs full-precision epochs before factorizing (>= 0, default 1; 0 factorizes the initial weights)
 * @param admmIterations ADMM iterations per layer (1..10000, default 60)
 */
public record FactorizationConfig(String type, double ratio, List<String> layers, int pretrainEpochs, int admmIterations) {
    public static final List<String> TYPES = List.of("none", "qaf", "lowrank");
    public static final FactorizationConfig NONE = new FactorizationConfig("none", 0.5, List.of(), 1, 60);

    public FactorizationConfig {
        if (type == null || !TYPES.contains(type))
            throw new IllegalArgumentException("factorization.type is " + (type == null ? "missing" : "'" + type + "'") + ", but must be one of " + TYPES);
        if (!(ratio > 0 && ratio <= 1)) throw new IllegalArgumentException("factorization.ratio is " + ratio + ", but must be in (0, 1]");
        if (layers == null) layers = List.of();
        if (layers.stream().anyMatch(n -> n == null || n.isBlank()))
            throw new IllegalArgumentException("factorization.layers is " + layers + ", but every entry must be a layer name");
        layers = List.copyOf(layers);
        if (layers.stream().distinct().count() != layers.size())
            throw new IllegalArgumentException("factorization.layers is " + layers + ", but must not repeat a layer");
        if (pretrainEpochs < 0 || pretrainEpochs > 1000)
            throw new IllegalArgumentException("factorization.pretrainEpochs is " + pretrainEpochs + ", but must be in 0..1000");
        if (admmIterations < 1 || admmIterations > 10_000)
            throw new IllegalArgumentException("factorization.admmIterations is " + admmIterations + ", but must be in 1..10000");
    }

    @JsonCreator
    static FactorizationConfig json(@JsonProperty("type") String type, @JsonProperty("ratio") Double ratio,
                                    @JsonProperty("layers") List<String> layers,
                                    @JsonProperty("pretrainEpochs") Integer pretrainEpochs,
                                    @JsonProperty("admmIterations") Integer admmIterations) {
        return new FactorizationConfig(type == null ? "none" : type, ratio == null ? NONE.ratio : ratio, layers,
                pretrainEpochs == null ? NONE.pretrainEpochs : pretrainEpochs,
                admmIterations == null ? NONE.admmIterations : admmIterations);
    }

    /** QAF with these settings. */
    public static FactorizationConfig qaf(double ratio, int pretrainEpochs, int admmIterations) {
        return new FactorizationConfig("qaf", ratio, List.of(), pretrainEpochs, admmIterations);
    }

    /** True for {@code qaf} and {@code lowrank}: the layers are factorized. */
    public boolean enabled() { return !type.equals("none"); }

    /** True for {@code qaf}: the factors come from ADMM on the grid; false for {@code lowrank}: least squares, then projected. */
    public boolean admm() { return type.equals("qaf"); }
}
