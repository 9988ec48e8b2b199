package org.bitsearch.orchestrator.view;

/**
 * One epoch report; accuracies and losses are null when not finite. {@code seq} orders reports across a search.
 *
 * @param decision the pruner's verdict on this report (CONTINUE or STOP), null if none was recorded
 * @param rung     the rung the report was judged at, -1 if its epoch is not a rung, null if no verdict was recorded
 */
public record ReportView(int number, int epoch, long seq, Double valAccuracy, Double valLoss, Double trainLoss,
                         double seconds, double samplesPerSecond, String decision, Integer rung) {}
