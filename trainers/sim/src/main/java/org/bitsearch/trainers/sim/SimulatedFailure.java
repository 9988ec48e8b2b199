package org.bitsearch.trainers.sim;

/** The exception the simulated trainer throws for an injected failure. */
public final class SimulatedFailure extends Exception {
    public SimulatedFailure(String message) { super(message); }
}
