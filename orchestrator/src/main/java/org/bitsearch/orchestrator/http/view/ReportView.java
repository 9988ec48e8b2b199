package org.bitsearch.orchestrator.http.view;

/** One epoch report; accuracies and losses are null when not finite. {@code seq} orders reports across a search. */
public record ReportView(int number, int epoch, long seq, Double valAccuracy, Double valLoss, Double trainLoss,
                         double seconds, double samplesPerSecond) {}
