package org.bitsearch.orchestrator.view;

import java.util.List;

/**
 * A search's Pareto front (validation accuracy up, size down) and how its hypervolume grew.
 *
 * @param points             front points, smallest model first
 * @param hypervolume        hypervolume of the current front, null before the first front
 * @param hypervolumeHistory one entry per front change, oldest first
 * @param layers             the model's quantizable layers (heatmap rows), empty if unknown
 */
public record ParetoView(List<PointView> points, Double hypervolume, List<HypervolumePoint> hypervolumeHistory,
                         List<LayerView> layers) {
    public ParetoView {
        points = List.copyOf(points);
        hypervolumeHistory = List.copyOf(hypervolumeHistory);
        layers = List.copyOf(layers);
    }

    /** The hypervolume after front change number {@code step}. */
    public record HypervolumePoint(double step, double hypervolume) {}
}
