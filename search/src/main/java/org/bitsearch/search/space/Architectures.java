package org.bitsearch.search.space;

import java.util.ArrayList;
import java.util.List;

/** Quantizable layers of standard architectures, computed without building a network. */
public final class Architectures {
    private Architectures() {}

    /**
     * The dense layers of a multi-layer perceptron {@code inputs → hidden... → outputs}: layer i is named
     * {@code "dense" + i}, has {@code in·out} weights and {@code out} biases. The DL4J trainer's layers equal these.
     *
     * @throws IllegalArgumentException if a size is not positive
     */
    public static List<QuantLayer> mlp(int inputs, List<Integer> hidden, int outputs) {
        if (inputs < 1) throw new IllegalArgumentException("inputs is " + inputs + ", but must be >= 1");
        if (outputs < 1) throw new IllegalArgumentException("outputs is " + outputs + ", but must be >= 1");
        if (hidden == null) throw new IllegalArgumentException("hidden must not be null (use an empty list for no hidden layer)");
        List<Integer> sizes = new ArrayList<>();
        sizes.add(inputs);
        for (int i = 0; i < hidden.size(); i++) {
            Integer h = hidden.get(i);
            if (h == null || h < 1) throw new IllegalArgumentException("hidden[" + i + "] is " + h + ", but must be >= 1");
            sizes.add(h);
        }
        sizes.add(outputs);
        List<QuantLayer> layers = new ArrayList<>();
        for (int i = 0; i + 1 < sizes.size(); i++) {
            long in = sizes.get(i), out = sizes.get(i + 1);
            layers.add(new QuantLayer(i, "dense" + i, in * out, out));
        }
        return List.copyOf(layers);
    }
}
