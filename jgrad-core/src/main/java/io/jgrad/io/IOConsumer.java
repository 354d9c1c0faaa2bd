package io.jgrad.io;

import java.io.IOException;

/** A consumer that may throw {@link IOException}: the body that writes a file's content. */
@FunctionalInterface
interface IOConsumer<T> {
    /** Consumes {@code value}, e.g. writes to the stream. */
    void accept(T value) throws IOException;
}
