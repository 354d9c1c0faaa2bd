package io.jgrad.spark;

/**
 * A mistake in the user's data or flags that only a Spark task can see (a row of the data, a batch's share of rows): main
 * prints its message as one line with exit status 2. Any other exception a task raises, an IllegalArgumentException
 * included (Scala's {@code require}, a JDK method's argument check, a shape check tripped by a bug), is an internal
 * error, shown with its stack trace. It is an IllegalArgumentException, as the driver's own refusals are.
 */
final class UserMistake extends IllegalArgumentException {
    UserMistake(String message) {
        super(message);
    }
}
