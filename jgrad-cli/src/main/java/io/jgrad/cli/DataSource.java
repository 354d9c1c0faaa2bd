package io.jgrad.cli;

import io.jgrad.data.CsvDataset;
import io.jgrad.data.IdxDataset;
import io.jgrad.data.Standardization;
import io.jgrad.data.TensorDataset;
import io.jgrad.io.JgradFormatException;
import io.jgrad.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * Where training and test data come from: an IDX directory (MNIST layout) or a CSV file, with the optional
 * standardization the user asked for. Everything the CLI needs to size the network is here.
 *
 * @param train      training samples
 * @param test       test or validation samples (null when there are none)
 * @param numClasses classes for classification, 0 for regression
 * @param imageShape height and width when the samples are images (for the report), else null
 * @param normalization how the features were standardized ({@code --normalize}; {@link Standardization#NONE} otherwise)
 * @param featureColumns a CSV file's feature column names, in the order of the features; null for IDX data
 * @param targetColumn   a CSV file's target column name, also when it was the default (the last column), so that
 *                       config.json can name it for eval on files with other columns; null for IDX data
 * @param classNames     the names of classes 0, 1, ... where a CSV file's target holds names; else empty
 */
record DataSource(String description, TensorDataset train, TensorDataset test, int numClasses, int[] imageShape,
                  Standardization normalization, List<String> featureColumns, String targetColumn, List<String> classNames) {

    /**
     * The words that name each data path in a message: the flag that gave it, or for a run's own data (eval without
     * --data, train --resume, report) the field of the run's config.json that records it, in the words of a missing
     * path's error ("RUN/config.json: data.path x.csv: line 3, ..."), since the user typed no flag.
     *
     * @param data     names the training data ("--data")
     * @param valData  names a CSV run's validation file ("--val-data")
     * @param valSplit names the fraction of the training rows held out ("--val-split")
     */
    record Origin(String data, String valData, String valSplit) {
        /** Paths given by the flags of the command line. */
        static final Origin FLAGS = new Origin("--data", "--val-data", "--val-split");

        /** Paths read from {@code runDir}'s config.json. */
        static Origin config(Path runDir) {
            String fields = runDir.resolve(RunConfig.FILE) + ": data.";
            return new Origin(fields + "path", fields + "val_data", fields + "val_split");
        }

        /** Whether the paths came from the command line, where a message may advise another flag value. */
        boolean flags() {
            return data.startsWith("--");
        }
    }

    /** The bundled MNIST-10k, found beside the installation (the launcher sets jgrad.home). */
    static Path bundled() {
        String home = System.getProperty("jgrad.home");
        Path dir = home == null ? Path.of("data", "mnist-10k") : Path.of(home, "data", "mnist-10k");
        if (!Files.isDirectory(dir)) {
            throw new UserError("no --data given and the bundled data set is not at " + dir.toAbsolutePath()
                    + "; pass --data DIR (an MNIST-style IDX directory) or --data FILE.csv");
        }
        return dir;
    }

    int inputSize() {
        int[] s = train.sampleShape();
        int n = 1;
        for (int d : s) {
            n *= d;
        }
        return n;
    }

    /**
     * config.json's data.kind for {@code data} as {@link #load} reads it: {@link RunConfig#IDX} for a directory,
     * {@link RunConfig#CSV} for a file (load refuses the directories and files that are neither).
     */
    static String kind(Path data) {
        return Files.isDirectory(data) ? RunConfig.IDX : RunConfig.CSV;
    }

    /**
     * Loads {@code data} (a directory of IDX files or a .csv file). For CSV, {@code valData} or
     * {@code valSplit} provide the test part. IDX images are [N, 1, H, W] when {@code csvRefusal} is not null (the
     * network takes images), else flattened to [N, H*W]; CSV data cannot be images, and is then refused in the words
     * {@code csvRefusal} gives for the file as {@code from} names it ("--data FILE.csv"), which say why the network
     * takes images and what data to give ({@link #refusal}). With {@code features} (a trained model's
     * recorded feature columns; null: all but the target, in file order), a CSV file's features are those columns,
     * picked by name in that order; other columns are ignored, and a missing one is an error. {@code classNames}: a
     * trained model's recorded class names (empty: class indices), whose meaning a CSV file's target must keep; null
     * for a new run, whose CSV target may hold class indices or names ({@link CsvDataset}). Errors name each path as
     * {@code from} says: by its flag, or by the run's config.json field.
     */
    static DataSource load(Origin from, Path data, Path valData, double valSplit, String targetColumn, boolean classification,
                           String normalize, long seed, Function<String, String> csvRefusal, List<String> features,
                           List<String> classNames) throws java.io.IOException {
        return loadChoosingTarget(from, data, valData, valSplit, header -> targetColumn, classification, normalize, seed,
                csvRefusal, features, classNames);
    }

    /**
     * For {@link #load}: null where {@code imageNetwork} is null (the network takes flat feature vectors), else the
     * refusal "FLAG FILE.csv: a CSV file holds feature vectors, but " followed by {@code imageNetwork}, which says
     * why the network takes images and what to give instead.
     */
    static Function<String, String> refusal(String imageNetwork) {
        return imageNetwork == null ? null : file -> file + ": a CSV file holds feature vectors, but " + imageNetwork;
    }

    /**
     * As {@link #load}, with a CSV file's target column chosen from its header row by {@code targetColumn} (given the
     * column names in file order; null: the last column that is not a feature), in the pass that reads the rows
     * ({@link CsvDataset#loadChoosingTarget}); a --val-data file's header is given to it too.
     */
    static DataSource loadChoosingTarget(Origin from, Path data, Path valData, double valSplit,
                                         java.util.function.Function<List<String>, String> targetColumn, boolean classification,
                                         String normalize, long seed, Function<String, String> csvRefusal, List<String> features,
                                         List<String> classNames) throws java.io.IOException {
        boolean images = csvRefusal != null;
        if (!Files.exists(data)) {
            throw new UserError(from.data() + " " + data + ": no such file or directory");
        }
        DataSource ds;
        if (Files.isDirectory(data)) {
            String parts = sparkPartFiles(data);
            if (parts != null) {
                // it was "train-images-idx3-ubyte: file not found", also for 'jgrad train --resume' of a Spark run on Parquet
                throw new UserError(from.data() + " " + data + ": a directory of " + parts + " part files, which only 'jgrad train --spark"
                        + " MASTER' reads; on one machine --data is an IDX directory or a .csv file");
            }
            if ("columns".equals(normalize)) {
                // Every IDX directory holds 8-bit images [N, H, W], whose pixels share one scale, square or not (it
                // was refused only where H*W was a square, which jgrad-spark does not look at), and the report's
                // misclassified images are drawn by undoing one mean and std. Before the data is read.
                throw new UserError("--normalize columns standardizes each column of a CSV file, but " + from.data() + " " + data + " holds images,"
                        + " whose pixels share one scale; use --normalize");
            }
            TensorDataset train = reading(from.data(), data, () -> IdxDataset.load(data, true, !images));
            TensorDataset test = reading(from.data(), data, () -> IdxDataset.load(data, false, !images));
            if (train.size() == 0 || test.size() == 0) {
                // an empty training split trained to a NaN loss, an empty test split reported on 0 samples
                throw new UserError(from.data() + " " + data + ": " + (train.size() == 0 ? "train" : "t10k")
                        + "-images-idx3-ubyte holds no images; expected at least one");
            }
            checkIdxSplitsMatch(from.data() + " " + data, data, train, test);
            int side = (int) Math.round(Math.sqrt(train.sampleShape()[0]));
            int[] image = images ? new int[] {train.sampleShape()[1], train.sampleShape()[2]}
                    : side * side == train.sampleShape()[0] ? new int[] {side, side} : null;
            ds = new DataSource(data.toString(), train, test, Math.max(train.numClasses(), test.numClasses()), image,
                    Standardization.NONE, null, null, List.of());
        } else {
            if (!data.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".csv")) {
                throw new UserError(from.data() + " " + data + ": expected a directory of IDX files or a .csv file");
            }
            if (images) {
                throw new UserError(csvRefusal.apply(from.data() + " " + data));
            }
            CsvDataset all = reading(from.data(), data,
                    () -> CsvDataset.loadChoosingTarget(data, targetColumn, classification, features, classNames));
            noteNumericHeader(data, all);
            TensorDataset train = all.tensorDataset();
            TensorDataset test = null;
            if (valData != null) {
                // by the training file's class names, or as class indices where it has none
                CsvDataset val = reading(from.valData(), valData,
                        () -> CsvDataset.loadChoosingTarget(valData, targetColumn, classification, features, all.classNames()));
                noteNumericHeader(valData, val);
                checkValidationColumns(from.valData() + " " + valData, all, val);
                test = val.tensorDataset();
                checkLabelsWithin(from.valData() + " " + valData, test, train.numClasses());
            } else if (valSplit > 0) {
                long held = Math.round(train.size() * valSplit); // split's rule, so that its refusal says the flag
                if (held == train.size()) {
                    throw new UserError(from.valSplit() + " " + valSplit + " of the " + train.size() + " rows of " + data
                            + " leaves no rows for training" + (from.flags() ? "; use a smaller fraction, or --val-data" : ""));
                }
                if (held == 0) {
                    throw new UserError(from.valSplit() + " " + valSplit + " leaves none of the " + train.size() + " rows for"
                            + " validation" + (from.flags() ? "; expected at least one (e.g. 0.2)" : ""));
                }
                TensorDataset.Split parts = train.split(valSplit, seed);
                train = parts.train();
                test = parts.validation();
            }
            int classes = classification ? Math.max(train.numClasses(), test == null ? 0 : test.numClasses()) : 0;
            ds = new DataSource(data.toString(), train, test, classes, null, Standardization.NONE, all.featureNames(),
                    all.targetName(), all.classNames());
        }
        return normalize == null ? ds : ds.standardizedWith(Standardization.of(ds.train(), "columns".equals(normalize)));
    }

    /** A read of a data file, for {@link #reading}. */
    interface Read<T> {
        T read() throws java.io.IOException;
    }

    /**
     * What {@code read} returns. What it finds wrong with {@code path} (its format, or a file that is not there or that
     * this user may not read) is a UserError that names {@code flag} first, as the Spark trainer's errors do:
     * "--data x.csv: line 5, column 'a': ...", or for a file inside the directory {@code path}, after the directory,
     * "--data DIR: DIR/train-labels-idx1-ubyte: ...". The file alone left the user to find which flag gave it (train's
     * --data and --val-data read alike). For a run's own data, {@code flag} is config.json's field ({@link Origin#config}).
     */
    static <T> T reading(String flag, Path path, Read<T> read) throws java.io.IOException {
        try {
            return read.read();
        } catch (JgradFormatException e) {
            throw new UserError(flagged(flag, path, e.file(), e.getMessage()));
        } catch (java.nio.file.NoSuchFileException e) {
            throw new UserError(flagged(flag, path, e.getFile(), e.getFile() + ": no such file or directory"));
        } catch (java.nio.file.AccessDeniedException e) { // in Main's words, where no flag is known
            throw new UserError(flagged(flag, path, e.getFile(), e.getFile() + ": " + (e.getReason() != null ? e.getReason()
                    : "permission denied; expected a file that this user may read")));
        }
    }

    /** {@code message}, which begins with {@code file}, after {@code flag} and, where file is another, {@code path}. */
    private static String flagged(String flag, Path path, Object file, String message) {
        return flag + " " + (file != null && path.toString().equals(file.toString()) ? "" : path + ": ") + message;
    }

    /**
     * The rows of a CSV file ({@code rows}, samples [N, F]) as samples of the shape a trained network takes
     * ({@code inputShape}): the one way by which eval --data FILE.csv and predict --csv give a CSV file to a model. A
     * network of feature vectors [F] takes the rows as they are; one of images [C, H, W] takes each row's C*H*W values
     * as one image, channel by channel and each channel row by row (the order of PyTorch's {@code x.view(-1, C, H, W)},
     * and of an IDX image's pixels flattened). The values are taken as they are, but for a model trained on an IDX
     * directory ({@code idxPixels}), which read its pixels as p/255: rows of 8-bit pixels 0..255 are scaled so too
     * ({@link CsvPixels#asTrainingSawThem}). Not modified: rows.
     *
     * @param source the flag and the file, for the message ("--csv FILE")
     * @throws UserError naming source and {@code modelDir} when a row has another number of values than inputShape
     */
    static TensorDataset rowsAsSamples(TensorDataset rows, int[] inputShape, boolean idxPixels, String source, Path modelDir) {
        int values = 1;
        for (int d : inputShape) {
            values *= d;
        }
        int have = rows.sampleShape()[0];
        if (have != values) {
            throw new UserError(source + ": rows have " + have + " feature columns, but the model in " + modelDir + " takes "
                    + (inputShape.length == 1 ? values + " feature values a row" : "images " + java.util.Arrays.toString(inputShape)
                    + ": " + values + " values a row (one image, channel by channel and row by row)")
                    // one column too many: most likely an unnamed label column, which an IDX run cannot name for the user
                    + (idxPixels && have == values + 1 ? "; if one column holds the labels, call it label in line 1 or"
                    + " give --target-column NAME" : ""));
        }
        if (idxPixels) {
            rows = CsvPixels.asTrainingSawThem(rows, source, modelDir);
        }
        if (inputShape.length == 1) {
            return rows;
        }
        int[] shape = new int[inputShape.length + 1];
        shape[0] = rows.size();
        System.arraycopy(inputShape, 0, shape, 1, inputShape.length);
        return new TensorDataset(rows.features().reshape(shape), rows.targets(), rows.numClasses());
    }

    /** This CSV file's data with its rows as samples of {@code inputShape} ({@link #rowsAsSamples}). */
    DataSource rowsAs(int[] inputShape, boolean idxPixels, String source, Path modelDir) {
        return new DataSource(description, rowsAsSamples(train, inputShape, idxPixels, source, modelDir),
                test == null ? null : rowsAsSamples(test, inputShape, idxPixels, source, modelDir), numClasses,
                inputShape.length == 3 ? new int[] {inputShape[1], inputShape[2]} : imageShape, normalization,
                featureColumns, targetColumn, classNames);
    }

    /**
     * "Parquet" or "CSV" when {@code dir} is not an IDX directory ({@link IdxDataset#isIdxDirectory}, the Spark trainer's
     * rule too) but holds files of that kind, as Spark writes a data set (part-00000-....parquet); else null. Any name
     * beginning train- was taken for an IDX file, and t10k files beside part files were not.
     */
    private static String sparkPartFiles(Path dir) throws java.io.IOException {
        if (IdxDataset.isIdxDirectory(dir)) {
            return null;
        }
        try (var files = Files.list(dir)) {
            List<String> names = files.map(f -> f.getFileName().toString().toLowerCase(java.util.Locale.ROOT)).toList();
            return names.stream().anyMatch(n -> n.endsWith(".parquet")) ? "Parquet"
                    : names.stream().anyMatch(n -> n.endsWith(".csv")) ? "CSV" : null;
        }
    }

    /**
     * Says on standard error when every column name of {@code file} is a number: a file without a header row, whose
     * first row of data was read as the column names, and so is neither trained on nor evaluated.
     */
    private static void noteNumericHeader(Path file, CsvDataset csv) {
        List<String> names = new java.util.ArrayList<>(csv.featureNames());
        names.add(csv.targetName());
        if (CsvDataset.headerIsNumbers(names)) {
            String shown = String.join(",", names.subList(0, Math.min(names.size(), 4))) + (names.size() > 4 ? ",..." : "");
            System.err.println("note: " + file + ": every column name in line 1 (" + shown + ") is a number; line 1 is"
                    + " read as the header row, so if the file has none, its first row is not used: add a line of column names");
        }
    }

    /** {@link io.jgrad.data.ClassLabels#unusedNote}'s note on the labels of the training and test sets, or null. */
    String unusedClassesNote() {
        if (numClasses <= 2) {
            return null;
        }
        java.util.BitSet seen = new java.util.BitSet(numClasses);
        for (TensorDataset set : test == null ? List.of(train) : List.of(train, test)) {
            for (float label : set.targets().toFloatArray()) {
                seen.set((int) label);
            }
        }
        return io.jgrad.data.ClassLabels.unusedNote(numClasses, seen, "for a numeric target use --loss mse");
    }

    /**
     * The test split of an IDX directory must have the training images' size and no class the training split lacks.
     *
     * @param source the flag or field and the directory, for the messages ("--data DIR")
     */
    private static void checkIdxSplitsMatch(String source, Path dir, TensorDataset train, TensorDataset test) throws java.io.IOException {
        int[] trainShape = IdxDataset.imageShape(dir, true);
        int[] testShape = IdxDataset.imageShape(dir, false);
        if (!java.util.Arrays.equals(trainShape, testShape)) {
            throw new UserError(source + ": the test images (t10k-images-idx3-ubyte) are " + testShape[0] + "x" + testShape[1]
                    + " but the training images (train-images-idx3-ubyte) are " + trainShape[0] + "x" + trainShape[1]
                    + "; both splits must have the same image size");
        }
        checkLabelsWithin(source + ": t10k-labels-idx1-ubyte", test, train.numClasses());
    }

    /**
     * A validation CSV file must have the training file's feature columns, by name and in order.
     *
     * @param source the flag or field and the file, for the messages ("--val-data FILE")
     */
    private static void checkValidationColumns(String source, CsvDataset train, CsvDataset val) {
        if (!train.featureNames().equals(val.featureNames())) {
            throw new UserError(source + ": feature columns " + val.featureNames() + " (" + val.featureNames().size()
                    + ") differ from the training file's " + train.featureNames() + " (" + train.featureNames().size()
                    + "); validation data must have the same columns");
        }
        if (!train.targetName().equals(val.targetName())) { // the last column: another name is another quantity
            throw new UserError(source + ": the target column is '" + val.targetName()
                    + "' where the training file's is '" + train.targetName() + "'; validation data must have the same columns");
        }
    }

    /** Every class label of {@code set} must be below {@code classes}, the training data's class count (0: regression). */
    private static void checkLabelsWithin(String what, TensorDataset set, int classes) {
        int i = firstLabelFrom(set, classes);
        if (i >= 0) {
            throw new UserError(what + ": record " + (i + 1) + " has label " + (long) set.targets().toFloatArray()[i]
                    + ", but the training data has " + classes + " classes (labels 0.." + (classes - 1) + "); a label the"
                    + " network was not built for cannot be evaluated");
        }
    }

    /** The index of the first record of {@code set} whose class label is {@code classes} or more; -1 when none is (or classes is 0). */
    static int firstLabelFrom(TensorDataset set, int classes) {
        if (classes == 0 || set.numClasses() <= classes) {
            return -1;
        }
        float[] t = set.targets().toFloatArray();
        for (int i = 0; i < t.length; i++) {
            if (t[i] >= classes) {
                return i;
            }
        }
        return -1;
    }

    /**
     * {@code a} with a shift's uncovered border at a black (0) pixel as this data's standardization maps it:
     * {@code a} itself without --normalize, else (0 - mean) / std, computed as the pixels' own values are (pixels are
     * standardized before they are augmented). 0 there would be the mean's grey, where torchvision's RandomCrop(padding)
     * before Normalize pads with black.
     */
    io.jgrad.data.Augmentation augmentation(io.jgrad.data.Augmentation a) {
        if (normalization.isNone() || normalization.perColumn() || a.maxShift() == 0) { // per column: refused for images
            return a;
        }
        float black = normalization.apply(Tensor.zeros(1)).toFloatArray()[0];
        return new io.jgrad.data.Augmentation(a.horizontalFlip(), a.maxShift(), black);
    }

    /** The same data with features mapped by {@code s}, e.g. with a checkpoint's saved statistics. */
    DataSource standardizedWith(Standardization s) {
        if (s.isNone()) {
            return this;
        }
        return new DataSource(description + " (normalized: " + s.describe() + ")", shift(train, s),
                test == null ? null : shift(test, s), numClasses, imageShape, s, featureColumns, targetColumn, classNames);
    }

    private static TensorDataset shift(TensorDataset d, Standardization s) {
        return new TensorDataset(s.apply(d.features()), d.targets(), d.numClasses());
    }
}
