package io.jgrad.data;

import io.jgrad.io.JgradFormatException;
import java.io.IOException;
import java.io.StringReader;
import java.util.List;

/**
 * How a CSV file writes a quote inside a quoted value. {@link #DOUBLED}: {@code ""} (RFC 4180, as Python's csv module,
 * pandas, R and Excel write it), a backslash being an ordinary character. {@link #BACKSLASH}: {@code \"}, and
 * {@code \\} for a backslash, as Apache Spark's DataFrameWriter writes CSV with its default options (quote {@code "},
 * escape {@code \}); its reader's defaults read them back, and a backslash before any other character is itself.
 *
 * <p>The two read a line differently only where a quoted value holds {@code \"}, {@code \\} or {@code ""}. A file
 * says which it uses by the lines that read one way only ({@link #readings(String)}); {@link #of} decides from them,
 * and refuses a file that says both, or neither while its lines read differently. jgrad train and jgrad-spark decide
 * by the same lines, so that they read every file alike.
 */
public enum CsvEscape {
    /** {@code ""} for a quote inside a quoted value (RFC 4180). */
    DOUBLED,
    /** {@code \"} for a quote and {@code \\} for a backslash inside a quoted value (Spark's CSV writer's default). */
    BACKSLASH;

    /** A bit of {@link #readings(String)}: the line reads with {@link #DOUBLED}. */
    public static final int READS_DOUBLED = 1;
    /** A bit of {@link #readings(String)}: the line reads with {@link #BACKSLASH}. */
    public static final int READS_BACKSLASH = 2;

    /**
     * How one line of a file (a whole record) reads: 0 where it reads the same with either escape (or with neither:
     * its error is the parse's), else {@link #READS_DOUBLED}, {@link #READS_BACKSLASH}, or both bits where it reads
     * both ways to different values. Line breaks inside quotes are not followed: each line is read alone, as Spark's
     * reader reads a line.
     */
    public static int readings(String line) {
        // the readings differ only at \" or \\ or "" inside a quoted value
        if (line.indexOf('"') < 0 || line.indexOf('\\') < 0 && !line.contains("\"\"")) {
            return 0;
        }
        List<String> doubled = fields(line, DOUBLED), backslash = fields(line, BACKSLASH);
        if (doubled == null && backslash == null || doubled != null && doubled.equals(backslash)) {
            return 0;
        }
        return (doubled == null ? 0 : READS_DOUBLED) | (backslash == null ? 0 : READS_BACKSLASH);
    }

    /** The fields of {@code line} read with {@code escape}, or null where it does not read so (a quote left open, ...). */
    static List<String> fields(String line, CsvEscape escape) {
        try {
            CsvParser parser = new CsvParser(new StringReader(line), null, escape);
            List<String> fields = parser.next();
            return parser.next() == null ? fields : null;
        } catch (JgradFormatException e) {
            return null;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e); // a StringReader does not fail
        }
    }

    /**
     * What jgrad train says of {@code line}, read alone with this escape, where text follows a quoted value's closing
     * quote ({@code "x"y}: "unexpected character 'y' after a closing quote; a quoted field must be followed by a comma
     * or a line end", without the file and line, which the caller knows), else null: also for a line whose last quoted
     * value is not closed on it, which the rule of one line cannot judge. jgrad-spark reads a CSV file line by line
     * and checks each so, where Spark's reader took such a value as its raw text.
     */
    public String textAfterQuote(String line) {
        if (line.indexOf('"') < 0) {
            return null;
        }
        try {
            CsvParser parser = new CsvParser(new StringReader(line), null, this);
            while (parser.next() != null) {
                // every record of the text: a line of a file is one
            }
            return null;
        } catch (CsvParser.TextAfterQuote e) {
            return e.problem();
        } catch (JgradFormatException e) {
            return null; // a quote left open, a cell too long: not this rule's
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e); // a StringReader does not fail
        }
    }

    /**
     * The escape of a file, from the places ("line 3", or "part-00000.csv: line 3") of its first lines that read
     * {@link #readings(String) only} doubled, only with backslashes, and both ways differently (each null where there
     * is none; {@code eitherLine} is that line's text, shown in the error): the one its lines read by; DOUBLED where
     * no line tells.
     *
     * @throws IllegalArgumentException for a file with lines of both escapes, or with lines that read both ways and
     *     none that tells which: its message begins with a place and says what was expected
     */
    public static CsvEscape of(String doubledOnly, String backslashOnly, String either, String eitherLine) {
        CsvEscape decided = decide(doubledOnly != null, backslashOnly != null, either != null);
        if (decided != null) {
            return decided;
        }
        if (doubledOnly != null && backslashOnly != null) {
            throw new IllegalArgumentException(backslashOnly + ": a quoted value reads only with backslash escapes (\\\" for"
                    + " a quote, \\\\ for a backslash: Spark's CSV writer's default), but " + doubledOnly + " only with doubled"
                    + " quotes (\"\" for a quote: RFC 4180); expected one or the other throughout the file");
        }
        throw new IllegalArgumentException(either + ": a quoted value holding \\\\ or \\\" reads differently with backslash"
                + " escapes, " + fields(eitherLine, BACKSLASH) + " (\\\" for a quote, \\\\ for a backslash: Spark's CSV"
                + " writer's default), and with doubled quotes, " + fields(eitherLine, DOUBLED) + " (\"\" for a quote,"
                + " a backslash as itself: RFC 4180), and no line of the file reads only one way; expected a file written"
                + " one way that says which: Spark writes doubled quotes with .option(\"escape\", \"\\\"\"), as pandas"
                + " and Python's csv module write them");
    }

    /**
     * The rule of {@link #of} on whether a file has lines that read only doubled, only with backslashes, and both ways
     * differently: the escape those lines call for, DOUBLED where none tells, or null where the file is refused (lines
     * of both escapes, or lines that read both ways and none that tells which), for {@link #of} to say where.
     */
    public static CsvEscape decide(boolean doubledOnly, boolean backslashOnly, boolean either) {
        if (doubledOnly != backslashOnly) {
            return doubledOnly ? DOUBLED : BACKSLASH;
        }
        return doubledOnly || either ? null : DOUBLED;
    }
}
