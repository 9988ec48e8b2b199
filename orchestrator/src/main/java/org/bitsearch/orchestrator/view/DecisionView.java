package org.bitsearch.orchestrator.view;

/** A pruner verdict on one epoch: CONTINUE or STOP, the rung index (-1: not a rung epoch) and why. */
public record DecisionView(int epoch, String decision, int rung, String reason) {}
