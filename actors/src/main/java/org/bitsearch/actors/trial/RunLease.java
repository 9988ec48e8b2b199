package org.bitsearch.actors.trial;

/**
 * The run a trial actor owns, shared with the thread that opens it: whichever of {@link #adopt} and {@link #release}
 * comes second closes it (the opening thread, if the actor stopped while the run was opening; the actor otherwise).
 */
final class RunLease {
    private RunHandle handle;
    private boolean released;

    /** Takes {@code h}; false if the actor already stopped (the caller must close it). */
    synchronized boolean adopt(RunHandle h) {
        if (released) return false;
        handle = h;
        return true;
    }

    /** Marks the actor stopped and returns the run to close, if one was adopted. */
    synchronized RunHandle release() {
        released = true;
        return handle;
    }
}
