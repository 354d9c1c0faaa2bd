package io.jgrad.io;

import java.nio.file.Path;

/**
 * The one exception for a file whose content is wrong (as opposed to an {@link java.io.IOException}, which
 * says the file could not be read at all). Its message stands alone on one line, in the form
 * {@code data/x.csv: line 12, column 'age': "abc" is not a number}, so a command-line tool can print it and
 * exit.
 */
public class JgradFormatException extends RuntimeException {
    private final transient Path file;
    private final String position;

    /**
     * @param file the file that is wrong, or null for text that did not come from a file
     * @param position where in the file, e.g. {@code "byte 8"} or {@code "line 12, column 'age'"}; empty when
     *     the problem concerns the whole file
     * @param problem what is wrong and what was expected
     */
    public JgradFormatException(Path file, String position, String problem) {
        this(file, position, problem, null);
    }

    /** As {@link #JgradFormatException(Path, String, String)}, keeping the low-level cause. */
    public JgradFormatException(Path file, String position, String problem, Throwable cause) {
        super(compose(file, position, problem), cause);
        this.file = file;
        this.position = position == null ? "" : position;
    }

    private static String compose(Path file, String position, String problem) {
        StringBuilder sb = new StringBuilder();
        sb.append(file == null ? "<text>" : file.toString());
        if (position != null && !position.isEmpty()) {
            sb.append(": ").append(position);
        }
        return sb.append(": ").append(problem).toString();
    }

    /** The file that is wrong, or null for text that did not come from a file. */
    public Path file() {
        return file;
    }

    /** Where in the file the problem is (a byte offset, or a line and column), or empty for the whole file. */
    public String position() {
        return position;
    }
}
