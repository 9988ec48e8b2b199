package org.bitsearch.trainers.dl4j.schedule;

import java.util.Arrays;

/**
 * Progressive layer-wise quantization (Lan 2021, Iterative Training; BiTAT 2022): training starts with one
 * quantized layer and one more layer is quantized every E epochs, in a given order, until all are. At epoch e
 * (1-based) the first min(L, ⌊(e-1)/E⌋ + 1) layers of the order are quantized; the others train in full
 * precision. With type "none" every layer is quantized from the start. Evaluation always uses the target bits
 * of every layer: reported accuracies are those of the fully quantized model.
 */
public final class ProgressiveSchedule {
    private final boolean progressive;
    private final int everyEpochs;
    private final int[] order;

    /**
     * @param order a permutation of the layer indices 0..L-1: the order in which layers become quantized
     */
    public ProgressiveSchedule(ScheduleConfig config, int[] order) {
        int[] sorted = order.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++)
            if (sorted[i] != i) throw new IllegalArgumentException("order " + Arrays.toString(order) + " is not a permutation of 0.." + (order.length - 1));
        this.progressive = config.progressive();
        this.everyEpochs = config.everyEpochs();
        this.order = order.clone();
    }

    /** The order of {@code layers} layers for "forward" and "backward". */
    public static int[] fixedOrder(String order, int layers) {
        int[] o = new int[layers];
        for (int i = 0; i < layers; i++) o[i] = order.equals("backward") ? layers - 1 - i : i;
        return o;
    }

    /** Which layers train quantized in {@code epoch} (1-based). */
    public boolean[] quantizedIn(int epoch) {
        boolean[] q = new boolean[order.length];
        int count = progressive ? Math.min(order.length, (epoch - 1) / everyEpochs + 1) : order.length;
        for (int i = 0; i < count; i++) q[order[i]] = true;
        return q;
    }

    public int[] order() { return order.clone(); }
}
