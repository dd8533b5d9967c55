package org.simdcnn.cli;

/** A mistake of the user (bad argument, missing file): reported as one line plus the usage, exit code 2. */
public final class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message);
    }

    public UsageException(String message, Throwable cause) {
        super(message, cause);
    }
}
