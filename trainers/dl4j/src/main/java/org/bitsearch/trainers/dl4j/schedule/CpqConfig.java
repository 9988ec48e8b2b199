package org.bitsearch.trainers.dl4j.schedule;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Options of {@code trainer.quantizer: cpq}, spec {@code trainer.cpq} (Cluster-Promoting Quantization with
 * DropBits, Lee et al., ICCV 2021, arXiv:2109.02100; see {@code quant.CpqQuantizer} and {@code quant.BitDropGates}).
 *
 * @param noise            ρ = σ / d: the scale of the logistic noise that defines the categorical distribution π
 *                         over the grid, in grid spacings; in (0, 2], default 1/3 (Relaxed Quantization's σ = α/3)
 * @param sampling         "argmax" (default): the forward takes π's mode, the nearest point of the active grid
 *                         (Semi-Relaxed Quantization's deterministic forward; DropBits' gates are then the only
 *                         randomness); "categorical": it draws each weight's grid point from π
 * @param dropProbability  DropBits: the probability with which each bit level's gate starts dropped (every finer
 *                         level goes with it); in [0, 1), default 0.1; 0 turns DropBits off
 * @param learnBits        train the gates with DropBits' regulariser and report the learned per-layer bits as the
 *                         trial's allocation (default false); needs dropProbability &gt; 0
 * @param minBits          the fewest bits a gate may drop a layer to, 1..8 (default 2)
 * @param lambda           λ of the bit regulariser λ·E[average bits], in loss units per bit; &gt;= 0, default 0.02
 * @param gateLearningRate Adam's step size for the gates; &gt; 0, default 0.05
 */
public record CpqConfig(double noise, String sampling, double dropProbability, boolean learnBits, int minBits,
                        double lambda, double gateLearningRate) {
    public static final Set<String> SAMPLINGS = Set.of("categorical", "argmax");
    public static final CpqConfig DEFAULT = new CpqConfig(1.0 / 3, "argmax", 0.1, false, 2, 0.02, 0.05);

    public CpqConfig {
        List<String> problems = new ArrayList<>();
        if (!(noise > 0 && noise <= 2)) problems.add("cpq.noise is " + noise + ", but must be in (0, 2]");
        if (sampling == null || !SAMPLINGS.contains(sampling))
            problems.add("cpq.sampling is '" + sampling + "', but must be one of " + SAMPLINGS.stream().sorted().toList());
        if (!(dropProbability >= 0 && dropProbability < 1))
            problems.add("cpq.dropProbability is " + dropProbability + ", but must be in [0, 1)");
        if (learnBits && !(dropProbability > 0))
            problems.add("cpq.learnBits is true, but cpq.dropProbability is " + dropProbability + ": learned bits need DropBits (dropProbability > 0)");
        if (minBits < 1 || minBits > 8) problems.add("cpq.minBits is " + minBits + ", but must be in 1..8");
        if (!(lambda >= 0) || Double.isInfinite(lambda)) problems.add("cpq.lambda is " + lambda + ", but must be finite and >= 0");
        if (!(gateLearningRate > 0) || Double.isInfinite(gateLearningRate))
            problems.add("cpq.gateLearningRate is " + gateLearningRate + ", but must be finite and > 0");
        if (!problems.isEmpty()) throw new IllegalArgumentException(String.join("\n", problems));
    }

    @JsonCreator
    static CpqConfig json(@JsonProperty("noise") Double noise, @JsonProperty("sampling") String sampling,
                          @JsonProperty("dropProbability") Double dropProbability, @JsonProperty("learnBits") Boolean learnBits,
                          @JsonProperty("minBits") Integer minBits, @JsonProperty("lambda") Double lambda,
                          @JsonProperty("gateLearningRate") Double gateLearningRate) {
        CpqConfig d = DEFAULT;
        return new CpqConfig(noise == null ? d.noise : noise, sampling == null ? d.sampling : sampling,
                dropProbability == null ? d.dropProbability : dropProbability, learnBits != null && learnBits,
                minBits == null ? d.minBits : minBits, lambda == null ? d.lambda : lambda,
                gateLearningRate == null ? d.gateLearningRate : gateLearningRate);
    }

    /** True when the forward draws from π. */
    public boolean sampled() { return sampling.equals("categorical"); }

    public CpqConfig withLearnBits(boolean learn) {
        return new CpqConfig(noise, sampling, dropProbability, learn, minBits, lambda, gateLearningRate);
    }

    public CpqConfig withLambda(double l) {
        return new CpqConfig(noise, sampling, dropProbability, learnBits, minBits, l, gateLearningRate);
    }

    public CpqConfig withDropProbability(double p) {
        return new CpqConfig(noise, sampling, p, learnBits, minBits, lambda, gateLearningRate);
    }

    public CpqConfig withSampling(String s) {
        return new CpqConfig(noise, s, dropProbability, learnBits, minBits, lambda, gateLearningRate);
    }
}
