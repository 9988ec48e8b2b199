package org.bitsearch.orchestrator.view;

/**
 * One epoch report; accuracies and losses are null when not finite. {@code seq} orders reports across a search.
 *
 * @param valAccuracy     validation accuracy of the target (fully quantized) model
 * @param currentAccuracy validation accuracy of the current model as trained so far (a progressive schedule's
 *                        layers not reached yet in full precision); equal to {@code valAccuracy} otherwise
 *
 * @param decision the pruner's verdict on this report (CONTINUE or STOP), null if none was recorded
 * @param rung     the rung the report was judged at, -1 if its epoch is not a rung, null if no verdict was recorded
 */
public record ReportView(int number, int epoch, long seq, Double valAccuracy, Double currentAccuracy, Double valLoss, Double trainLoss,
                         double seconds, double samplesPerSecond, String decision, Integer rung) {}
