package io.jgrad.cli;

import io.jgrad.data.IdxDataset;
import io.jgrad.data.TensorDataset;
import io.jgrad.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * A CSV file given to a model trained on an IDX directory ({@code eval --data FILE.csv}, {@code predict --csv}): which
 * column holds the labels, which the run cannot say (an IDX directory keeps its labels in a file of their own, so
 * config.json records no columns), and the scale of the pixels, which training read as p/255.
 */
final class CsvPixels {
    /** The header name of the label column, matched ignoring case: the first column of the common MNIST CSV files. */
    static final String LABEL = "label";

    /**
     * The largest value taken for a pixel in [0, 1]: above it a file's values are on another scale. Not 1, so that a
     * value written with rounding (1.0000001) is not taken for one.
     */
    static final double UNIT_MAX = 1.5;

    /** The largest 8-bit pixel, which training's p/255 maps to 1. */
    private static final int BYTE_MAX = 255;

    private CsvPixels() {}

    /**
     * Whether {@code config}'s model was trained on an IDX directory, whose pixels it saw as p/255: config.json's
     * data.kind says so. A config.json written before data.kind was recorded says it only by inference: a run of one
     * records no CSV columns, and its data.path is such a directory ({@link IdxDataset#isIdxDirectory}). Where that
     * path is no longer there, a path that names no .csv or .parquet file is taken for one: a CSV run that records no
     * columns (older runs wrote none) trained on a file named .csv, which jgrad train requires, and a Spark run of a
     * table with a features column records none either (one whose data moved to such a name is taken for IDX).
     */
    static boolean trainedOnIdx(RunConfig config) {
        if (config.dataKind() != null) {
            return config.dataKind().equals(RunConfig.IDX);
        }
        if (config.featureColumns() != null || config.targetColumn() != null) {
            return false;
        }
        Path data = Path.of(config.data());
        if (Files.exists(data)) {
            return IdxDataset.isIdxDirectory(data);
        }
        String name = config.data().toLowerCase(Locale.ROOT);
        return !name.endsWith(".csv") && !name.endsWith(".parquet");
    }

    /**
     * The label column of {@code file}, whose header row is {@code header} (its column names, in file order), for a
     * model trained on an IDX directory: the column {@code flag} (--target-column) names, else the one column whose name
     * is {@value #LABEL} ignoring case. Where there is none, null when {@code required} is false (predict, whose file may
     * hold pixels only), else an error; two such columns are an error. It takes the header rather than reading it, so
     * that eval and predict decide in the pass that reads the rows ({@link io.jgrad.data.CsvDataset#loadChoosingTarget},
     * {@link io.jgrad.data.CsvDataset#loadFeaturesChoosing}).
     *
     * @param source the flag and the file, for the messages ("--data FILE")
     * @throws UserError naming source, and --target-column where it would settle the question
     */
    static String labelColumn(List<String> header, Path file, String source, String flag, boolean required, Path modelDir) {
        if (flag != null) {
            if (!header.contains(flag)) {
                throw new UserError("--target-column " + flag + ": " + file + " has no such column; line 1 has "
                        + shown(header) + " (names are matched exactly)");
            }
            return flag;
        }
        List<String> named = header.stream().filter(n -> n.strip().equalsIgnoreCase(LABEL)).toList();
        if (named.size() > 1) {
            throw new UserError(source + ": columns " + String.join(" and ", named.stream().map(n -> "'" + n + "'").toList())
                    + " both name the label (the name is matched ignoring case); give --target-column NAME to say which");
        }
        if (named.isEmpty() && required) {
            // the last column, as for a CSV run, misread the common MNIST layout label,pixel0,...,pixel783
            throw new UserError(source + ": no column named label; the model in " + modelDir + " was trained on an IDX"
                    + " directory, whose labels are no CSV column, so the label column must be named: call it label in"
                    + " line 1 (in any position), or give --target-column NAME; line 1 has " + shown(header));
        }
        return named.isEmpty() ? null : named.get(0);
    }

    /** A header for a message: its first names and the count, since an image's file has hundreds of columns. */
    private static String shown(List<String> header) {
        int show = Math.min(header.size(), 4);
        return header.size() + " column" + (header.size() == 1 ? "" : "s") + " ("
                + String.join(", ", header.subList(0, show)) + (header.size() > show ? ", ..." : "") + ")";
    }

    /**
     * {@code rows} (features [N, F], not modified) on the scale a model trained on an IDX directory saw its pixels,
     * p/255 in [0, 1]. Values up to {@value #UNIT_MAX} are taken as they are. Where some value is above it and every
     * value is a whole number 0..255, the file holds 8-bit pixels, as the IDX files do: they are divided by 255, as
     * training divided those, and a note on standard error says so. Other values above it have no scale to undo for
     * certain: they are taken as they are, with a warning on standard error.
     *
     * @param source the flag and the file, for the note ("--csv FILE")
     */
    static TensorDataset asTrainingSawThem(TensorDataset rows, String source, Path modelDir) {
        float[] x = rows.features().toFloatArray();
        float max = Float.NEGATIVE_INFINITY;
        boolean bytes = true;
        for (float v : x) {
            max = Math.max(max, v);
            bytes &= v >= 0 && v <= BYTE_MAX && v == Math.rint(v);
        }
        if (!(max > UNIT_MAX)) {
            return rows;
        }
        if (!bytes) {
            System.err.printf(Locale.ROOT, "warning: %s: values up to %s, but the model in %s was trained on an IDX"
                    + " directory, whose pixels it saw as p/255, in [0, 1]; they are taken as they are, so its results"
                    + " are unlikely to mean much: give pixels in [0, 1], or 8-bit pixels as whole numbers 0..255%n",
                    source, Reports.significant(max), modelDir);
            return rows;
        }
        System.err.printf(Locale.ROOT, "note: %s: every value is a whole number 0..255 (the largest %d): 8-bit pixels,"
                + " which are divided by 255, as training divided the IDX pixels of the model in %s%n",
                source, (int) max, modelDir);
        float[] scaled = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            scaled[i] = x[i] / 255f; // as IdxDataset computes them: the very floats that training saw
        }
        return new TensorDataset(Tensor.wrap(scaled, rows.features().shape()), rows.targets(),
                rows.numClasses());
    }
}
