package org.bitsearch.orchestrator.view;

import com.fasterxml.jackson.annotation.JsonUnwrapped;

import java.util.List;

/**
 * One trial with its history: every epoch report and every pruner verdict (the rung ladder).
 *
 * @param trial           the trial's row, unwrapped into this object's fields
 * @param reports         epoch reports, in epoch order
 * @param decisions       pruner verdicts, in epoch order
 * @param checkpointEpoch the epoch of its latest checkpoint, null if none
 */
public record TrialDetailView(@JsonUnwrapped TrialView trial, List<ReportView> reports, List<DecisionView> decisions,
                              Integer checkpointEpoch) {
    public TrialDetailView {
        reports = List.copyOf(reports);
        decisions = List.copyOf(decisions);
    }
}
