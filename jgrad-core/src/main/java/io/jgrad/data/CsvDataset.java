package io.jgrad.data;

import io.jgrad.io.JgradFormatException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A numeric table from a CSV file: the first row names the columns, every other cell is a finite decimal
 * number. One column is the target; all others, in file order, are the features [N, F]. For classification
 * the target must hold class indices 0, 1, 2, ... (numClasses = largest + 1); for regression it is a scalar
 * per row (targetShape []).
 *
 * <p>Quoting follows RFC 4180 (see {@link CsvParser}); the file must be UTF-8 (a byte-order mark is ignored);
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

    private CsvDataset(TensorDataset data, List<String> featureNames, String targetName) {
        this.data = data;
        this.featureNames = List.copyOf(featureNames);
        this.targetName = targetName;
    }

    /**
     * Loads {@code file}.
     *
     * @param targetColumn name of the target column, or null for the last column
     * @param classification whether the target holds class indices (else regression values)
     * @throws JgradFormatException if the file is empty, has no data rows, has ragged rows, a cell that is not
     *     a finite number, an unknown target column, or (for classification) a target that is not a
     *     non-negative integer
     */
    public static CsvDataset load(Path file, String targetColumn, boolean classification) throws IOException {
        return read(file, targetColumn, classification, true, null);
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
        return read(file, targetColumn, classification, true, features);
    }

    /**
     * Loads a file of features only (for prediction): every column is a feature, and the targets are all 0.
     *
     * @throws JgradFormatException as {@link #load}, for the feature cells
     */
    public static CsvDataset loadFeatures(Path file) throws IOException {
        return read(file, null, false, false, null);
    }

    /**
     * Loads the named feature columns of {@code file} (for prediction), in the order of {@code features}, whatever
     * their order in the file; other columns are ignored. The targets are all 0.
     *
     * @throws JgradFormatException as {@link #load}, and if a column of {@code features} is missing
     */
    public static CsvDataset loadFeatures(Path file, List<String> features) throws IOException {
        return read(file, null, false, false, features);
    }

    private static CsvDataset read(Path file, String targetColumn, boolean classification, boolean hasTarget,
                                   List<String> features) throws IOException {
        if (Files.isDirectory(file)) {
            throw new JgradFormatException(file, "", "is a directory; expected a CSV file");
        }
        var decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        CsvParser parser = null;
        try (var reader = new BufferedReader(new InputStreamReader(Files.newInputStream(file), decoder), 1 << 16)) {
            parser = new CsvParser(reader, file);
            return parse(parser, file, targetColumn, classification, hasTarget, features);
        } catch (CharacterCodingException e) {
            String where = parser == null ? "" : "line " + parser.recordLine();
            throw new JgradFormatException(file, where, "text is not valid UTF-8; save the file as UTF-8", e);
        }
    }

    private static CsvDataset parse(CsvParser parser, Path file, String targetColumn, boolean classification,
                                    boolean hasTarget, List<String> features) throws IOException {
        List<String> header = parser.next();
        if (header == null || (parser.recordBlank() && header.size() == 1)) {
            throw new JgradFormatException(file, "line 1", "file is empty; expected a header row naming the columns");
        }
        int columns = header.size();
        for (int i = 0; i < columns; i++) {
            if (header.indexOf(header.get(i)) != i) {
                throw new JgradFormatException(file, "line 1", "column name '" + header.get(i) + "' appears twice (columns "
                        + (header.indexOf(header.get(i)) + 1) + " and " + (i + 1) + "); names must be unique");
            }
        }
        if (features != null) {
            List<String> missing = features.stream().filter(f -> !header.contains(f)).toList();
            if (!missing.isEmpty()) {
                throw new JgradFormatException(file, "line 1", "no column" + (missing.size() == 1 ? " " : "s ")
                        + quoted(missing) + "; expected the feature columns " + quoted(features)
                        + " (in any order), the file has " + quoted(header));
            }
        }
        int target = !hasTarget ? -1 : targetColumn != null ? header.indexOf(targetColumn) : lastNotIn(header, features);
        if (target < 0 && hasTarget) {
            throw new JgradFormatException(file, "line 1", targetColumn == null
                    ? "no target column; the columns are " + quoted(header) + ", all of them features"
                    : "no column named '" + targetColumn + "'; the columns are " + header);
        }
        if (columns < 2 && hasTarget) {
            throw new JgradFormatException(file, "line 1", "only one column ('" + header.get(0)
                    + "'); expected feature columns and a target column");
        }
        // slot[c]: where column c goes in a row's features; -1 for the target and for columns not selected
        int[] slot = new int[columns];
        for (int c = 0, k = 0; c < columns; c++) {
            slot[c] = c == target ? -1 : features == null ? k++ : features.indexOf(header.get(c));
        }
        int nFeatures = features != null ? features.size() : hasTarget ? columns - 1 : columns;
        int capacity = Math.max(1, Math.min(64, (1 << 20) / nFeatures)); // rows; grows as rows arrive
        float[] values = new float[capacity * nFeatures];
        float[] targets = new float[capacity];
        int rows = 0;
        int blankLine = 0; // first of a run of blank lines, which is an error unless only blank lines follow
        int maxClass = -1;
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
                float v = number(record.get(c), file, line, header.get(c));
                if (c != target) {
                    values[k + slot[c]] = v;
                } else {
                    if (classification && (v < 0 || v != Math.floor(v) || v > MAX_CLASS)) {
                        throw new JgradFormatException(file, position(line, header.get(c)), "\"" + shorten(record.get(c))
                                + "\" is not a class index; classification targets must be integers 0.." + MAX_CLASS
                                + " (real-valued targets need a regression loss such as mean squared error)");
                    }
                    maxClass = Math.max(maxClass, (int) v);
                    targets[rows] = v;
                }
            }
            rows++;
        }
        if (rows == 0) {
            throw new JgradFormatException(file, "", "has a header but no data rows");
        }
        List<String> names = features != null ? features : new ArrayList<>(header);
        if (hasTarget && features == null) {
            names.remove(target);
        }
        TensorDataset data = new TensorDataset(rows, Arrays.copyOf(values, rows * nFeatures), new int[] {nFeatures},
                Arrays.copyOf(targets, rows), new int[0], classification ? maxClass + 1 : 0);
        return new CsvDataset(data, names, hasTarget ? header.get(target) : null);
    }

    private static float number(String cell, Path file, int line, String column) {
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
        float v = (float) Double.parseDouble(s);
        if (!Float.isFinite(v)) {
            throw new JgradFormatException(file, position(line, column), "\"" + shorten(cell)
                    + "\" is not a finite number in float32 (beyond +-3.4e38)");
        }
        return v;
    }

    /** The index of the last name in {@code header} that is not in {@code names} (null: the last), or -1. */
    private static int lastNotIn(List<String> header, List<String> names) {
        for (int c = header.size() - 1; c >= 0; c--) {
            if (names == null || !names.contains(header.get(c))) {
                return c;
            }
        }
        return -1;
    }

    private static String quoted(List<String> names) {
        return names.stream().map(n -> "'" + n + "'").collect(java.util.stream.Collectors.joining(", ", "[", "]"));
    }

    private static String position(int line, String column) {
        return "line " + line + ", column '" + column + "'";
    }

    private static String shorten(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }

    /** The feature column names, in order. */
    public List<String> featureNames() {
        return featureNames;
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
