package org.bitsearch.trainers.dl4j.schedule;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.bitsearch.search.space.BitAllocation;

import java.util.List;

/**
 * How the sensitivity analysis runs (spec {@code trainer.sensitivity}; also the {@code sensitivity} command).
 *
 * @param pretrainEpochs  epochs of full-precision pre-training before measuring (&gt;= 1)
 * @param fineTuneBatches if &gt; 0, each (layer, bits) measurement first fine-tunes a copy of the pre-trained
 *                        network this many batches with only that layer quantized
 * @param bits            the bit-widths to measure (each 1..8)
 */
public record SensitivityConfig(int pretrainEpochs, int fineTuneBatches, List<Integer> bits) {
    public static final SensitivityConfig DEFAULT = new SensitivityConfig(1, 0, List.of(1, 2, 4, 8));

    public SensitivityConfig {
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
                                  @JsonProperty("bits") List<Integer> bits) {
        return new SensitivityConfig(pretrainEpochs == null ? 1 : pretrainEpochs,
                fineTuneBatches == null ? 0 : fineTuneBatches, bits == null ? DEFAULT.bits() : bits);
    }
}
