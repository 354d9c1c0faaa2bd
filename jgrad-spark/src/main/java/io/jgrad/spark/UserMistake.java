package io.jgrad.spark;

/**
 * A mistake in the user's flags, files or data: main prints its message as one line with exit status 2. The driver
 * throws it for what it refuses before and while reading the data (a flag's value, a file, a run directory, a data set
 * that cannot be trained on), jgrad-core's refusals of a flag included (their IllegalArgumentException, whose message
 * names the flag, is rethrown as one), and a Spark task for what only it can see (a row of the data, a batch's share of
 * rows), inside Spark's "Job aborted". Any other exception, an IllegalArgumentException included (Scala's
 * {@code require}, a JDK method's argument check, a shape check tripped by a bug), is an internal error, shown with its
 * stack trace (exit status 1).
 *
 * <p>It is an IllegalArgumentException, so that {@link DistributedDataset}'s public readers still throw one for bad
 * data. It is not jgrad-cli's UserError, which this module cannot see (jgrad-cli is no dependency of it) and which
 * would have to move into jgrad-core as public API; jgrad-core's own checks throw IllegalArgumentException, as a
 * library's do, and each front end decides which of them are the user's.
 */
final class UserMistake extends IllegalArgumentException {
    UserMistake(String message) {
        super(message);
    }

    UserMistake(String message, Throwable cause) {
        super(message, cause);
    }
}
