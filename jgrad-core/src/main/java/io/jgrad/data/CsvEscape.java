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
 * and refuses a file that says both, or neither while its lines read differently. jgrad-spark, whose reader takes a
 * line as a record, judges each line alone; jgrad train judges a record whose quoted value goes over line breaks by
 * its whole text, from its first line to the one where the value ends read either way, since its lines alone begin
 * outside quotes where the value is inside them.
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
     * both ways to different values. jgrad-spark gives each line alone, as Spark's reader reads a line; jgrad train
     * gives the lines of a quoted value over line breaks together, which are read as the records they hold.
     */
    public static int readings(String line) {
        // the readings differ only at \" or \\ or "" inside a quoted value
        if (line.indexOf('"') < 0 || line.indexOf('\\') < 0 && !line.contains("\"\"")) {
            return 0;
        }
        List<List<String>> doubled = records(line, DOUBLED), backslash = records(line, BACKSLASH);
        if (doubled == null && backslash == null || doubled != null && doubled.equals(backslash)) {
            return 0;
        }
        return (doubled == null ? 0 : READS_DOUBLED) | (backslash == null ? 0 : READS_BACKSLASH);
    }

    /**
     * The records of {@code text} read with {@code escape}, or null where it does not read so (a quote left open, ...):
     * one for a line, where a line break inside quotes is not followed; perhaps more for lines that jgrad train judges
     * together, whose records the two escapes may end at different lines.
     */
    private static List<List<String>> records(String text, CsvEscape escape) {
        try {
            CsvParser parser = new CsvParser(new StringReader(text), null, escape);
            List<List<String>> records = new java.util.ArrayList<>();
            for (List<String> r = parser.next(); r != null; r = parser.next()) {
                records.add(r);
            }
            return records;
        } catch (JgradFormatException e) {
            return null;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e); // a StringReader does not fail
        }
    }

    /** {@code text}'s records read with {@code escape} as an error message shows them: on one line, one record as itself. */
    private static String shown(String text, CsvEscape escape) {
        List<List<String>> r = records(text, escape);
        return CsvDataset.printable(String.valueOf(r != null && r.size() == 1 ? r.get(0) : r));
    }

    /**
     * Whether a record is inside a quoted value at the end of {@code line}, read with this escape, given whether it was
     * at its start ({@code quoted}): as {@link CsvParser} reads, a quote opens a value only at a cell's start, and
     * inside one closes it unless escaped ({@code ""}, or {@code \"} with backslashes); a line's end ends a record
     * only outside quotes. jgrad-spark, whose reader takes a line as a record, refuses a line that ends so.
     */
    public boolean quotedAfter(String line, boolean quoted) {
        if (!quoted && line.indexOf('"') < 0) {
            return false;
        }
        boolean cellStart = !quoted;
        for (int i = 0, n = line.length(); i < n; i++) {
            char c = line.charAt(i);
            char next = i + 1 < n ? line.charAt(i + 1) : 0;
            if (!quoted) {
                quoted = c == '"' && cellStart;
                cellStart = c == ',';
            } else if (this == BACKSLASH && c == '\\' && (next == '"' || next == '\\') || this == DOUBLED && c == '"' && next == '"') {
                i++;
            } else if (c == '"') {
                quoted = false;
            }
        }
        return quoted;
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
                + " escapes, " + shown(eitherLine, BACKSLASH) + " (\\\" for a quote, \\\\ for a backslash: Spark's CSV"
                + " writer's default), and with doubled quotes, " + shown(eitherLine, DOUBLED) + " (\"\" for a quote,"
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
