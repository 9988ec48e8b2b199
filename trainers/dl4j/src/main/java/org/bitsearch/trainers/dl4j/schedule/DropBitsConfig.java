package org.bitsearch.trainers.dl4j.schedule;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * DropBits (Lee et al., Cluster-Promoting Quantization with Bit-Drop, 2021), spec {@code trainer.dropBits}: at
 * every training step, each quantized layer independently is trained with {@code d} fewer bits than its target
 * with probability {@code probability}, d uniform in 1..{@code maxDrop} (never below 1 bit; full-precision and
 * 1-bit layers are left alone). A regulariser; off by default (probability 0).
 */
public record DropBitsConfig(double probability, int maxDrop) {
    public static final DropBitsConfig OFF = new DropBitsConfig(0, 1);

    public DropBitsConfig {
        if (!(probability >= 0 && probability <= 1))
            throw new IllegalArgumentException("dropBits.probability is " + probability + ", but must be in [0, 1]");
        if (maxDrop < 1 || maxDrop > 7)
            throw new IllegalArgumentException("dropBits.maxDrop is " + maxDrop + ", but must be in 1..7");
    }

    @JsonCreator
    static DropBitsConfig json(@JsonProperty("probability") Double probability, @JsonProperty("maxDrop") Integer maxDrop) {
        return new DropBitsConfig(probability == null ? 0 : probability, maxDrop == null ? 1 : maxDrop);
    }

    public boolean enabled() { return probability > 0; }
}
