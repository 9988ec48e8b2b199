package org.bitsearch.storage;

/** A storage failure, with a message that says what went wrong and what to do (unchecked). */
public class StoreException extends RuntimeException {
    public StoreException(String message) { super(message); }
    public StoreException(String message, Throwable cause) { super(message, cause); }
}
