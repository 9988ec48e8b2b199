package org.bitsearch.orchestrator.view;

import java.time.Instant;
import java.util.List;

/**
 * One search with every trial and its front, as {@code show --json} prints it (flat like {@link RunView}).
 *
 * @param trials every trial, in number order
 * @param front  the Pareto front, smallest model first
 */
public record ShowView(long id, String name, String state, String message, long seed, Instant created, Instant updated,
                       CountsView counts, List<TrialView> trials, List<PointView> front) {
    public ShowView {
        trials = List.copyOf(trials);
        front = List.copyOf(front);
    }
}
