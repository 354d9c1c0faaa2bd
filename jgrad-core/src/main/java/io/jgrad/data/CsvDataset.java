package io.jgrad.data;

import io.jgrad.io.JgradFormatException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * A numeric table from a CSV file: the first row names the columns (each name non-blank and unique), every
 * other cell is a finite decimal number. One column is the target; all others, in file order, are the features
 * [N, F]. For classification the target holds class indices 0, 1, 2, ... (numClasses = largest + 1), each an
 * integer as written (3, 3.0 or 3e0; not 3.00000001, which float32 would round to 3), or class names: when a
 * cell of the target is not a number (setosa, yes), every cell of it is a name (surrounding blanks ignored), and
 * class i is the i-th of the distinct names in sorted order (by Unicode code point, as scikit-learn's LabelEncoder); see
 * {@link #classNames()}. For regression the target is a scalar per row (targetShape []).
 *
 * <p>Quoting follows RFC 4180 (see {@link CsvParser}), or Spark's backslash escapes in a file whose lines say so
 * (see {@link CsvEscape}); the file must be UTF-8 (a byte-order mark is ignored);
 * blank lines at the end are ignored. Every error names the file, the line and column, and what was expected.
 */
public final class CsvDataset implements Dataset {
    /**
     * Largest class index accepted, as {@link IdxDataset#MAX_LABEL}: a network gets one output per class up to the
     * largest label, so a stray large label (a value column taken for labels) would otherwise build a huge output layer
     * and fail later for lack of memory, without naming the line.
     */
    public static final int MAX_CLASS = IdxDataset.MAX_LABEL;
    private static final Pattern NUMBER = Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?");
    private static final Pattern NON_FINITE = Pattern.compile("[+-]?(nan|inf|infinity)");

    private final TensorDataset data;
    private final List<String> featureNames;
    private final String targetName;
    private final List<String> classNames;

    private CsvDataset(TensorDataset data, List<String> featureNames, String targetName, List<String> classNames) {
        this.data = data;
        this.featureNames = List.copyOf(featureNames);
        this.targetName = targetName;
        this.classNames = List.copyOf(classNames);
    }

    /**
     * Loads {@code file}.
     *
     * @param targetColumn name of the target column, or null for the last column
     * @param classification whether the target holds class indices (else regression values)
     * @throws JgradFormatException if the file is empty or not a regular file, has a blank or repeated column name, no data rows,
     *     ragged rows, a cell that is not a finite number, an unknown target column, or (for classification) a
     *     target that is not an integer in 0..{@value #MAX_CLASS}
     */
    public static CsvDataset load(Path file, String targetColumn, boolean classification) throws IOException {
        return load(file, targetColumn, classification, null, null);
    }

    /**
     * Loads {@code file} with the named feature columns, in the order of {@code features}, whatever their order in
     * the file; other columns are ignored (not even parsed). Without {@code targetColumn} the target is the last
     * column that is not one of {@code features}.
     *
     * @param features the feature column names, or null for all columns but the target, in file order
     * @throws JgradFormatException as {@link #load}, and if a column of {@code features} is missing
     */
    public static CsvDataset load(Path file, String targetColumn, boolean classification, List<String> features)
            throws IOException {
        return load(file, targetColumn, classification, features, null);
    }

    /**
     * Loads {@code file} as {@link #load(Path, String, boolean, List)}, with the classes of another file: for
     * validation or test data, whose labels must mean what the training file's mean.
     *
     * @param classNames null to read class indices or, when a target cell is not a number, class names (as the
     *     other overloads do); an empty list for class indices only; else the names of classes 0, 1, ..., which
     *     every target cell must be one of (numClasses is then their number, even where some do not occur)
     * @throws JgradFormatException as {@link #load(Path, String, boolean, List)}, and if a target is not one of
     *     {@code classNames}
     */
    public static CsvDataset load(Path file, String targetColumn, boolean classification, List<String> features,
                                  List<String> classNames) throws IOException {
        return loadChoosingTarget(file, header -> targetColumn, classification, features, classNames);
    }

    /**
     * Loads {@code file} as {@link #load(Path, String, boolean, List, List)}, with the target column that
     * {@code targetColumn} chooses from the header row (the column names in file order; null for the last column that
     * is not a feature), in the pass that reads the rows: for a caller that chooses it by what the file holds, which
     * {@link #columnNames} and then a load read the file for twice. {@code targetColumn} is applied before the header's
     * names are checked, once per pass (a target of class names read first as indices is read again), and what it
     * throws goes to the caller.
     *
     * @throws JgradFormatException as {@link #load(Path, String, boolean, List, List)}
     */
    public static CsvDataset loadChoosingTarget(Path file, Function<List<String>, String> targetColumn, boolean classification,
                                                List<String> features, List<String> classNames) throws IOException {
        Function<List<String>, List<String>> named = header -> features;
        if (!classification || classNames != null) {
            return read(file, targetColumn, classification, true, named, classNames, false);
        }
        try {
            return read(file, targetColumn, true, true, named, List.of(), true);
        } catch (NamesInTarget e) {
            // the rows before the first name were read as numbers; read again, every target cell as a name
            return read(file, targetColumn, true, true, named, null, false);
        }
    }

    /**
     * Loads a file of features only (for prediction): every column is a feature, and the targets are all 0.
     *
     * @throws JgradFormatException as {@link #load}, for the feature cells
     */
    public static CsvDataset loadFeatures(Path file) throws IOException {
        return read(file, header -> null, false, false, header -> null, List.of(), false);
    }

    /**
     * Loads the named feature columns of {@code file} (for prediction), in the order of {@code features}, whatever
     * their order in the file; other columns are ignored. The targets are all 0.
     *
     * @throws JgradFormatException as {@link #load}, and if a column of {@code features} is missing
     */
    public static CsvDataset loadFeatures(Path file, List<String> features) throws IOException {
        return read(file, header -> null, false, false, header -> features, List.of(), false);
    }

    /**
     * Loads the feature columns of {@code file} that {@code features} chooses from the header row (the column names in
     * file order; null for every column), as {@link #loadFeatures(Path, List)} loads named ones, in the pass that reads
     * the rows: for a caller that chooses them by what the file holds, which {@link #columnNames} and then a load read
     * the file for twice. {@code features} is applied once, before the header's names are checked, and what it throws
     * goes to the caller.
     *
     * @throws JgradFormatException as {@link #loadFeatures(Path, List)}
     */
    public static CsvDataset loadFeaturesChoosing(Path file, Function<List<String>, List<String>> features) throws IOException {
        return read(file, header -> null, false, false, features, List.of(), false);
    }

    /**
     * Thrown by a read of class indices at a target cell that is not a number, when the caller asked to learn class
     * names then ({@code namesInstead}): the read starts again with every target cell a name.
     */
    private static final class NamesInTarget extends RuntimeException {
        NamesInTarget() {
            super(null, null, false, false);
        }
    }

    /**
     * {@code classNames}: empty for class indices, null to learn class names from the target column, else the
     * names of classes 0, 1, ... (see {@link #load(Path, String, boolean, List, List)}); {@code namesInstead}: with
     * class indices, throw {@link NamesInTarget} at a target cell that is a name instead of refusing it.
     */
    private static CsvDataset read(Path file, Function<List<String>, String> targetColumn, boolean classification, boolean hasTarget,
                                   Function<List<String>, List<String>> features, List<String> classNames, boolean namesInstead)
            throws IOException {
        return withParser(file, null, parser -> parse(parser, file, targetColumn, classification, hasTarget, features, classNames,
                namesInstead));
    }

    /**
     * The column names in the header row of {@code file}, in file order, read without the rows below it: for a caller
     * that chooses the target or feature columns of a {@link #load} by what the file holds.
     *
     * @throws JgradFormatException if the file is a directory, is empty, begins with a blank line, or its header is
     *     not UTF-8
     */
    public static List<String> columnNames(Path file) throws IOException {
        // the header alone, where it reads the same with either escape (nearly always): the file's escape, decided by
        // all of its lines, was a pass over the whole file for one row
        List<String> doubled = headerReadWith(file, CsvEscape.DOUBLED);
        if (doubled != null && doubled.equals(headerReadWith(file, CsvEscape.BACKSLASH))) {
            return doubled;
        }
        return withParser(file, null, parser -> header(parser, file)); // the escape the file's lines call for, or its refusal
    }

    /** The header of {@code file} read with {@code escape}, or null where it is refused so (the other pass says why). */
    private static List<String> headerReadWith(Path file, CsvEscape escape) throws IOException {
        try {
            return withParser(file, escape, parser -> header(parser, file));
        } catch (JgradFormatException e) {
            return null;
        }
    }

    /** What {@link #withParser} runs on the file's parser. */
    private interface ParserTask<T> {
        T run(CsvParser parser) throws IOException;
    }

    /**
     * {@code task} on a parser of {@code file}, read as UTF-8 with {@code escape} (null: the one its lines call for,
     * {@link #escapeOf}); a directory, a pipe or device, or bytes that are not UTF-8 are refused, naming the file.
     */
    private static <T> T withParser(Path file, CsvEscape escape, ParserTask<T> task) throws IOException {
        if (Files.isDirectory(file)) {
            throw new JgradFormatException(file, "", "is a directory; expected a CSV file");
        }
        if (Files.exists(file) && !Files.isRegularFile(file)) {
            // the file is read twice (escapeOf, then the rows): a pipe's rows went to the first pass, /dev/null was
            // "file is empty" and /dev/zero one endless line
            throw new JgradFormatException(file, "", "is not a regular file (a pipe, socket or device); expected a CSV file,"
                    + " which is read more than once");
        }
        try (var reader = utf8(file)) {
            // the header's quotes are read as the rows' are: by the escape the whole file's lines say it uses, unless
            // the caller knows it makes no difference (columnNames, for a header that reads the same either way)
            return task.run(new CsvParser(reader, file, escape != null ? escape : escapeOf(file)));
        } catch (CharacterCodingException e) {
            // the reader decodes ahead of the parser (a whole buffer at a time), so the parser's line is not where the
            // bad bytes are: find them with a second pass, which only a failing load pays for
            throw new JgradFormatException(file, "line " + lineOfMalformedUtf8(file), "text is not valid UTF-8; save the"
                    + " file as UTF-8", e);
        }
    }

    /**
     * The {@link CsvEscape} of {@code file}, by its lines as {@link CsvEscape#of} decides (line breaks counted as
     * {@link CsvParser} counts them), where the lines of a quoted value over line breaks are judged together, from its
     * first line to the one where it ends read either way; its refusal names the file and the (first) line.
     */
    private static CsvEscape escapeOf(Path file) throws IOException {
        String[] first = new String[4]; // the places of a line reading doubled only, backslash only, both; both's text
        try (var lines = utf8(file)) {
            long n = 0, start = 0;
            boolean doubledOpen = false, backslashOpen = false; // inside a quoted value at the line's end, read so
            StringBuilder record = new StringBuilder();
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                n++;
                boolean continued = doubledOpen || backslashOpen;
                if (!continued && line.indexOf('"') < 0) {
                    continue; // reads the same either way, and opens no quoted value: nearly every line of a data file
                }
                if (!continued) {
                    start = n;
                    record.setLength(0);
                } else {
                    record.append('\n');
                }
                record.append(line);
                doubledOpen = CsvEscape.DOUBLED.quotedAfter(line, doubledOpen);
                backslashOpen = CsvEscape.BACKSLASH.quotedAfter(line, backslashOpen);
                // a value open longer than the parser's longest cell is refused by the parse that reads it so
                if ((doubledOpen || backslashOpen) && record.length() <= CsvParser.MAX_CELL_CHARS) {
                    continue;
                }
                doubledOpen = backslashOpen = false;
                judge(record.toString(), start, first);
            }
            if (doubledOpen || backslashOpen) {
                judge(record.toString(), start, first); // a value left open at the end: the parse's to refuse
            }
        }
        try {
            return CsvEscape.of(first[0], first[1], first[2], first[3]);
        } catch (IllegalArgumentException e) {
            int colon = e.getMessage().indexOf(": ");
            throw new JgradFormatException(file, e.getMessage().substring(0, colon), e.getMessage().substring(colon + 2));
        }
    }

    /**
     * Records where {@code text}, from line {@code start}, is the first to read doubled only, backslash only or both
     * ways differently. Modified: first (the places of each kind, and the text of the first of both).
     */
    private static void judge(String text, long start, String[] first) {
        int readings = CsvEscape.readings(text); // a byte-order mark: CsvParser skips it
        int kind = readings == CsvEscape.READS_DOUBLED ? 0 : readings == CsvEscape.READS_BACKSLASH ? 1 : readings == 0 ? -1 : 2;
        if (kind >= 0 && first[kind] == null) {
            first[kind] = "line " + start;
            if (kind == 2) {
                first[3] = text;
            }
        }
    }

    /** A decoder of UTF-8 that reports bytes that are not UTF-8, where the default one would replace them. */
    private static CharsetDecoder strictUtf8() {
        return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
    }

    /** {@code file} read through {@link #strictUtf8} and a 64 KiB buffer. */
    private static BufferedReader utf8(Path file) throws IOException {
        return new BufferedReader(new InputStreamReader(Files.newInputStream(file), strictUtf8()), 1 << 16);
    }

    /**
     * The 1-based line holding the first bytes of {@code file} that are not UTF-8, counting line ends as
     * {@link CsvParser} does (CRLF, LF or CR, also inside quotes).
     */
    static long lineOfMalformedUtf8(Path file) throws IOException {
        var decoder = strictUtf8();
        ByteBuffer in = ByteBuffer.allocate(1 << 16);
        CharBuffer out = CharBuffer.allocate(1 << 16);
        long line = 1;
        boolean afterCr = false;
        try (var channel = Files.newByteChannel(file)) {
            while (true) {
                boolean end = channel.read(in) < 0;
                in.flip();
                CoderResult result;
                do {
                    result = decoder.decode(in, out, end);
                    out.flip();
                    while (out.hasRemaining()) {
                        char c = out.get();
                        if (c == '\r' || (c == '\n' && !afterCr)) {
                            line++;
                        }
                        afterCr = c == '\r';
                    }
                    out.clear();
                } while (result.isOverflow());
                if (result.isError() || end) {
                    return line;
                }
                in.compact();
            }
        }
    }

    private static CsvDataset parse(CsvParser parser, Path file, Function<List<String>, String> chooseTarget,
                                    boolean classification, boolean hasTarget, Function<List<String>, List<String>> chooseFeatures,
                                    List<String> classNames, boolean namesInstead) throws IOException {
        List<String> header = header(parser, file);
        String targetColumn = chooseTarget.apply(java.util.Collections.unmodifiableList(header));
        List<String> features = chooseFeatures.apply(java.util.Collections.unmodifiableList(header));
        int columns = header.size();
        Map<String, Integer> index = new HashMap<>(); // a linear check: a file may have 100,000s of columns
        for (int i = 0; i < columns; i++) {
            String name = header.get(i);
            if (name.isBlank()) {
                // a trailing comma, or the unnamed index column that pandas' to_csv writes without index=False: the
                // row numbers would otherwise become a feature
                throw new JgradFormatException(file, "line 1, column " + (i + 1), "the header gives this column no name;"
                        + " every column needs one (a trailing comma, or a row index saved without a name?)");
            }
            Integer first = index.putIfAbsent(name, i);
            if (first != null) {
                throw new JgradFormatException(file, "line 1", "column name '" + printable(name) + "' appears twice"
                        + " (columns " + (first + 1) + " and " + (i + 1) + "); names must be unique");
            }
        }
        if (features != null) {
            List<String> missing = features.stream().filter(f -> !index.containsKey(f)).toList();
            if (!missing.isEmpty()) {
                throw new JgradFormatException(file, "line 1", "no column" + (missing.size() == 1 ? " " : "s ")
                        + quoted(missing) + "; expected the feature columns " + quoted(features)
                        + " (in any order), the file has " + quoted(header));
            }
        }
        int target = !hasTarget ? -1 : targetColumn != null ? index.getOrDefault(targetColumn, -1) : lastNotIn(header, features);
        if (target < 0 && hasTarget) {
            throw new JgradFormatException(file, "line 1", targetColumn == null
                    ? "no target column; the columns are " + quoted(header) + ", all of them features"
                    : "no column named '" + printable(targetColumn) + "'; the columns are " + printable(header.toString()));
        }
        if (columns < 2 && hasTarget) {
            throw new JgradFormatException(file, "line 1", "only one column ('" + printable(header.get(0))
                    + "'); expected feature columns and a target column");
        }
        // slot[c]: where column c goes in a row's features; -1 for the target and for columns not selected
        Map<String, Integer> featureSlot = new HashMap<>();
        for (int i = 0; features != null && i < features.size(); i++) {
            featureSlot.putIfAbsent(features.get(i), i);
        }
        int[] slot = new int[columns];
        for (int c = 0, k = 0; c < columns; c++) {
            slot[c] = c == target ? -1 : features == null ? k++ : featureSlot.getOrDefault(header.get(c), -1);
        }
        int nFeatures = features != null ? features.size() : hasTarget ? columns - 1 : columns;
        int capacity = Math.max(1, Math.min(64, (1 << 20) / nFeatures)); // rows; grows as rows arrive
        float[] values = new float[capacity * nFeatures];
        float[] targets = new float[capacity];
        int rows = 0;
        int blankLine = 0; // first of a run of blank lines, which is an error unless only blank lines follow
        int maxClass = -1;
        // with namesInstead, the first target cell that is not a class index (thrown at the end, if no name follows)
        JgradFormatException notIndex = null;
        // class names: by name, the index of a given name, or the order of first appearance of a learned one
        boolean byName = classification && (classNames == null || !classNames.isEmpty());
        Map<String, Integer> nameIds = new HashMap<>();
        for (int i = 0; byName && classNames != null && i < classNames.size(); i++) {
            nameIds.putIfAbsent(classNames.get(i), i);
        }
        List<String> record;
        while ((record = parser.next()) != null) {
            int line = parser.recordLine();
            if (parser.recordBlank() && record.size() == 1) {
                blankLine = blankLine == 0 ? line : blankLine;
                continue;
            }
            if (blankLine != 0) {
                throw new JgradFormatException(file, "line " + blankLine, "blank line inside the data; expected "
                        + columns + " values (only trailing blank lines are ignored)");
            }
            if (record.size() != columns) {
                throw new JgradFormatException(file, "line " + line, "found " + record.size() + " values; expected "
                        + columns + " as in the header");
            }
            if (rows == targets.length) {
                int grown = (int) Math.min(Integer.MAX_VALUE - 8, 2L * rows);
                if (grown == rows || (long) grown * nFeatures > Integer.MAX_VALUE - 8) {
                    throw new JgradFormatException(file, "line " + line, "too many rows for one float array");
                }
                targets = Arrays.copyOf(targets, grown);
                values = Arrays.copyOf(values, grown * nFeatures);
            }
            int k = rows * nFeatures;
            for (int c = 0; c < columns; c++) {
                if (c != target && slot[c] < 0) {
                    continue;
                }
                if (c == target && byName) {
                    targets[rows] = classId(record.get(c), nameIds, classNames, file, line, header.get(c));
                    continue;
                }
                if (c == target && namesInstead && isName(record.get(c))) {
                    throw new NamesInTarget();
                }
                if (c == target && !classification && hasTarget && isName(record.get(c))) {
                    throw new JgradFormatException(file, position(line, header.get(c)), "\"" + shorten(record.get(c))
                            + "\" is not a number; a regression target holds numbers (class names need a classification"
                            + " loss such as cross-entropy)");
                }
                if (c == target && namesInstead && record.get(c).isBlank()) {
                    throw new JgradFormatException(file, position(line, header.get(c)), "empty cell; expected a class"
                            + " index or name");
                }
                if (c == target && notIndex != null) {
                    continue; // a cell above is no class index: only a name below can still make the column valid
                }
                double v;
                try {
                    v = number(record.get(c), file, line, header.get(c));
                    // checked before rounding to float32, which would turn 2.00000001 into a class index and
                    // 16777217 into 16777216
                    if (c == target && classification && (v < 0 || v != Math.floor(v) || v > MAX_CLASS)) {
                        throw new JgradFormatException(file, position(line, header.get(c)), "\"" + shorten(record.get(c))
                                + "\" is not a class index; classification targets must be integers 0.." + MAX_CLASS
                                + " (real-valued targets need a regression loss such as mean squared error)");
                    }
                } catch (JgradFormatException e) {
                    if (c != target || !namesInstead) {
                        throw e;
                    }
                    // whether the column holds names (and 1.5 or nan is one of them) depends on the cells below
                    notIndex = e;
                    continue;
                }
                if (c != target) {
                    values[k + slot[c]] = (float) v;
                } else {
                    maxClass = Math.max(maxClass, (int) v);
                    targets[rows] = (float) v;
                }
            }
            rows++;
        }
        if (notIndex != null) {
            throw notIndex;
        }
        if (rows == 0) {
            throw new JgradFormatException(file, "", "has a header but no data rows");
        }
        List<String> names = features != null ? features : new ArrayList<>(header);
        if (hasTarget && features == null) {
            names.remove(target);
        }
        List<String> classes = List.of();
        if (byName) {
            classes = classNames != null ? classNames : sortedNames(nameIds, targets, rows);
            maxClass = classes.size() - 1;
        }
        TensorDataset data = new TensorDataset(rows, Arrays.copyOf(values, rows * nFeatures), new int[] {nFeatures},
                Arrays.copyOf(targets, rows), new int[0], classification ? maxClass + 1 : 0);
        return new CsvDataset(data, names, hasTarget ? header.get(target) : null, classes);
    }

    /** The first record of {@code parser}, the header row; refused when the file is empty or begins with a blank line. */
    private static List<String> header(CsvParser parser, Path file) throws IOException {
        List<String> header = parser.next();
        if (header == null) {
            throw new JgradFormatException(file, "line 1", "file is empty; expected a header row naming the columns");
        }
        if (parser.recordBlank() && header.size() == 1) {
            throw new JgradFormatException(file, "line 1", "line is blank; expected a header row naming the columns"
                    + " on the first line");
        }
        return header;
    }

    /** Whether a target cell is a class name rather than a (possibly bad) number: not blank, not a number of any kind. */
    private static boolean isName(String cell) {
        String s = stripSpace(cell);
        return !s.isEmpty() && !NUMBER.matcher(s).matches() && !NON_FINITE.matcher(s.toLowerCase(Locale.ROOT)).matches();
    }

    /**
     * {@code s} without the white space or Unicode space characters around it: a no-break space (U+00A0, which
     * {@link String#strip()} keeps) around a name, or as the whole cell, would make a class that reads as blank.
     */
    private static String stripSpace(String s) {
        int from = 0, to = s.length();
        while (from < to && space(s.codePointAt(from))) {
            from += Character.charCount(s.codePointAt(from));
        }
        while (to > from && space(s.codePointBefore(to))) {
            to -= Character.charCount(s.codePointBefore(to));
        }
        return s.substring(from, to);
    }

    private static boolean space(int c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c);
    }

    /**
     * The class of a target cell read as a name: its index in {@code ids}; a new name gets the next index when the
     * names are learned ({@code given} null), else it is an error naming the {@code given} classes.
     */
    private static int classId(String cell, Map<String, Integer> ids, List<String> given, Path file, int line,
                               String column) {
        String name = className(cell);
        if (name.isEmpty()) {
            throw new JgradFormatException(file, position(line, column), "empty cell; expected a class name");
        }
        Integer id = ids.get(name);
        if (id != null) {
            return id;
        }
        if (given != null) {
            throw new JgradFormatException(file, position(line, column), "\"" + shorten(cell) + "\" is not one of the "
                    + given.size() + " classes of the training data, " + quoted(given.size() > 20 ? given.subList(0, 20) : given)
                    + (given.size() > 20 ? " (first 20)" : ""));
        }
        if (ids.size() > MAX_CLASS) {
            throw new JgradFormatException(file, position(line, column), "more than " + (MAX_CLASS + 1) + " different"
                    + " class names; expected class names or indices 0.." + MAX_CLASS + " (an identifier column?)");
        }
        ids.put(name, ids.size());
        return ids.size() - 1;
    }

    /**
     * The learned names in sorted order, with {@code targets[0, rows)} renumbered from order of appearance to that
     * order. Modified: targets.
     */
    private static List<String> sortedNames(Map<String, Integer> ids, float[] targets, int rows) {
        List<String> sorted = sortedClassNames(ids.keySet());
        int[] renumber = new int[sorted.size()];
        for (int i = 0; i < sorted.size(); i++) {
            renumber[ids.get(sorted.get(i))] = i;
        }
        for (int r = 0; r < rows; r++) {
            targets[r] = renumber[(int) targets[r]];
        }
        return sorted;
    }

    /**
     * A target cell read as a class name: the cell without the white space or Unicode space characters around it
     * (empty for a blank cell, which names no class). Spark training (jgrad-spark) reads names by this rule too.
     */
    public static String className(String cell) {
        return stripSpace(cell);
    }

    /**
     * {@code names} in the order their classes are numbered: by Unicode code point, as scikit-learn's LabelEncoder
     * (NumPy's sort of strings); String.compareTo's UTF-16 order would put a name beyond U+FFFF (a surrogate pair)
     * before one of U+E000..U+FFFF. Spark training numbers names by this order too. Not modified: names.
     */
    public static List<String> sortedClassNames(java.util.Collection<String> names) {
        return names.stream().sorted((x, y) -> Arrays.compare(x.codePoints().toArray(), y.codePoints().toArray())).toList();
    }

    /** The cell's value, parsed in float64; refused where it is not finite in float32. */
    private static double number(String cell, Path file, int line, String column) {
        String s = cell.strip();
        if (s.isEmpty()) {
            throw new JgradFormatException(file, position(line, column), "empty cell; expected a number");
        }
        if (NON_FINITE.matcher(s.toLowerCase(Locale.ROOT)).matches()) {
            throw new JgradFormatException(file, position(line, column), "\"" + shorten(cell) + "\" is not a finite number");
        }
        if (!NUMBER.matcher(s).matches()) {
            throw new JgradFormatException(file, position(line, column), "\"" + shorten(cell) + "\" is not a number");
        }
        double v = Double.parseDouble(s);
        if (!Float.isFinite((float) v)) {
            throw new JgradFormatException(file, position(line, column), "\"" + shorten(cell)
                    + "\" is not a finite number in float32 (beyond +-3.4e38)");
        }
        return v;
    }

    /** The index of the last name in {@code header} that is not in {@code names} (null: the last), or -1. */
    private static int lastNotIn(List<String> header, List<String> names) {
        java.util.Set<String> set = names == null ? java.util.Set.of() : new java.util.HashSet<>(names);
        for (int c = header.size() - 1; c >= 0; c--) {
            if (!set.contains(header.get(c))) {
                return c;
            }
        }
        return -1;
    }

    private static String quoted(List<String> names) {
        return names.stream().map(n -> "'" + printable(n) + "'").collect(java.util.stream.Collectors.joining(", ", "[", "]"));
    }

    private static String position(int line, String column) {
        return "line " + line + ", column '" + printable(column) + "'";
    }

    private static String shorten(String s) {
        return printable(s.length() > 40 ? s.substring(0, 40) + "..." : s);
    }

    /**
     * Whether every one of {@code names}, a header row's cells, reads as a number, as a cell of data would (0.125, -2,
     * 1e-3, surrounding blanks ignored): the sign of a file written without a header row, whose first row of data is
     * then read as the column names. False for no names. Both {@code jgrad train} (which notes it) and Spark training
     * (which refuses it) ask this of a header.
     */
    public static boolean headerIsNumbers(List<String> names) {
        for (String name : names) {
            try {
                Double.parseDouble(name.trim());
            } catch (NumberFormatException e) {
                return false;
            }
        }
        return !names.isEmpty();
    }

    /**
     * {@code s} with carriage returns, line feeds and tabs written as the escapes {@code \r}, {@code \n}, {@code \t}: a
     * quoted name or cell may hold them, and an error message must stay on one line.
     */
    static String printable(String s) {
        return s.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t");
    }

    /** The feature column names, in order. */
    public List<String> featureNames() {
        return featureNames;
    }

    /**
     * The names of classes 0, 1, ... when the target column holds class names (or the load was given them); empty
     * when it holds class indices, or for regression.
     */
    public List<String> classNames() {
        return classNames;
    }

    /** The target column name. */
    public String targetName() {
        return targetName;
    }

    /** The rows as a {@link TensorDataset}, e.g. to {@link TensorDataset#split split} them. */
    public TensorDataset tensorDataset() {
        return data;
    }

    @Override
    public int size() {
        return data.size();
    }

    @Override
    public int[] sampleShape() {
        return data.sampleShape();
    }

    @Override
    public int[] targetShape() {
        return data.targetShape();
    }

    @Override
    public int numClasses() {
        return data.numClasses();
    }

    @Override
    public void copySample(int index, float[] dst, int offset) {
        data.copySample(index, dst, offset);
    }

    @Override
    public void copyTarget(int index, float[] dst, int offset) {
        data.copyTarget(index, dst, offset);
    }
}
