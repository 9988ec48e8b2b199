package org.bitsearch.storage;

import org.bitsearch.search.trial.Verdict;

/** The pruner's verdict on one report, stored in the same transaction as the report. */
public record RungDecisionRow(long searchId, int number, int epoch, Verdict verdict) {}
