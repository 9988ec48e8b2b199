package org.bitsearch.storage;

import org.bitsearch.search.trial.Verdict;

import java.util.Optional;

/**
 * One recorded epoch report together with the pruner's verdict on it (empty if none was recorded), as
 * {@link SearchStore#reportsWithDecisions} reads them in one query.
 */
public record DecidedReport(ReportRow report, Optional<Verdict> verdict) {
    public DecidedReport {
        if (report == null) throw new IllegalArgumentException("report must not be null");
        if (verdict == null) verdict = Optional.empty();
    }
}
