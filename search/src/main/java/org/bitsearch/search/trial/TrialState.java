package org.bitsearch.search.trial;

/**
 * Life cycle of a trial. PENDING, RUNNING and INTERRUPTED are unfinished; the other three are final and never change
 * again. INTERRUPTED: its attempt was cancelled by a stop, the wall-clock limit or a shutdown (the running epoch was
 * discarded); it resumes from its last checkpoint exactly like a RUNNING one. A trial found RUNNING in a search that
 * is not running was cut off by a crash or a kill.
 */
public enum TrialState {
    PENDING, RUNNING, INTERRUPTED, COMPLETED, PRUNED, FAILED;

    public boolean isFinished() { return this == COMPLETED || this == PRUNED || this == FAILED; }
}
