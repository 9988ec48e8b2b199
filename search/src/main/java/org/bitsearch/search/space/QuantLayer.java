package org.bitsearch.search.space;

/**
 * One quantizable (weight) layer of a model, as the search space sees it.
 *
 * @param index   position among the quantizable layers, 0 = closest to the input
 * @param name    a stable, human-readable name ("dense0", "conv1")
 * @param weights number of weight parameters; these get the layer's bit-width
 * @param biases  number of bias parameters; these always stay at 32 bits
 */
public record QuantLayer(int index, String name, long weights, long biases) {
    public QuantLayer {
        if (index < 0) throw new IllegalArgumentException("layer index is " + index + ", but must be >= 0");
        if (name == null || name.isBlank()) throw new IllegalArgumentException("layer name must not be blank");
        if (weights <= 0) throw new IllegalArgumentException("layer " + name + ": weights is " + weights + ", but must be > 0");
        if (biases < 0) throw new IllegalArgumentException("layer " + name + ": biases is " + biases + ", but must be >= 0");
    }
}
