package org.bitsearch.trainers.dl4j.quant;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.Set;

/**
 * Spec {@code trainer.transform}: the basis each layer's weights are quantized in. {@code none} (default): the
 * weights as they are. {@code bitat} (Park et al., BiTAT, 2022, arXiv:2207.01394): the importance-aware orthonormal
 * transformation of {@link BitatTransform}, computed from the layer's input correlation on {@code samples}
 * training samples. Written {@code transform: bitat} or {@code transform: {type: bitat, samples: 512}}.
 *
 * @param type    "none" or "bitat"
 * @param samples training samples whose layer inputs estimate each layer's input correlation (16..60000)
 */
public record TransformConfig(String type, int samples) {
    public static final Set<String> TYPES = Set.of("none", "bitat");
    public static final int DEFAULT_SAMPLES = 512;
    public static final TransformConfig NONE = new TransformConfig("none", DEFAULT_SAMPLES);

    public TransformConfig {
        if (type == null || !TYPES.contains(type))
            throw new IllegalArgumentException("transform.type is '" + type + "', but must be one of [none, bitat]");
        if (samples < 16 || samples > 60_000)
            throw new IllegalArgumentException("transform.samples is " + samples + ", but must be in 16..60000");
    }

    /** {@code transform: bitat}. */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    static TransformConfig of(String type) { return new TransformConfig(type, DEFAULT_SAMPLES); }

    /** {@code transform: {type: bitat, samples: 512}}. */
    @JsonCreator(mode = JsonCreator.Mode.PROPERTIES)
    static TransformConfig json(@JsonProperty("type") String type, @JsonProperty("samples") Integer samples) {
        return new TransformConfig(type == null ? "none" : type, samples == null ? DEFAULT_SAMPLES : samples);
    }

    public boolean bitat() { return type.equals("bitat"); }
}
