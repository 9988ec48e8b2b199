package org.bitsearch.orchestrator.view;

import org.bitsearch.storage.TrialCounts;

/**
 * How many trials of a search are in each state: the one {@code counts} object of every search view
 * ({@code run/resume/show/list --json} and the REST API). Field names are lowercase and part of the public schema.
 */
public record CountsView(int total, int pending, int running, int completed, int pruned, int failed) {
    public static CountsView of(TrialCounts c) {
        return new CountsView(c.total(), c.pending(), c.running(), c.completed(), c.pruned(), c.failed());
    }

    /** Trials in a final state (completed, pruned or failed). */
    public int finished() { return completed + pruned + failed; }
}
