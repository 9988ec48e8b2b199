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
    /** Network layer → the model layer it belongs to (a factorized layer's factors share one), or null: the identity. */
    private final int[] group;

    /**
     * @param order a permutation of the layer indices 0..L-1: the order in which layers become quantized
     */
    public ProgressiveSchedule(ScheduleConfig config, int[] order) {
        this(config.progressive(), config.everyEpochs(), checkPermutation(order), null);
    }

    private ProgressiveSchedule(boolean progressive, int everyEpochs, int[] order, int[] group) {
        this.progressive = progressive;
        this.everyEpochs = everyEpochs;
        this.order = order.clone();
        this.group = group == null ? null : group.clone();
    }

    private static int[] checkPermutation(int[] order) {
        int[] sorted = order.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++)
            if (sorted[i] != i) throw new IllegalArgumentException("order " + Arrays.toString(order) + " is not a permutation of 0.." + (order.length - 1));
        return order;
    }

    /**
     * This schedule over the L model layers applied to a network with more quantizable layers: network layer i is
     * quantized when model layer {@code group[i]} is (a factorized layer's factor layers become quantized together,
     * in the epoch the schedule reaches the layer they replace; Quantization Aware Factorization with a progressive
     * schedule). {@code group} is non-decreasing and takes every value 0..L-1.
     */
    public ProgressiveSchedule grouped(int[] group) {
        for (int i = 0; i < group.length; i++)
            if (group[i] < 0 || group[i] >= order.length || (i > 0 && group[i] < group[i - 1]) || (i > 0 && group[i] > group[i - 1] + 1)
                    || (i == 0 && group[0] != 0))
                throw new IllegalArgumentException("group " + Arrays.toString(group) + " does not cover the model layers 0.." + (order.length - 1) + " in order");
        if (group.length > 0 && group[group.length - 1] != order.length - 1)
            throw new IllegalArgumentException("group " + Arrays.toString(group) + " does not cover the model layers 0.." + (order.length - 1) + " in order");
        return new ProgressiveSchedule(progressive, everyEpochs, order, group);
    }

    /** The order of {@code layers} layers for "forward" and "backward". */
    public static int[] fixedOrder(String order, int layers) {
        int[] o = new int[layers];
        for (int i = 0; i < layers; i++) o[i] = order.equals("backward") ? layers - 1 - i : i;
        return o;
    }

    /** Which layers (network layers, when {@link #grouped}) train quantized in {@code epoch} (1-based). */
    public boolean[] quantizedIn(int epoch) {
        boolean[] q = new boolean[order.length];
        int count = progressive ? Math.min(order.length, (epoch - 1) / everyEpochs + 1) : order.length;
        for (int i = 0; i < count; i++) q[order[i]] = true;
        if (group == null) return q;
        boolean[] net = new boolean[group.length];
        for (int i = 0; i < group.length; i++) net[i] = q[group[i]];
        return net;
    }

    public int[] order() { return order.clone(); }
}
