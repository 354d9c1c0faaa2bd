package io.jgrad.train;

import io.jgrad.io.AtomicFiles;
import io.jgrad.io.CheckpointFiles;
import io.jgrad.io.JgradFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SequencedSet;
import java.util.function.Function;

/**
 * The per-epoch metrics as CSV (RFC 4180, '\n' line ends): one header line, then one row per epoch with
 * {@code epoch, train_loss, train_accuracy, val_loss, val_accuracy, lr, seconds}, then one
 * {@code grad_norm:<parameter>} column per parameter and one {@code weight_norm:<parameter>} column per
 * parameter, in the order the parameters first appear. NaN and missing values are empty cells, but for the
 * validation loss of an epoch that was validated ({@link EpochMetrics#hasValidation}), which is written {@code NaN}: an
 * empty val_loss and val_accuracy mean no validation, and a regression's NaN validation loss (a NaN in the validation
 * data) must not read back as that, or a resumed run's early stopping would skip its epoch. Numbers are written with
 * {@link Double#toString} so they read back exactly. Files written before that rule hold empty cells for such a NaN
 * loss too; {@link #read(Path, boolean)} reads them as it is written now where the caller knows that the run
 * evaluated held-out data after every epoch (as {@link Trainer#fit} does when given any), and otherwise, as they were
 * read then, as unvalidated.
 */
public final class MetricsCsv {
    /** The header's first seven columns, before the per-parameter norm columns. */
    public static final String FIXED_HEADER = "epoch,train_loss,train_accuracy,val_loss,val_accuracy,lr,seconds";

    private MetricsCsv() {
    }

    /** The CSV text of the class comment for {@code epochs}, in order. */
    public static String format(List<EpochMetrics> epochs) {
        SequencedSet<String> gradNames = parameterNames(epochs, EpochMetrics::gradNorms);
        SequencedSet<String> weightNames = parameterNames(epochs, EpochMetrics::weightNorms);
        StringBuilder sb = new StringBuilder(FIXED_HEADER);
        for (String name : gradNames) {
            sb.append(',').append(field("grad_norm:" + name));
        }
        for (String name : weightNames) {
            sb.append(',').append(field("weight_norm:" + name));
        }
        sb.append('\n');
        for (EpochMetrics m : epochs) {
            sb.append(m.epoch()).append(',').append(number(m.trainLoss())).append(',').append(number(m.trainAccuracy()));
            sb.append(',').append(m.hasValidation() ? Double.toString(m.valLoss()) : number(m.valLoss()));
            for (double v : new double[] {m.valAccuracy(), m.learningRate(), m.seconds()}) {
                sb.append(',').append(number(v));
            }
            appendNorms(sb, gradNames, m.gradNorms());
            appendNorms(sb, weightNames, m.weightNorms());
            sb.append('\n');
        }
        return sb.toString();
    }

    /** The union of the parameter names across epochs, in first-seen order. */
    public static SequencedSet<String> parameterNames(List<EpochMetrics> epochs,
                                               Function<EpochMetrics, Map<String, Double>> norms) {
        SequencedSet<String> names = new LinkedHashSet<>();
        for (EpochMetrics m : epochs) {
            Map<String, Double> map = norms.apply(m);
            if (map != null) {
                names.addAll(map.keySet());
            }
        }
        return names;
    }

    private static void appendNorms(StringBuilder sb, SequencedSet<String> names, Map<String, Double> norms) {
        for (String name : names) {
            Double v = norms == null ? null : norms.get(name);
            sb.append(',').append(v == null ? "" : number(v));
        }
    }

    private static String number(double v) {
        return Double.isNaN(v) ? "" : Double.toString(v);
    }

    /**
     * {@code s} as one CSV field (RFC 4180): as it is, or, where it holds a comma, a double quote or a line break, in
     * double quotes with each quote doubled. Parameter names here, and file and class names in {@code jgrad predict
     * --output}, are the user's and may hold any of them.
     */
    public static String field(String s) {
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
            return s;
        }
        return '"' + s.replace("\"", "\"\"") + '"';
    }

    /** Writes {@link #format} of {@code epochs} to {@code file} atomically. Modified: the file {@code file}. */
    public static void write(Path file, List<EpochMetrics> epochs) throws IOException {
        AtomicFiles.writeString(file, format(epochs));
    }

    /**
     * The cells of the header line, unquoted as {@link #field} quoted them (a parameter name may hold a comma or a
     * quote); the rows hold numbers only, never quoted.
     */
    private static String[] headerCells(Path file, String line) {
        List<String> cells = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c != '"') {
                    cell.append(c);
                } else if (i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    cell.append('"');
                    i++;
                } else {
                    quoted = false;
                }
            } else if (c == ',') {
                cells.add(cell.toString());
                cell.setLength(0);
            } else if (c == '"' && cell.isEmpty()) {
                quoted = true;
            } else {
                cell.append(c);
            }
        }
        if (quoted) {
            throw new JgradFormatException(file, "line 1", "a quoted column name is not closed; expected a '\"' before the line ends");
        }
        cells.add(cell.toString());
        return cells.toArray(new String[0]);
    }

    /**
     * Why {@code --resume} (of {@code jgrad train}, on one machine or on Spark) must refuse the run directory {@code dir}
     * whose config.json records {@code completed} epochs, or null when its metrics.csv holds a row for each. Those rows
     * are part of the checkpoint, written before its commit point: the resumed run's metrics.csv and report go on from
     * them, and early stopping counts its earlier epochs from them, so without them the run would go on with a shorter
     * history and say nothing. Rows beyond them are what a run stopped between writing metrics.csv and config.json
     * leaves, of an epoch it did not commit: the caller leaves them out and trains that epoch again. The message names
     * the file, the epochs it holds and those config.json records.
     */
    public static String resumeRefusal(Path dir, int completed) throws IOException {
        Path file = dir.resolve(CheckpointFiles.METRICS);
        boolean present = Files.isRegularFile(file);
        int rows = present ? read(file).size() : 0;
        if (rows >= completed) {
            return null;
        }
        String holds = present ? rows + (rows == 1 ? " epoch" : " epochs")
                : Files.isDirectory(file) ? "is a directory" : "no such file";
        return file + ": " + holds + ", but " + dir.resolve("config.json") + " records " + completed + " completed"
                + (present ? "" : completed == 1 ? " epoch" : " epochs") + "; --resume goes on from each completed epoch's row"
                + " (the run's history, and early stopping's earlier epochs): restore the file or start a new run (--init "
                + dir.resolve(CheckpointFiles.MODEL) + " starts one from these weights)";
    }

    /** As {@link #read(Path, boolean)} for a run not known to have validated every epoch. */
    public static List<EpochMetrics> read(Path file) throws IOException {
        return read(file, false);
    }

    /**
     * Reads a metrics.csv written by {@link #format} (for --resume, which keeps the earlier epochs' rows). A row whose
     * val_loss and val_accuracy cells are both empty is an epoch without validation, unless {@code everyEpochValidated}
     * (the run evaluated held-out data after each epoch): then it is a validated epoch whose loss was NaN, which a file
     * written before val_loss "NaN" holds that way.
     *
     * @throws JgradFormatException naming the file and the line, for an empty file, a header that does not begin with
     *     {@link #FIXED_HEADER}, a row with another count of cells, a cell that is not a number, or an epoch that is not a
     *     whole number from 1
     */
    public static List<EpochMetrics> read(Path file, boolean everyEpochValidated) throws IOException {
        List<String> lines = Files.readAllLines(file);
        if (lines.isEmpty()) {
            throw new JgradFormatException(file, "line 1", "empty metrics file; expected a header row");
        }
        String[] header = headerCells(file, lines.get(0));
        // every metrics.csv of jgrad's begins so; the rows' fixed cells are read by position below
        String[] fixed = FIXED_HEADER.split(",");
        if (header.length < fixed.length || !List.of(header).subList(0, fixed.length).equals(List.of(fixed))) {
            throw new JgradFormatException(file, "line 1", "expected the header to begin with " + FIXED_HEADER + ", got \""
                    + lines.get(0) + "\"");
        }
        List<EpochMetrics> out = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            String[] c = lines.get(i).split(",", -1);
            if (c.length != header.length) {
                throw new JgradFormatException(file, "line " + (i + 1), "has " + c.length + " cells, the header has " + header.length);
            }
            double[] v = new double[c.length];
            for (int j = 0; j < c.length; j++) {
                try {
                    v[j] = c[j].isEmpty() ? Double.NaN : Double.parseDouble(c[j]);
                } catch (NumberFormatException e) {
                    throw new JgradFormatException(file, "line " + (i + 1) + ", column '" + header[j] + "'", "\"" + c[j] + "\" is not a number");
                }
            }
            if (!(v[0] >= 1 && v[0] == Math.rint(v[0]) && v[0] <= Integer.MAX_VALUE)) { // NaN fails too (an empty cell)
                throw new JgradFormatException(file, "line " + (i + 1) + ", column 'epoch'", "\"" + c[0] + "\": expected"
                        + " the epoch's number, a whole number from 1");
            }
            Map<String, Double> grads = new LinkedHashMap<>(), weights = new LinkedHashMap<>();
            for (int j = fixed.length; j < header.length; j++) {
                if (header[j].startsWith("grad_norm:")) {
                    grads.put(header[j].substring(10), v[j]);
                } else if (header[j].startsWith("weight_norm:")) {
                    weights.put(header[j].substring(12), v[j]);
                }
            }
            // a validated epoch has a val_loss cell, NaN or a number (older files: a number, or a val_accuracy, or, for a
            // NaN loss, neither)
            boolean validated = everyEpochValidated || !c[3].isEmpty() || !c[4].isEmpty();
            out.add(new EpochMetrics((int) v[0], v[1], v[2], v[3], v[4], v[5], v[6], grads, weights, validated));
        }
        return out;
    }
}
