package org.bitsearch.search.trial;

/** Life cycle of a trial. PENDING and RUNNING are unfinished; the other three are final and never change again. */
public enum TrialState {
    PENDING, RUNNING, COMPLETED, PRUNED, FAILED;

    public boolean isFinished() { return this == COMPLETED || this == PRUNED || this == FAILED; }
}
