package org.bitsearch.trainers.dl4j.schedule;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.Set;

/**
 * When each layer starts being quantized in training (spec {@code trainer.schedule}).
 *
 * @param type        "none" (every layer quantized from the first step) or "progressive" (Lan 2021,
 *                    Iterative Training; BiTAT 2022: one more layer every {@code everyEpochs} epochs)
 * @param order       "forward" (input first, BiTAT's bottom-up), "backward", or "sensitivity" (least sensitive
 *                    first, from the trainer's SensitivityAnalysis, Lan 2021's sensitivity pre-training)
 * @param everyEpochs E: epochs between two layers becoming quantized (&gt;= 1)
 */
public record ScheduleConfig(String type, String order, int everyEpochs) {
    public static final Set<String> TYPES = Set.of("none", "progressive");
    public static final Set<String> ORDERS = Set.of("forward", "backward", "sensitivity");
    public static final ScheduleConfig NONE = new ScheduleConfig("none", "forward", 1);

    public ScheduleConfig {
        if (type == null) type = "none";
        if (order == null) order = "forward";
        if (!TYPES.contains(type))
            throw new IllegalArgumentException("schedule.type is '" + type + "', but must be one of " + TYPES.stream().sorted().toList());
        if (!ORDERS.contains(order))
            throw new IllegalArgumentException("schedule.order is '" + order + "', but must be one of " + ORDERS.stream().sorted().toList());
        if (everyEpochs < 1)
            throw new IllegalArgumentException("schedule.everyEpochs is " + everyEpochs + ", but must be >= 1");
    }

    @JsonCreator
    static ScheduleConfig json(@JsonProperty("type") String type, @JsonProperty("order") String order,
                               @JsonProperty("everyEpochs") Integer everyEpochs) {
        return new ScheduleConfig(type, order, everyEpochs == null ? 1 : everyEpochs);
    }

    public boolean progressive() { return type.equals("progressive"); }
}
