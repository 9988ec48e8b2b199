package org.bitsearch.orchestrator.view;

/** A quantizable layer of the searched model: its position, name and parameter counts. */
public record LayerView(int index, String name, long weights, long biases) {}
