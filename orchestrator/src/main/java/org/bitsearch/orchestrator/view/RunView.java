package org.bitsearch.orchestrator.view;

import java.util.List;

/**
 * A search's outcome as {@code run --json} and {@code resume --json} print it: where it stands and its front.
 *
 * @param front the Pareto front, smallest model first
 */
public record RunView(long id, String name, String state, String message, CountsView counts, List<PointView> front) {
    public RunView {
        front = List.copyOf(front);
    }
}
