package org.bitsearch.storage;

import org.bitsearch.search.engine.ReportRef;
import org.bitsearch.search.trial.TrialRecord;

import java.util.List;
import java.util.Map;

/**
 * What resuming a search needs, read in one consistent snapshot.
 *
 * @param search      the search row
 * @param trials      every trial as the search core sees it, in number order, with all its reports
 * @param reportOrder every report in recorded order (to replay the pruner's rung state)
 * @param unfinished  PENDING, RUNNING and INTERRUPTED trials, to be continued (from their checkpoint if any)
 * @param checkpoints latest checkpoint by trial number, for the unfinished trials that have one
 */
public record ResumeState(SearchRow search, List<TrialRecord> trials, List<ReportRef> reportOrder,
                          List<TrialRow> unfinished, Map<Integer, CheckpointRow> checkpoints) {
    public ResumeState {
        trials = List.copyOf(trials);
        reportOrder = List.copyOf(reportOrder);
        unfinished = List.copyOf(unfinished);
        checkpoints = Map.copyOf(checkpoints);
    }

    /** The number the next new trial gets: one past the highest recorded, so numbers have no gaps. */
    public int nextNumber() { return trials.isEmpty() ? 0 : trials.get(trials.size() - 1).number() + 1; }
}
