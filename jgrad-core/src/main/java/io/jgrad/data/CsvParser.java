package io.jgrad.data;

import io.jgrad.io.JgradFormatException;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits CSV text into records by RFC 4180: fields separated by commas, records by CRLF, LF or CR; a field in
 * double quotes may hold commas, line breaks and doubled quotes ({@code ""} for one {@code "}), or with
 * {@link CsvEscape#BACKSLASH} backslash escapes instead ({@code \"} for {@code "}, {@code \\} for {@code \}). A
 * leading UTF-8 byte-order mark is skipped. Cells are capped in length so a hostile file cannot exhaust memory in one
 * cell.
 */
final class CsvParser {
    static final int MAX_CELL_CHARS = 1 << 20;

    private final Reader in;
    private final Path file;
    private final CsvEscape escape;
    private int line = 1;
    private int recordLine;
    private boolean recordBlank;
    private int pending = -2; // -2: nothing peeked
    private boolean first = true;

    CsvParser(Reader in, Path file, CsvEscape escape) {
        this.in = in;
        this.file = file;
        this.escape = escape;
    }

    /** The 1-based line on which the record last returned by {@link #next()} started. */
    int recordLine() {
        return recordLine;
    }

    /** Whether the last record was an empty line (no characters at all). */
    boolean recordBlank() {
        return recordBlank;
    }

    private int read() throws IOException {
        if (pending != -2) {
            int c = pending;
            pending = -2;
            return c;
        }
        int c = in.read();
        if (first) {
            first = false;
            if (c == 0xFEFF) {
                c = in.read();
            }
        }
        return c;
    }

    private void unread(int c) {
        pending = c;
    }

    /** The next record's fields, or null at the end of the text. */
    List<String> next() throws IOException {
        int c = read();
        if (c < 0) {
            return null;
        }
        recordLine = line;
        recordBlank = c == '\n' || c == '\r';
        List<String> fields = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        while (true) {
            if (c == '"' && cell.isEmpty()) {
                readQuoted(cell);
                c = read();
                if (c != ',' && c != '\n' && c != '\r' && c >= 0) {
                    throw new TextAfterQuote(file, "line " + line, "unexpected character '" + (char) c
                            + "' after a closing quote; a quoted field must be followed by a comma or a line end"
                            + (escape == CsvEscape.BACKSLASH ? " (this file escapes a quote inside one as \\\")" : ""));
                }
            } else {
                while (c >= 0 && c != ',' && c != '\n' && c != '\r') {
                    append(cell, (char) c);
                    c = read();
                }
            }
            fields.add(cell.toString());
            cell.setLength(0);
            if (c == ',') {
                c = read();
                continue;
            }
            endOfLine(c);
            return fields;
        }
    }

    /**
     * The refusal of text between a quoted field's closing quote and the next comma or line end ({@code "x"y}), told
     * apart from the parser's other refusals for {@link CsvEscape#textAfterQuote}, which jgrad-spark checks each line by.
     */
    static final class TextAfterQuote extends JgradFormatException {
        private final String problem;

        TextAfterQuote(Path file, String position, String problem) {
            super(file, position, problem);
            this.problem = problem;
        }

        /** What is wrong, without the file and line. */
        String problem() {
            return problem;
        }
    }

    private void endOfLine(int c) throws IOException {
        if (c == '\r') {
            int n = read();
            if (n != '\n') {
                unread(n);
            }
        }
        if (c >= 0) {
            line++;
        }
    }

    private void readQuoted(StringBuilder cell) throws IOException {
        int startLine = line;
        while (true) {
            int c = read();
            if (c < 0) {
                throw new JgradFormatException(file, "line " + startLine, "quoted field is not closed; expected a"
                        + " closing '\"' before the end of the file");
            }
            if (c == '\\' && escape == CsvEscape.BACKSLASH) {
                int n = read();
                if (n == '"' || n == '\\') {
                    append(cell, (char) n);
                    continue;
                }
                unread(n); // a backslash before any other character is itself, as Spark's reader reads it
            } else if (c == '"') {
                int n = read();
                if (n != '"' || escape == CsvEscape.BACKSLASH) {
                    unread(n);
                    return;
                }
            } else if (c == '\r' || c == '\n') {
                endOfLine(c);
                append(cell, '\n');
                continue;
            }
            append(cell, (char) c);
        }
    }

    private void append(StringBuilder cell, char c) {
        if (cell.length() >= MAX_CELL_CHARS) {
            throw new JgradFormatException(file, "line " + recordLine, "a cell is longer than " + MAX_CELL_CHARS
                    + " characters; is this a CSV file?");
        }
        cell.append(c);
    }
}
