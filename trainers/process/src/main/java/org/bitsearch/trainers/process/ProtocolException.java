package org.bitsearch.trainers.process;

/**
 * A trainer program broke the protocol or its promises: a malformed line, an unexpected message, a missing
 * checkpoint file, a silence past the timeout, an exit before its answer. The attempt fails (retryable); the message
 * says what happened and ends with the last lines of the attempt's stderr log where there are any.
 */
public final class ProtocolException extends Exception {
    public ProtocolException(String message) {
        super(message);
    }
}
