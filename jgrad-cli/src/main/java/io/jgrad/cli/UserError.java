package io.jgrad.cli;

/**
 * A mistake in what the user asked for (a flag value, a missing file): printed as one line, exit code 2,
 * never a stack trace.
 */
final class UserError extends RuntimeException {
    UserError(String message) {
        super(message);
    }
}
