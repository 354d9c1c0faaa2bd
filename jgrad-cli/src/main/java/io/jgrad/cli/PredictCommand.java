package io.jgrad.cli;

import io.jgrad.data.CsvDataset;
import io.jgrad.data.IdxReader;
import io.jgrad.data.TensorDataset;
import io.jgrad.tensor.Tensor;
import io.jgrad.train.MetricsCsv;
import io.jgrad.train.Task;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jgrad predict}: class and probabilities for images, IDX records or CSV rows. */
@Command(name = "predict",
        mixinStandardHelpOptions = true,
        header = "Predict classes (with probabilities) or values with a trained model.",
        description = {"",
            "Inputs are PNG/JPEG images (converted to grayscale, scaled to the model's input size, and inverted when",
            "their border is light, since MNIST digits are light on dark), an IDX images file (--idx), or the rows of a",
            "CSV file with the training data's feature columns (--csv): they are picked by name, in any order, and other",
            "columns (such as the target) are ignored; a missing one is an error. (Runs trained before jgrad recorded the",
            "column names take the columns in file order.) A model trained on an IDX directory records no columns: it",
            "takes every column of --csv but its labels, the column --target-column names or else one named label (in",
            "any case and any position, as in the common MNIST CSV files label,pixel0,...; two are refused). For a model",
            "of images [C, H, W] (--model cnn), each row's C*H*W values are one image, channel by channel and row by row",
            "(as PyTorch's x.view(-1, C, H, W)), as eval --data FILE.csv takes them. Training read the IDX pixels as",
            "p/255, in [0, 1]: a file whose values are all whole numbers 0..255, some above 1.5, holds 8-bit pixels,",
            "which are divided by 255 too (a note on standard error says so); other values above 1.5 are taken as they",
            "are, with a warning. Values for a model trained on a CSV file are taken as they are (and standardized as",
            "training recorded). Prints one line per input: the predicted class and the probabilities of the --top K",
            "most likely classes (for a model trained on class labels with mse, half-sse, bce or bce-logits, which score",
            "each class on its own, its outputs, after a sigmoid for bce-logits); for a binary (one-output) model p(1),",
            "for regression the predicted value. Classes are shown by the names of the training file's target where it",
            "held names (setosa), else by index.",
            "",
            "With --output FILE.csv the predictions go to that file instead, one row per input under a header: input",
            "(as the lines name it), predicted (the class, or the value of a regression model), then for a classifier",
            "p_CLASS for every class (for a binary model, p_ of class 1 only; output_CLASS, the outputs, for a model",
            "trained on class labels with mse or half-sse). The file is written whole or not at all, and may not be one",
            "predict reads (the --csv file, the run's config.json).", ""},
        footerHeading = "%n",
        footer = {"@|bold EXAMPLES|@",
            "  jgrad predict --model runs/latest digit.png another.png",
            "  jgrad predict --model runs/latest --idx data/mnist-10k/t10k-images-idx3-ubyte.gz --limit 5",
            "  jgrad predict --model runs/iris --csv new-flowers.csv",
            "  jgrad predict --model runs/latest --csv mnist_test.csv --limit 5",
            "  jgrad predict --model runs/iris --csv new-flowers.csv --output predictions.csv",
            "",
            "@|bold EXIT STATUS|@",
            "  0 predicted; 1 internal error; 2 bad input (a flag, the run directory, an image, the --idx or --csv",
            "  file): the message says which and what was expected."})
final class PredictCommand implements Callable<Integer> {
    @Option(names = "--model", paramLabel = "DIR", description = "Run directory (default: ${DEFAULT-VALUE}).", defaultValue = "runs/latest")
    Path model;

    @Option(names = "--idx", paramLabel = "FILE", description = "An IDX file of images (e.g. t10k-images-idx3-ubyte.gz).")
    Path idx;

    @Option(names = "--csv", paramLabel = "FILE.csv", description = "A CSV file with a header and the training data's feature columns, by name in any order (for a model of images, one image of C*H*W values a row).")
    Path csv;

    @Option(names = "--target-column", paramLabel = "NAME", description = "For a model trained on an IDX directory: the"
            + " column of --csv that holds the labels, left out of the pixels (default: the column named label, in any"
            + " case, if there is one). Refused for a model that records its feature columns, which ignores the others.")
    String targetColumn;

    @Option(names = "--limit", paramLabel = "N", description = "Predict at most this many records of --idx or --csv (default: all).")
    Integer limit;

    /** Null when not given: 3 for a model of several classes; refused for one with a single output or above its classes. */
    @Option(names = "--top", paramLabel = "K", description = "Class probabilities shown per input, most likely first"
            + " (default: 3, or all when the model has 2). At most the model's number of classes. Only for a model of several"
            + " classes: a binary (one-output) model shows p(1), a regression model its value, so --top is an error for them.")
    Integer top;

    @Option(names = "--output", paramLabel = "FILE.csv", description = "Write the predictions to this CSV file (every"
            + " class's probability) instead of printing them.")
    Path output;

    @Parameters(paramLabel = "IMAGE", arity = "0..*", description = "Image files (PNG, JPEG, BMP, GIF).")
    List<Path> images = new ArrayList<>();

    /** The trained model's class names (config.json's data.class_names), or empty where its classes are indices. */
    private List<String> classNames = List.of();

    @Override
    public Integer call() throws Exception {
        int sources = (idx != null ? 1 : 0) + (csv != null ? 1 : 0) + (images.isEmpty() ? 0 : 1);
        if (sources != 1) {
            throw new UserError("give exactly one kind of input: IMAGE files, --idx FILE or --csv FILE");
        }
        if (top != null) {
            Flags.positive("--top", top);
        }
        Flags.notEmpty("--idx", idx);
        Flags.notEmpty("--csv", csv);
        Flags.notEmpty("--model", model);
        Flags.notEmpty("--output", output);
        if (output != null && top != null) { // it would be ignored: the file holds every class's probability
            throw new UserError("--top chooses the probabilities printed; --output " + output + " writes every class's,"
                    + " so leave --top out");
        }
        if (output != null && Files.isDirectory(output)) {
            throw new UserError("--output " + output + ": is a directory; expected a file name such as predictions.csv");
        }
        Path outputDir = output == null ? null : output.toAbsolutePath().getParent();
        if (outputDir != null && !Files.isDirectory(outputDir)) { // checked before predicting, not after
            throw new UserError("--output " + output + ": no directory " + outputDir + "; create it first");
        }
        if (outputDir != null && !Files.isWritable(outputDir)) { // likewise
            throw new UserError("--output " + output + ": cannot write in " + outputDir + " (read-only or no permission);"
                    + " choose another file");
        }
        if (targetColumn != null && csv == null) { // it would be ignored: images and IDX records have no columns
            throw new UserError("--target-column " + targetColumn + " names a column of --csv FILE.csv; leave it out");
        }
        TrainedModel tm = TrainedModel.load(model);
        if (targetColumn != null && tm.config().featureColumns() != null) { // likewise: other columns are left out already
            throw new UserError("--target-column " + targetColumn + ": the model in " + tm.dir() + " picks its feature"
                    + " columns of --csv by name (config.json's data.feature_columns) and leaves the others out; leave"
                    + " --target-column out");
        }
        if (output != null) {
            List<Path> read = new ArrayList<>(images);
            read.add(csv);
            read.add(idx);
            read.add(tm.dir().resolve(RunConfig.FILE));
            read.add(tm.weights());
            checkNotRead(output, read);
        }
        classNames = tm.config().classNames();
        // the objective's task, as eval's: a squared-error loss on class labels (config.json's task "regression",
        // num_classes K) trains a classifier on one-hot targets, which predicts the arg-max class as eval scores it
        Task task = tm.objective().task();
        if (top != null && task != Task.CLASSIFICATION) {
            // it was ignored: a one-output model has no ranking of classes to cut
            throw new UserError("--top ranks the classes of a model of several classes, but the model in " + tm.dir() + " is "
                    + (task == Task.REGRESSION ? "a regression model (each line is its predicted value)"
                    : "a binary classifier with one output (each line shows p(1))") + "; leave --top out");
        }
        if (top != null && top > tm.config().numClasses()) {
            // as PyTorch's topk refuses k > size: showing fewer than asked in silence hides a mistaken K or model
            throw new UserError("--top " + top + ": the model in " + tm.dir() + " has " + tm.config().numClasses()
                    + " classes; expected 1 to " + tm.config().numClasses());
        }
        int inputSize = tm.config().model().inputSize();
        List<String> names = new ArrayList<>();
        float[] x;
        if (idx != null) {
            IdxReader.IdxArray arr = DataSource.reading("--idx", idx, () -> IdxReader.read(idx));
            // as training reads them (IdxDataset): other types would be divided by 255 too, floats in [0, 1] included
            if (arr.type() != IdxReader.ElementType.UNSIGNED_BYTE) {
                throw new UserError("--idx " + idx + ": holds " + arr.type() + " values; expected unsigned bytes 0..255, as"
                        + " the IDX images training reads (predict scales them to [0, 1] as training does)");
            }
            checkIdxFits(arr.dims(), tm.config().model().inputShape(), idx);
            int n = arr.dims()[0];
            int per = inputSize;
            n = limit == null ? n : Math.min(n, Flags.positive("--limit", limit));
            x = new float[n * per];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (arr.get(i) / 255.0);
            }
            for (int i = 0; i < n; i++) {
                names.add(idx.getFileName() + "[" + i + "]");
            }
        } else if (csv != null) {
            // as eval --data FILE.csv takes them: feature vectors, or for a network of images one image a row
            boolean idxPixels = CsvPixels.trainedOnIdx(tm.config());
            List<String> recorded = tm.config().featureColumns();
            // where no feature columns are recorded (an IDX directory's run, or an older CSV run): every column but the
            // labels, in file order, chosen from the header in the pass that reads the rows
            java.util.function.Function<List<String>, List<String>> features = header -> {
                if (recorded != null || !idxPixels && targetColumn == null) {
                    return recorded;
                }
                String label = CsvPixels.labelColumn(header, csv, "--csv " + csv, targetColumn, false, tm.dir());
                return label == null ? null : header.stream().filter(name -> !name.equals(label)).toList();
            };
            TensorDataset ds = DataSource.rowsAsSamples(DataSource.reading("--csv", csv,
                    () -> CsvDataset.loadFeaturesChoosing(csv, features)).tensorDataset(),
                    tm.config().model().inputShape(), idxPixels, "--csv " + csv, tm.dir());
            int n = limit == null ? ds.size() : Math.min(ds.size(), Flags.positive("--limit", limit));
            x = java.util.Arrays.copyOf(ds.features().toFloatArray(), n * inputSize);
            for (int i = 0; i < n; i++) {
                names.add(csv.getFileName() + " row " + (i + 1));
            }
        } else {
            if (limit != null) { // it was ignored: every file named was predicted
                throw new UserError("--limit counts the records of --idx or --csv; with IMAGE files, name only those to"
                        + " predict");
            }
            int[] shape = tm.config().model().inputShape();
            int side = (int) Math.round(Math.sqrt(inputSize));
            if (shape.length == 3 && shape[0] != 1) {
                throw new UserError("the model takes " + shape[0] + "-channel images; predicting from image files needs a"
                        + " grayscale (1-channel) model; use --idx or --csv");
            }
            if (shape.length == 1 && side * side != inputSize) {
                throw new UserError("the model takes " + inputSize + " inputs, which is not a square image; use --csv");
            }
            int h = shape.length == 3 ? shape[1] : side, w = shape.length == 3 ? shape[2] : side;
            x = new float[images.size() * inputSize];
            for (int i = 0; i < images.size(); i++) {
                System.arraycopy(pixels(images.get(i), h, w), 0, x, i * inputSize, inputSize);
                names.add(images.get(i).toString());
            }
        }
        int n = names.size();
        StringBuilder file = output == null ? null : new StringBuilder(); // --output's text, written whole at the end
        int[] sample = tm.config().model().inputShape();
        String outAct = tm.config().model().outputActivation();
        // in batches, as eval: all inputs at once made activations of more than 2^31 values, or more than the heap
        // that train's memory estimate allowed for (it assumes evaluation in batches)
        for (int from = 0; from < n; from += EvalCommand.BATCH) {
            int rows = Math.min(EvalCommand.BATCH, n - from);
            int[] batchShape = new int[sample.length + 1];
            batchShape[0] = rows;
            System.arraycopy(sample, 0, batchShape, 1, sample.length);
            float[] raw, o;
            // each batch reuses the memory of the one before, as eval's batches do: fresh arrays for every batch's
            // activations (tens of MB for a wide network) made predict several times slower than its arithmetic
            try (var scope = Tensor.noGrad(); var memory = Tensor.recycling()) {
                Tensor input = tm.config().normalization().apply(
                        Tensor.wrap(java.util.Arrays.copyOfRange(x, from * inputSize, (from + rows) * inputSize), batchShape));
                Tensor out = tm.network().forward(input);
                raw = out.toFloatArray();
                o = scores(task, tm.config().loss(), outAct, out).toFloatArray();
            }
            int k = o.length / rows;
            for (int i = 0; i < rows; i++) {
                boolean positive = positive(tm.config().loss(), raw[i * k], o[i * k]);
                if (file == null) {
                    System.out.println(names.get(from + i) + ": " + describe(task, o, i * k, k, positive));
                } else {
                    if (file.isEmpty()) {
                        file.append(header(task, k, tm.config().loss())).append('\n');
                    }
                    file.append(row(task, names.get(from + i), o, i * k, k, positive)).append('\n');
                }
            }
        }
        if (file != null) {
            Flags.writing("--output", output, () -> io.jgrad.io.AtomicFiles.writeString(output, file.toString()));
            System.out.println("wrote " + output + " (" + n + " prediction" + (n == 1 ? "" : "s") + ")");
        }
        return 0;
    }

    /**
     * --output replaces its file, so it must not be one this command reads ({@code read}; null entries skipped): the
     * data being predicted (predict --csv rows.csv --output rows.csv lost the rows) or the run's config.json or weights.
     */
    private static void checkNotRead(Path output, List<Path> read) throws java.io.IOException {
        if (!Files.exists(output)) {
            return;
        }
        for (Path p : read) {
            if (p != null && Files.exists(p) && Files.isSameFile(output, p)) {
                throw new UserError("--output " + output + ": is " + p + ", which predict reads; expected another file,"
                        + " such as predictions.csv, so that it is not replaced");
            }
        }
    }

    /**
     * The --output file's header: input, predicted, then a probability column per class (class 1 for a binary model),
     * p_CLASS; output_CLASS for a model trained on one-hot targets with a squared error, whose outputs are its own
     * estimates, not probabilities.
     */
    private String header(Task task, int k, String loss) {
        StringBuilder sb = new StringBuilder("input,predicted");
        String prefix = Losses.task(loss).equals("regression") ? "output_" : "p_"; // mse, half-sse
        if (task != Task.REGRESSION) {
            for (int j = k == 1 ? 1 : 0; j < Math.max(k, 2); j++) {
                sb.append(',').append(MetricsCsv.field(prefix + className(j)));
            }
        }
        return sb.toString();
    }

    /** One input's row of the --output file, in the columns of {@link #header}. */
    private String row(Task task, String input, float[] o, int off, int k, boolean positive) {
        StringBuilder sb = new StringBuilder(MetricsCsv.field(input)).append(',');
        if (task == Task.REGRESSION) {
            return sb.append(String.format(java.util.Locale.ROOT, "%.6g", o[off])).toString();
        }
        sb.append(MetricsCsv.field(className(predictedClass(o, off, k, positive))));
        for (int j = 0; j < k; j++) {
            sb.append(',').append(String.format(java.util.Locale.ROOT, "%.6g", o[off + j])); // 6 digits also near 0
        }
        return sb.toString();
    }

    /**
     * The scores shown for the outputs {@code out} [N, K] (not modified) of a model of {@code task} trained with {@code
     * loss} whose last layer is {@code outputActivation}, as predict prints them and the report's misclassified images
     * are labelled: for cross-entropy the probabilities softmax(out) (exp(out) after a log-softmax layer, out itself
     * after a softmax layer); for bce-logits sigmoid(out), each class scored on its own as K binary ones; for every
     * other loss out itself (a network trained on one-hot targets with mse, half-sse or bce gives its own estimate per
     * class; bce's one output is p(1)). Call inside {@link Tensor#noGrad()}.
     */
    static Tensor scores(Task task, String loss, String outputActivation, Tensor out) {
        if (task == Task.CLASSIFICATION && outputActivation.equals("logsoftmax")) {
            return out.exp();
        }
        if (task == Task.CLASSIFICATION && loss.equals("cross-entropy") && outputActivation.equals("none")) {
            return out.softmax(1);
        }
        if (task == Task.BINARY_LOGITS || task == Task.CLASSIFICATION && loss.equals("bce-logits")) {
            return out.sigmoid();
        }
        return out;
    }

    /**
     * The class predicted from the scores {@code p[off, off + k)} ({@link #scores}): for one output, 1 when {@code
     * positive} ({@link #positive}), else 0; for several, the arg-max, the first of equal ones (the class printed first).
     */
    static int predictedClass(float[] p, int off, int k, boolean positive) {
        if (k == 1) {
            return positive ? 1 : 0;
        }
        int best = 0;
        for (int j = 1; j < k; j++) {
            best = p[off + j] > p[off + best] ? j : best;
        }
        return best;
    }

    /**
     * Whether a one-output model predicts class 1, decided as eval's accuracy decides it: its score p(1) (see {@link
     * #scores}) at least 0.5, or for bce-logits its raw output above 0 (the sigmoid rounds outputs within about 3e-8
     * of 0 to exactly 0.5).
     */
    static boolean positive(String loss, float raw, float score) {
        return loss.equals("bce-logits") ? raw > 0 : score >= 0.5;
    }

    /**
     * The records of an IDX file with {@code dims} [N, ...] must be what the model takes: for a model of images
     * [C, H, W], images of H x W (a [N, H, W] file when C is 1, else [N, C, H, W]), since records of the same
     * number of values but another size would be reshaped into nonsense; for a model of feature vectors, records
     * of that many values (images flattened). At least one record. Else a UserError naming the file.
     */
    static void checkIdxFits(int[] dims, int[] inputShape, Path file) {
        int[] record = java.util.Arrays.copyOfRange(dims, 1, dims.length);
        int values = 1;
        for (int d : record) {
            values *= d;
        }
        boolean images = inputShape.length == 3;
        boolean fits = images
                ? java.util.Arrays.equals(record, inputShape) || inputShape[0] == 1
                        && java.util.Arrays.equals(record, new int[] {inputShape[1], inputShape[2]})
                : dims.length > 1 && values == inputShape[0];
        if (!fits) {
            String want = images ? inputShape[1] + "x" + inputShape[2] + " images" + (inputShape[0] == 1 ? ""
                    : " of " + inputShape[0] + " channels") + " (records " + (inputShape[0] == 1 ? "[" + inputShape[1] + ", "
                    + inputShape[2] + "]" : java.util.Arrays.toString(inputShape)) + ")" : "records of " + inputShape[0] + " values";
            throw new UserError("--idx " + file + ": " + (record.length == 0 ? "records are single numbers (a labels file?)"
                    : "records have shape " + java.util.Arrays.toString(record) + " (" + values + " values)")
                    + ", but the model takes " + want + "; use images of the size it was trained on");
        }
        if (dims[0] == 0) {
            throw new UserError("--idx " + file + ": holds no records; expected at least one");
        }
    }

    /**
     * One input's line: the value, or the class and probabilities. {@code positive}: whether a one-output model
     * predicts class 1 ({@link #positive}).
     */
    private String describe(Task task, float[] o, int off, int k, boolean positive) {
        if (task == Task.REGRESSION) {
            return String.format("%.6g", o[off]);
        }
        if (k == 1) {
            return String.format("class %s (p(%s) = %.4f)", className(positive ? 1 : 0), className(1), o[off]);
        }
        Integer[] order = new Integer[k];
        for (int j = 0; j < k; j++) {
            order[j] = j;
        }
        java.util.Arrays.sort(order, (a, b) -> Float.compare(o[off + b], o[off + a]));
        StringBuilder sb = new StringBuilder("class ").append(className(order[0])).append("  (");
        for (int j = 0; j < Math.min(top == null ? 3 : top, k); j++) {
            sb.append(j == 0 ? "" : ", ").append(className(order[j])).append(": ").append(String.format("%.4f", o[off + order[j]]));
        }
        return sb.append(')').toString();
    }

    /** Class {@code c} as the training data named it: its name where the CSV target held names, else its index. */
    private String className(int c) {
        return classNames.isEmpty() ? Integer.toString(c) : classNames.get(c);
    }

    /** The image in {@code file}, or null if no reader knows its format; a damaged file is a UserError naming it. */
    private static BufferedImage readImage(Path file) throws java.io.IOException {
        if (!Files.isReadable(file)) {
            // ImageIO would report it as "Can't read input file!", which reads like a damaged image
            throw new java.nio.file.AccessDeniedException(file.toString());
        }
        try {
            return ImageIO.read(file.toFile());
        } catch (javax.imageio.IIOException e) {
            throw new UserError(file + ": corrupt or truncated image (" + e.getMessage()
                    + (e.getCause() == null || e.getCause().getMessage() == null ? "" : ": " + e.getCause().getMessage()) + ")");
        }
    }

    /** Grayscale pixels in [0, 1], h rows of w, light-on-dark like MNIST. */
    static float[] pixels(Path file, int h, int w) throws java.io.IOException {
        if (Files.isDirectory(file)) {
            throw new UserError(file + ": is a directory; expected an image file (PNG, JPEG, BMP or GIF)");
        }
        if (!Files.isRegularFile(file)) {
            throw new UserError(file + ": no such file");
        }
        BufferedImage img = readImage(file);
        if (img == null) {
            throw new UserError(file + ": not an image Java can read (expected PNG, JPEG, BMP or GIF)");
        }
        BufferedImage gray = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        Graphics2D g = gray.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(img, 0, 0, w, h, null);
        g.dispose();
        float[] p = new float[h * w];
        double border = 0;
        int borderCount = 0;
        for (int y = 0; y < h; y++) {
            for (int xx = 0; xx < w; xx++) {
                p[y * w + xx] = (gray.getRaster().getSample(xx, y, 0)) / 255f;
                if (y == 0 || xx == 0 || y == h - 1 || xx == w - 1) {
                    border += p[y * w + xx];
                    borderCount++;
                }
            }
        }
        if (border / borderCount > 0.5) {
            for (int i = 0; i < p.length; i++) {
                p[i] = 1f - p[i];
            }
        }
        return p;
    }
}
