package org.bitsearch.storage;

import org.bitsearch.search.trial.EpochMetrics;

/** One recorded epoch report; {@code seq} orders all reports of a search by the time they were recorded. */
public record ReportRow(long searchId, int number, long seq, EpochMetrics metrics) {}
