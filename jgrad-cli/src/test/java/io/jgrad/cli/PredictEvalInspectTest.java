package io.jgrad.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** predict, eval and inspect as a user runs them on what train wrote, and on files from elsewhere. */
class PredictEvalInspectTest {
    @TempDir
    static Path tmp;
    static Path idx;
    static Path cnn;
    static Path mlp;

    @BeforeAll
    static void train() throws Exception {
        idx = IdxFiles.write(tmp.resolve("idx"), 32, 8, 8, 5);
        Path conv = Files.writeString(tmp.resolve("conv.json"), "{\"layers\": [{\"type\": \"conv2d\", \"out_channels\": 2,"
                + " \"kernel_size\": 3}, {\"type\": \"flatten\"}, {\"type\": \"linear\", \"out_features\": 10}]}");
        cnn = tmp.resolve("cnn");
        Cli.ok("train", "--model", conv.toString(), "--data", idx.toString(), "--epochs", "1", "--batch-size", "16",
                "--threads", "1", "--no-report", "--out", cnn.toString());
        mlp = tmp.resolve("mlp");
        Cli.ok("train", "--data", idx.toString(), "--layers", "4", "--epochs", "1", "--batch-size", "16",
                "--threads", "1", "--no-report", "--out", mlp.toString());
    }

    private static Path idxFile(String name, int magic, int... dims) throws Exception {
        int n = 1;
        for (int d : dims) {
            n *= d;
        }
        return Files.write(tmp.resolve(name), SyntheticData.idx(magic, dims, new int[n]));
    }

    @Test
    void predictIdxNeedsImagesOfTheModelsSize() throws Exception {
        // 4x16 and flat 64-value records have the 64 values of an 8x8 image, and were reshaped into one
        Path wide = idxFile("wide-idx3-ubyte", 0x0803, 3, 4, 16);
        Path flat = idxFile("flat-idx2-ubyte", 0x0802, 3, 64);
        Cli.run("predict", "--model", cnn.toString(), "--idx", wide.toString())
                .assertUserError("--idx", "wide-idx3-ubyte", "shape [4, 16]", "8x8 images");
        Cli.run("predict", "--model", cnn.toString(), "--idx", flat.toString())
                .assertUserError("--idx", "flat-idx2-ubyte", "shape [64]", "8x8 images");
        Path labels = idxFile("labels-idx1-ubyte", 0x0801, 3);
        Cli.run("predict", "--model", cnn.toString(), "--idx", labels.toString()).assertUserError("labels-idx1-ubyte", "single numbers");
        Path none = idxFile("none-idx3-ubyte", 0x0803, 0, 8, 8);
        Cli.run("predict", "--model", cnn.toString(), "--idx", none.toString()).assertUserError("none-idx3-ubyte", "no records");
        assertEquals(3, Cli.ok("predict", "--model", cnn.toString(), "--idx", idxFile("square-idx3-ubyte", 0x0803, 3, 8, 8).toString())
                .out().lines().count());
        // an MLP takes flattened images: any record of 64 values is one
        assertEquals(3, Cli.ok("predict", "--model", mlp.toString(), "--idx", flat.toString()).out().lines().count());
        Cli.run("predict", "--model", mlp.toString(), "--idx", idxFile("small-idx3-ubyte", 0x0803, 2, 7, 7).toString())
                .assertUserError("small-idx3-ubyte", "[7, 7] (49 values)", "records of 64 values");
    }

    /**
     * Training reads IDX images of unsigned bytes only, scaled by 1/255; predict --idx read any element type and scaled it
     * the same way, so float images already in [0, 1] (IDX type 0x0D) were divided by 255 again and predicted as nearly
     * black images, without a word.
     */
    /**
     * eval --data FILE.csv refused a model of images ("a CSV file holds feature vectors, but the run's network takes
     * images"), while predict --csv gave it the same rows, each row's values one image in row-major order. Both take
     * them now, by one code path: the t10k images written as CSV rows (their pixels as the IDX reader gives them, p/255,
     * then the label) give the loss, accuracy and confusion matrix that eval gives on the IDX directory, and, without the
     * label, the predictions of predict --idx. A row of another length is refused by both in the same words.
     */
    @Test
    void evalAndPredictTakeCsvRowsOfPixelsForAModelOfImages() throws Exception {
        io.jgrad.data.TensorDataset t10k = io.jgrad.data.IdxDataset.load(idx, false, true);
        float[] pixels = t10k.features().toFloatArray(), labels = t10k.targets().toFloatArray();
        int n = t10k.size(), per = pixels.length / n;
        StringBuilder header = new StringBuilder(), rows = new StringBuilder(), labelled = new StringBuilder();
        StringBuilder wideRows = new StringBuilder(), wideLabelled = new StringBuilder(); // a column too many
        for (int j = 0; j < per; j++) {
            header.append(j == 0 ? "" : ",").append("p").append(j);
        }
        for (int i = 0; i < n; i++) {
            StringBuilder row = new StringBuilder();
            for (int j = 0; j < per; j++) {
                row.append(j == 0 ? "" : ",").append(Double.toString(pixels[i * per + j])); // read back exactly
            }
            rows.append(row).append('\n');
            labelled.append(row).append(',').append((int) labels[i]).append('\n');
            wideRows.append(row).append(",0\n");
            wideLabelled.append(row).append(",0,").append((int) labels[i]).append('\n');
        }
        Path withLabels = Files.writeString(tmp.resolve("t10k-labelled.csv"), header + ",label\n" + labelled);
        Path features = Files.writeString(tmp.resolve("t10k-pixels.csv"), header + "\n" + rows);

        List<String> fromIdx = Cli.ok("eval", "--model", cnn.toString()).out().lines().toList();
        List<String> fromCsv = Cli.ok("eval", "--model", cnn.toString(), "--data", withLabels.toString()).out().lines().toList();
        assertEquals(fromIdx.size(), fromCsv.size(), String.join("\n", fromCsv));
        for (int i = 0; i < fromIdx.size(); i++) {
            if (!fromIdx.get(i).startsWith("data ")) { // which rows: "test split" against "the whole file"
                assertEquals(fromIdx.get(i), fromCsv.get(i), "eval line " + (i + 1));
            }
        }
        assertTrue(fromCsv.stream().anyMatch(l -> l.startsWith("data ") && l.contains("the whole file, " + n + " samples")),
                String.join("\n", fromCsv));

        List<String> byIdx = Cli.ok("predict", "--model", cnn.toString(), "--idx", idx.resolve("t10k-images-idx3-ubyte").toString())
                .out().lines().map(l -> l.substring(l.indexOf(": "))).toList();
        List<String> byCsv = Cli.ok("predict", "--model", cnn.toString(), "--csv", features.toString())
                .out().lines().map(l -> l.substring(l.indexOf(": "))).toList();
        assertEquals(n, byIdx.size());
        assertEquals(byIdx, byCsv);

        // one column too many: the same refusal from both
        Path wide = Files.writeString(tmp.resolve("wide.csv"), header + ",extra,label\n" + wideLabelled);
        String why = "rows have " + (per + 1) + " feature columns, but the model in " + cnn + " takes images [1, 8, 8]: " + per
                + " values a row";
        Cli.run("eval", "--model", cnn.toString(), "--data", wide.toString()).assertUserError("--data " + wide + ": " + why);
        Path wideFeatures = Files.writeString(tmp.resolve("wide-pixels.csv"), header + ",extra\n" + wideRows);
        Cli.run("predict", "--model", cnn.toString(), "--csv", wideFeatures.toString()).assertUserError("--csv " + wideFeatures + ": " + why);
    }

    /**
     * The t10k images of {@link #idx} as CSV text: a header of {@code names} (null: p0, p1, ...; "LABEL" marks where the
     * label goes), then one row per image, its pixels as {@code pixel} writes each 8-bit value p (0..255).
     */
    private static String t10kCsv(List<String> names, java.util.function.IntFunction<String> pixel) throws Exception {
        io.jgrad.data.TensorDataset t10k = io.jgrad.data.IdxDataset.load(idx, false, true);
        float[] pixels = t10k.features().toFloatArray(), labels = t10k.targets().toFloatArray();
        int n = t10k.size(), per = pixels.length / n;
        StringBuilder sb = new StringBuilder(String.join(",", names)).append('\n');
        for (int i = 0; i < n; i++) {
            int j = 0;
            for (int c = 0; c < names.size(); c++) {
                boolean label = names.get(c).equals(LABEL);
                sb.append(c == 0 ? "" : ",").append(label ? Integer.toString((int) labels[i])
                        : pixel.apply(Math.round(pixels[i * per + j++] * 255)));
            }
            sb.append('\n');
        }
        return sb.toString().replace(LABEL, "label");
    }

    private static final String LABEL = "LABEL";

    /** p0..p63 (an 8x8 image's pixel columns) with {@code label} inserted at {@code at}, or none when label is null. */
    private static List<String> pixelColumns(String label, int at) {
        List<String> names = new java.util.ArrayList<>();
        for (int j = 0; j < 64; j++) {
            names.add("p" + j);
        }
        if (label != null) {
            names.add(at, label);
        }
        return names;
    }

    /** The lines of eval's output but its "data" line, which says which rows ("test split", "the whole file"). */
    private static List<String> evalLines(Cli eval) {
        return eval.out().lines().filter(l -> !l.startsWith("data ")).toList();
    }

    /** predict's lines without the input's name (the file and row, or the IDX record). */
    private static List<String> predictions(Cli predict) {
        return predict.out().lines().map(l -> l.substring(l.indexOf(": "))).toList();
    }

    /**
     * A model trained on an IDX directory records no CSV columns, so eval took a CSV file's last column as the label: a
     * file in the common MNIST-CSV layout, label first (label,pixel0,...), was misread (its last pixel taken for the
     * label), and predict refused its label column as a 65th feature. Both now take the column named label, in any
     * case and any position, or the column --target-column names, and give what eval and predict give on the IDX files.
     */
    @Test
    void evalAndPredictOfAModelTrainedOnIdxFindTheLabelColumnByName() throws Exception {
        java.util.function.IntFunction<String> unit = p -> Double.toString(p / 255.0f); // as the IDX reader scales them
        Path first = Files.writeString(tmp.resolve("label-first.csv"), t10kCsv(pixelColumns(LABEL, 0), unit)
                .replaceFirst("^label,", "Label,"));
        Path middle = Files.writeString(tmp.resolve("label-middle.csv"), t10kCsv(pixelColumns(LABEL, 30), unit)
                .replaceFirst(",label,", ",LABEL,"));
        Path named = Files.writeString(tmp.resolve("digit-first.csv"), t10kCsv(pixelColumns(LABEL, 0), unit)
                .replaceFirst("^label,", "digit,"));
        List<String> fromIdx = evalLines(Cli.ok("eval", "--model", cnn.toString()));
        assertEquals(fromIdx, evalLines(Cli.ok("eval", "--model", cnn.toString(), "--data", first.toString())));
        assertEquals(fromIdx, evalLines(Cli.ok("eval", "--model", cnn.toString(), "--data", middle.toString())));
        assertEquals(fromIdx, evalLines(Cli.ok("eval", "--model", cnn.toString(), "--data", named.toString(),
                "--target-column", "digit")));
        assertEquals(evalLines(Cli.ok("eval", "--model", mlp.toString())),
                evalLines(Cli.ok("eval", "--model", mlp.toString(), "--data", first.toString())));

        List<String> byIdx = predictions(Cli.ok("predict", "--model", mlp.toString(), "--idx",
                idx.resolve("t10k-images-idx3-ubyte").toString()));
        assertEquals(byIdx, predictions(Cli.ok("predict", "--model", mlp.toString(), "--csv", first.toString())));
        assertEquals(byIdx, predictions(Cli.ok("predict", "--model", mlp.toString(), "--csv", middle.toString())));
        assertEquals(byIdx, predictions(Cli.ok("predict", "--model", mlp.toString(), "--csv", named.toString(),
                "--target-column", "digit")));
    }

    /**
     * Where the label column of a CSV file cannot be told for a model trained on an IDX directory (no column named label,
     * or two, or a --target-column the file lacks), eval and predict refuse it, naming the file and what they expected,
     * rather than take the last column.
     */
    @Test
    void aModelTrainedOnIdxRefusesACsvFileWhoseLabelColumnItCannotTell() throws Exception {
        java.util.function.IntFunction<String> unit = p -> Double.toString(p / 255.0f);
        Path unnamed = Files.writeString(tmp.resolve("digit-last.csv"), t10kCsv(pixelColumns(LABEL, 64), unit)
                .replaceFirst(",label\n", ",digit\n"));
        Cli.run("eval", "--model", cnn.toString(), "--data", unnamed.toString())
                .assertUserError("--data " + unnamed + ": ", "no column named label", "--target-column");
        // predict needs no labels: its columns are all pixels, one too many
        Cli.run("predict", "--model", mlp.toString(), "--csv", unnamed.toString())
                .assertUserError("--csv " + unnamed + ": ", "rows have 65 feature columns", "--target-column");
        Path twice = Files.writeString(tmp.resolve("label-twice.csv"), t10kCsv(pixelColumns(LABEL, 0), unit)
                .replaceFirst("^label,p0,", "label,LABEL,"));
        Cli.run("eval", "--model", cnn.toString(), "--data", twice.toString())
                .assertUserError("--data " + twice + ": ", "'label'", "'LABEL'", "--target-column");
        Cli.run("predict", "--model", mlp.toString(), "--csv", twice.toString())
                .assertUserError("--csv " + twice + ": ", "'label'", "'LABEL'", "--target-column");
        Cli.run("eval", "--model", cnn.toString(), "--data", unnamed.toString(), "--target-column", "Digit")
                .assertUserError("--target-column Digit", unnamed.toString(), "no such column");
        Cli.run("predict", "--model", mlp.toString(), "--csv", unnamed.toString(), "--target-column", "label")
                .assertUserError("--target-column label", unnamed.toString(), "no such column");
        // it names a CSV file's column: the run's own data (an IDX directory) has none
        Cli.run("eval", "--model", cnn.toString(), "--target-column", "label").assertUserError("--target-column", "--data FILE.csv");

        // a file that is wrong in its header (read to find the label column) or in a row: named by the flag that gave it
        Path empty = Files.writeString(tmp.resolve("empty.csv"), "");
        String isEmpty = ": line 1: file is empty; expected a header row naming the columns";
        Cli.run("eval", "--model", cnn.toString(), "--data", empty.toString()).assertUserError("jgrad eval: --data " + empty + isEmpty);
        Cli.run("predict", "--model", mlp.toString(), "--csv", empty.toString())
                .assertUserError("jgrad predict: --csv " + empty + isEmpty);
        Path word = Files.writeString(tmp.resolve("label-word.csv"), t10kCsv(pixelColumns(LABEL, 0), unit)
                .replaceFirst("\n[^,]*,", "\nseven,"));
        Cli.run("eval", "--model", cnn.toString(), "--data", word.toString())
                .assertUserError("jgrad eval: --data " + word + ": line 2, column 'label': \"seven\" is not a number");
    }

    /**
     * A model trained on an IDX directory saw its pixels as p/255, in [0, 1]; a CSV file of 8-bit pixels 0..255 (as the
     * common MNIST CSV files hold them) was given to it as it was, and its results were wrong without a word. Whole
     * numbers 0..255 are scaled as training scaled the IDX bytes, with a note on standard error, and give what the IDX
     * files give; values above 1 that are not 8-bit pixels are taken as they are, with a warning.
     */
    @Test
    void csvPixelsOf0To255AreScaledAsTrainingScaledTheIdxImages() throws Exception {
        java.util.function.IntFunction<String> bytes = Integer::toString;
        Path raw = Files.writeString(tmp.resolve("bytes.csv"), t10kCsv(pixelColumns(LABEL, 0), bytes));
        List<String> fromIdx = evalLines(Cli.ok("eval", "--model", cnn.toString()));
        Cli eval = Cli.ok("eval", "--model", cnn.toString(), "--data", raw.toString());
        assertEquals(fromIdx, evalLines(eval));
        assertTrue(eval.err().contains("note: --data " + raw + ": ") && eval.err().contains("divided by 255"), eval.err());
        Cli predict = Cli.ok("predict", "--model", mlp.toString(), "--csv", raw.toString());
        assertEquals(predictions(Cli.ok("predict", "--model", mlp.toString(), "--idx",
                idx.resolve("t10k-images-idx3-ubyte").toString())), predictions(predict));
        assertTrue(predict.err().contains("note: --csv " + raw + ": ") && predict.err().contains("divided by 255"), predict.err());

        // not whole numbers 0..255: no scale to undo is certain, so they are taken as they are, with a warning
        Path odd = Files.writeString(tmp.resolve("not-bytes.csv"), t10kCsv(pixelColumns(LABEL, 0), p -> p + ".5"));
        Cli warned = Cli.ok("predict", "--model", mlp.toString(), "--csv", odd.toString());
        assertTrue(warned.err().contains("warning: --csv " + odd + ": ") && warned.err().contains("[0, 1]"), warned.err());
        assertFalse(warned.err().contains("divided by 255"), warned.err());
    }

    /**
     * Whether a run was trained on an IDX directory was inferred from its data.path, which may have moved: a Spark run of
     * a Parquet table with a features column (no columns recorded) whose table moved from a name without .parquet was
     * taken for an IDX run (its CSV values divided by 255, a column named label dropped), and an IDX run whose data.path
     * ends in .csv and has gone was taken for a CSV run. config.json's data.kind, written by train, says which it was;
     * a config.json without it (written before it was recorded) is still read by the inference.
     */
    @Test
    @SuppressWarnings("unchecked")
    void theRecordedDataKindTellsAnIdxRunFromATableRunWhoseDataMoved() throws Exception {
        assertEquals("idx", dataOf(mlp).get("kind"));
        Path linear = Cli.train(tmp.resolve("kind-csv"), "--data", SyntheticData.linearCsv(tmp.resolve("kind.csv"), 40, 3)
                .toString(), "--layers", "", "--loss", "mse", "--epochs", "1", "--no-report");
        assertEquals("csv", dataOf(linear).get("kind"));

        java.util.function.IntFunction<String> bytes = Integer::toString;
        Path labelled = Files.writeString(tmp.resolve("kind-labelled.csv"), t10kCsv(pixelColumns(LABEL, 0), bytes));
        Path pixels = Files.writeString(tmp.resolve("kind-pixels.csv"), t10kCsv(pixelColumns(null, 0), bytes));
        List<String> byIdx = predictions(Cli.ok("predict", "--model", mlp.toString(), "--idx",
                idx.resolve("t10k-images-idx3-ubyte").toString()));

        // an IDX run whose directory, named as a CSV file would be, has gone: still scaled, its label column found by name
        Path idxRun = copyRun(mlp, "kind-idx-run", Map.of("path", tmp.resolve("gone", "digits.csv").toString()));
        Cli predict = Cli.ok("predict", "--model", idxRun.toString(), "--csv", labelled.toString());
        assertEquals(byIdx, predictions(predict));
        assertTrue(predict.err().contains("divided by 255"), predict.err());

        // a Spark run of a Parquet table with a features column, moved: its values are taken as they are
        Path tableRun = copyRun(mlp, "kind-table-run", Map.of("path", tmp.resolve("gone", "table").toString(), "kind", "parquet"));
        Cli asGiven = Cli.ok("predict", "--model", tableRun.toString(), "--csv", pixels.toString());
        assertFalse(asGiven.err().contains("divided by 255"), asGiven.err());
        Cli.run("predict", "--model", tableRun.toString(), "--csv", labelled.toString())
                .assertUserError("--csv " + labelled + ": ", "rows have 65 feature columns");

        // the same run's config.json from before data.kind: inferred from the path, which names no table, as IDX
        Path older = copyRun(tableRun, "kind-older-run", Map.of());
        Path config = older.resolve(RunConfig.FILE);
        Map<String, Object> cfg = (Map<String, Object>) io.jgrad.io.Json.read(config);
        ((Map<String, Object>) cfg.get("data")).remove("kind");
        Files.writeString(config, io.jgrad.io.Json.write(cfg));
        assertTrue(Cli.ok("predict", "--model", older.toString(), "--csv", pixels.toString()).err().contains("divided by 255"));

        Map<String, Object> wrong = (Map<String, Object>) io.jgrad.io.Json.read(config);
        ((Map<String, Object>) wrong.get("data")).put("kind", "images");
        Files.writeString(config, io.jgrad.io.Json.write(wrong));
        Cli.run("predict", "--model", older.toString(), "--csv", pixels.toString())
                .assertUserError(config.toString(), "data.kind", "idx, csv, parquet", "images");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> dataOf(Path run) throws Exception {
        return (Map<String, Object>) ((Map<String, Object>) io.jgrad.io.Json.read(run.resolve(RunConfig.FILE))).get("data");
    }

    /** A copy of the run directory {@code run} as tmp/{@code name}, its config.json's data fields set to {@code data}'s. */
    @SuppressWarnings("unchecked")
    private static Path copyRun(Path run, String name, Map<String, Object> data) throws Exception {
        Path copy = Files.createDirectories(tmp.resolve(name));
        try (var files = Files.list(run)) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        Map<String, Object> cfg = (Map<String, Object>) io.jgrad.io.Json.read(copy.resolve(RunConfig.FILE));
        ((Map<String, Object>) cfg.get("data")).putAll(data);
        Files.writeString(copy.resolve(RunConfig.FILE), io.jgrad.io.Json.write(cfg));
        return copy;
    }

    /**
     * A model trained on a CSV file takes the file's values as they are (its --normalize statistics, if any, are
     * recorded and applied): whole numbers 0..255 are not read as pixels, and nothing is said about them.
     */
    @Test
    void aModelTrainedOnCsvTakesWholeNumbersAsTheyAre() throws Exception {
        Path run = Cli.train(tmp.resolve("linear-csv"), "--data", SyntheticData.linearCsv(tmp.resolve("linear.csv"), 40, 3)
                .toString(), "--layers", "", "--loss", "mse", "--epochs", "1", "--no-report");
        Path whole = Files.writeString(tmp.resolve("whole.csv"), "x0,x1\n200,100\n");
        Path mixed = Files.writeString(tmp.resolve("mixed.csv"), "x0,x1\n200,100\n0.5,0.25\n");
        Cli a = Cli.ok("predict", "--model", run.toString(), "--csv", whole.toString());
        Cli b = Cli.ok("predict", "--model", run.toString(), "--csv", mixed.toString());
        assertEquals(predictions(a).get(0), predictions(b).get(0));
        assertEquals("", a.err() + b.err());
        Cli.run("predict", "--model", run.toString(), "--csv", whole.toString(), "--target-column", "x1")
                .assertUserError("--target-column", "data.feature_columns");
    }

    /**
     * eval --target-column names a CSV run's label column in a file where it has another name than in the training
     * file; one of the model's feature columns, which it takes as an input, is refused.
     */
    @Test
    void evalTargetColumnNamesTheLabelsOfACsvRunInAnotherFile() throws Exception {
        Path csv = SyntheticData.linearCsv(tmp.resolve("renamed-linear.csv"), 40, 5);
        Path run = Cli.train(tmp.resolve("renamed-run"), "--data", csv.toString(), "--layers", "", "--loss", "mse",
                "--epochs", "1", "--no-report");
        List<String> lines = Files.readAllLines(csv);
        StringBuilder sb = new StringBuilder("price,x1,x0\n"); // the target renamed and first, the features swapped
        for (String line : lines.subList(1, lines.size())) {
            String[] c = line.split(",");
            sb.append(c[2]).append(',').append(c[1]).append(',').append(c[0]).append('\n');
        }
        Path renamed = Files.writeString(tmp.resolve("renamed.csv"), sb);
        List<String> same = evalLines(Cli.ok("eval", "--model", run.toString(), "--data", csv.toString()));
        assertEquals(same, evalLines(Cli.ok("eval", "--model", run.toString(), "--data", renamed.toString(),
                "--target-column", "price")));
        Cli.run("eval", "--model", run.toString(), "--data", renamed.toString(), "--target-column", "x0")
                .assertUserError("--target-column x0", "feature column", "data.feature_columns");
    }

    @Test
    void predictIdxTakesUnsignedBytesAsTrainingDoes() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(16 + 3 * 64 * 4); // big-endian, as IDX
        b.putInt(0x00000D03).putInt(3).putInt(8).putInt(8);
        for (int i = 0; i < 3 * 64; i++) {
            b.putFloat(0.5f);
        }
        Path floats = Files.write(tmp.resolve("float-idx3"), b.array());
        for (Path run : new Path[] {cnn, mlp}) {
            Cli.run("predict", "--model", run.toString(), "--idx", floats.toString())
                    .assertUserError("--idx", "float-idx3", "FLOAT", "expected unsigned bytes 0..255");
        }
    }

    /**
     * --loss bce-logits on K classes trains K independent binary scores (one-hot targets through a sigmoid each); predict
     * showed the softmax over them, as for cross-entropy, so the values were neither the model's per-class
     * probabilities nor summed to anything meaningful. It shows each class's sigmoid.
     */
    @Test
    void bceLogitsOnSeveralClassesShowsEachClasssSigmoid() throws Exception {
        Path run = Cli.train(tmp.resolve("bce-logits-classes"), "--data", idx.toString(), "--loss", "bce-logits", "--layers", "4",
                "--epochs", "1", "--batch-size", "16", "--no-report");
        TrainedModel tm = TrainedModel.load(run);
        float[] scores;
        try (var scope = io.jgrad.tensor.Tensor.noGrad()) {
            scores = tm.network().forward(tm.data(null).test().features()).toFloatArray();
        }
        String line = Cli.ok("predict", "--model", run.toString(), "--idx", idx.resolve("t10k-images-idx3-ubyte").toString(),
                "--limit", "1", "--top", "10").out().strip();
        String[] shown = line.substring(line.indexOf('(') + 1, line.length() - 1).split(", ");
        assertEquals(10, shown.length, line);
        for (String entry : shown) {
            String[] kv = entry.split(": ");
            double sigmoid = 1 / (1 + Math.exp(-scores[Integer.parseInt(kv[0])]));
            assertEquals(sigmoid, Double.parseDouble(kv[1]), 1e-4, line);
        }
    }

    /**
     * predict ran all its inputs through the network at once: 140,000 CSV rows through a hidden layer of 16,384 units
     * is an activation [140000, 16384] of more than 2^31 values, which stopped predict with a stack trace (exit 1)
     * where eval, in batches, scored the same rows (and more inputs of a large network ran out of memory). predict
     * goes in batches too, and its lines are those of the rows predicted one file at a time.
     *
     * <p>Shown by the second failure, which takes far fewer rows (this test took 10 s or more with the 140,000): predict
     * runs in a JVM of its own with a 256 MiB heap, which a [5000, 16384] activation (320 MiB) does not fit into at
     * once, so that without batches it exits 2 ("out of memory") instead of 0.
     */
    @Test
    void predictGoesThroughManyRowsInBatches() throws Exception {
        int hidden = 16_384, rows = 5000, heapMiB = 256;
        assertTrue((long) rows * hidden * Float.BYTES > heapMiB << 20, "all rows at once must not fit the heap");
        Path blobs = SyntheticData.blobsCsv(tmp.resolve("wide-blobs.csv"), 30, 2, 3, 3);
        Path wide = Cli.train(tmp.resolve("wide"), "--data", blobs.toString(), "--layers", Integer.toString(hidden), "--epochs", "1",
                "--no-report");
        StringBuilder csv = new StringBuilder("f0,f1\n");
        for (int i = 0; i < rows; i++) {
            csv.append(i % 7).append(".5,").append(i % 5).append(".25\n");
        }
        Path many = Files.writeString(tmp.resolve("many.csv"), csv);
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(ProcessHandle.current().info().command().orElse("java"),
                "-Xmx" + heapMiB + "m", "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED"));
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()) { // this JVM's kernels, so its numbers
            cmd.addAll(java.util.List.of("--add-modules", "jdk.incubator.vector"));
        }
        cmd.addAll(java.util.List.of("-cp", System.getProperty("java.class.path"), "io.jgrad.cli.Main", "predict", "--model",
                wide.toString(), "--csv", many.toString()));
        Path out = tmp.resolve("many.out"), err = tmp.resolve("many.err");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(2, java.util.concurrent.TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail("predict did not finish in 2 minutes");
        }
        assertEquals(0, p.exitValue(), () -> "predict: " + read(err));
        java.util.List<String> lines = Files.readAllLines(out);
        assertEquals(rows, lines.size());
        // rows repeat every 35: the same row, the same line, wherever it falls in a batch
        for (int i : new int[] {0, 3, 34, 255, 256, 1000, rows - 1}) {
            Path one = Files.writeString(tmp.resolve("one.csv"), "f0,f1\n" + (i % 7) + ".5," + (i % 5) + ".25\n");
            String single = Cli.ok("predict", "--model", wide.toString(), "--csv", one.toString()).out().strip();
            assertEquals(single.substring(single.indexOf(':')), lines.get(i).substring(lines.get(i).indexOf(':')), "row " + (i + 1));
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    /**
     * predict's batches reuse the memory of the batch before, as eval's do: it made fresh arrays for every batch's
     * activations, 32 batches of [256, 8192] here, which for a wide network took most of predict's time. Measured as
     * the memory this thread (predict runs on it) takes outside its thread-local allocation buffers, as JFR records
     * each such allocation: an activation's 8 MB array always goes there (G1 puts no array of more than half a
     * region, 512 KB in the tests' 2 GB heap, in a buffer). 538 MB, 64 activations, when every batch makes its own;
     * now about 1 MB (the CSV's text, the captured output; the activations' arrays come from the run before). Fewer
     * than 4 activations leaves room for one batch's two, should the collector have dropped the pool's free lists
     * (held by a soft reference) since the run before, and fails when two batches do not reuse.
     *
     * <p>Not the bytes the thread allocates in all: they count the Vector API's objects as well, which C2 removes but
     * the interpreter and C1 allocate, one or more per vector operation, until C2 has compiled the matrix kernels
     * again (after a deoptimization, or later on a loaded machine): this run then allocates 28 GB where it allocates
     * 34 MB compiled, and that count failed at 622 and 152 MB under four concurrent builds.
     */
    @Test
    void predictReusesTheMemoryOfItsBatches() throws Exception {
        int hidden = 8192, rows = 32 * EvalCommand.BATCH;
        Path blobs = SyntheticData.blobsCsv(tmp.resolve("reuse-blobs.csv"), 30, 2, 3, 3);
        Path model = Cli.train(tmp.resolve("reuse"), "--data", blobs.toString(), "--layers", Integer.toString(hidden), "--epochs",
                "1", "--no-report");
        StringBuilder csv = new StringBuilder("f0,f1\n");
        for (int i = 0; i < rows; i++) {
            csv.append(i % 7).append(".5,").append(i % 5).append(".25\n");
        }
        Path features = Files.writeString(tmp.resolve("reuse.csv"), csv);
        Cli.ok("predict", "--model", model.toString(), "--csv", features.toString()); // fills this thread's pool
        Path events = tmp.resolve("reuse.jfr");
        Cli r;
        try (var recording = new jdk.jfr.Recording()) {
            recording.enable("jdk.ObjectAllocationOutsideTLAB").withoutStackTrace(); // each one, not a sample
            recording.start();
            r = Cli.ok("predict", "--model", model.toString(), "--csv", features.toString());
            recording.stop();
            recording.dump(events);
        }
        assertEquals(rows, r.out().lines().count());
        long thread = Thread.currentThread().threadId();
        long outside = jdk.jfr.consumer.RecordingFile.readAllEvents(events).stream()
                .filter(e -> e.getThread() != null && e.getThread().getJavaThreadId() == thread)
                .mapToLong(e -> e.getLong("allocationSize")).sum();
        long activation = (long) EvalCommand.BATCH * hidden * Float.BYTES;
        assertTrue(outside < 4 * activation, () -> outside / 1_000_000 + " MB allocated outside TLABs, a batch's activation is "
                + activation / 1_000_000 + " MB");
    }

    /**
     * --top picks how many class probabilities a line shows; a binary (one-output) or regression model has none to
     * rank, and it was silently ignored there. It is refused for them, and still works for a model of several classes,
     * up to its number of classes.
     */
    @Test
    void topIsRefusedForModelsWithOneOutput() throws Exception {
        Path blobs = SyntheticData.blobsCsv(tmp.resolve("top-blobs.csv"), 40, 2, 2, 3);
        Path binary = Cli.train(tmp.resolve("top-binary"), "--data", blobs.toString(), "--loss", "bce-logits", "--layers", "4",
                "--epochs", "1", "--no-report");
        Path linear = SyntheticData.linearCsv(tmp.resolve("top-linear.csv"), 40, 3);
        Path regression = Cli.train(tmp.resolve("top-regression"), "--data", linear.toString(), "--loss", "mse", "--layers", "",
                "--epochs", "1", "--no-report");
        Path three = Cli.train(tmp.resolve("top-three"), "--data",
                SyntheticData.blobsCsv(tmp.resolve("top-three.csv"), 30, 2, 3, 3).toString(), "--layers", "4", "--epochs", "1",
                "--no-report");
        Path features = Files.writeString(tmp.resolve("top-features.csv"), "f0,f1,x0,x1\n0.1,0.2,0.3,0.4\n");
        Cli.run("predict", "--model", binary.toString(), "--csv", features.toString(), "--top", "2")
                .assertUserError("--top", "binary classifier with one output", "p(1)", "leave --top out");
        Cli.run("predict", "--model", regression.toString(), "--csv", features.toString(), "--top", "1")
                .assertUserError("--top", "regression model", "leave --top out");
        // without --top they predict as before
        assertTrue(Cli.ok("predict", "--model", binary.toString(), "--csv", features.toString()).out().contains("(p(1) = "));
        assertEquals(1, Cli.ok("predict", "--model", regression.toString(), "--csv", features.toString()).out().lines().count());
        // several classes: 3 probabilities by default, K with --top K
        assertEquals(3, Cli.ok("predict", "--model", three.toString(), "--csv", features.toString()).out().split(": ").length - 2);
        assertEquals(2, Cli.ok("predict", "--model", three.toString(), "--csv", features.toString(), "--top", "2").out()
                .split(": ").length - 2);
        assertEquals(3, Cli.ok("predict", "--model", three.toString(), "--csv", features.toString(), "--top", "3").out()
                .split(": ").length - 2);
        // more than there are classes: refused, as PyTorch's topk refuses k > size; it silently showed all three
        Cli.run("predict", "--model", three.toString(), "--csv", features.toString(), "--top", "4")
                .assertUserError("--top 4", "has 3 classes", "expected 1 to 3");
    }

    /**
     * --loss mse on class labels trains a classifier on one-hot targets (the README's textbook MNIST example), whose
     * config.json has task "regression" and num_classes 10; eval scores it by accuracy, but predict printed the first
     * of its 10 outputs as a regression's value and refused --top. It prints the arg-max class and the top outputs.
     */
    @Test
    void aSquaredErrorClassifierPredictsClasses() throws Exception {
        Path run = Cli.train(tmp.resolve("mse-classes"), "--data", idx.toString(), "--loss", "mse", "--output-activation", "sigmoid",
                "--layers", "4", "--epochs", "1", "--batch-size", "16", "--no-report");
        TrainedModel tm = TrainedModel.load(run);
        float[] outputs;
        try (var scope = io.jgrad.tensor.Tensor.noGrad()) {
            outputs = tm.network().forward(tm.data(null).test().features()).toFloatArray();
        }
        Cli predict = Cli.ok("predict", "--model", run.toString(), "--idx", idx.resolve("t10k-images-idx3-ubyte").toString(),
                "--top", "10");
        java.util.List<String> lines = predict.out().lines().toList();
        assertEquals(8, lines.size(), predict.out());
        for (int i = 0; i < lines.size(); i++) {
            int best = 0;
            for (int c = 1; c < 10; c++) {
                best = outputs[i * 10 + c] > outputs[i * 10 + best] ? c : best;
            }
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\[" + i + "\\]: class (\\d)  \\((.*)\\)").matcher(lines.get(i));
            assertTrue(m.find(), lines.get(i));
            assertEquals(best, Integer.parseInt(m.group(1)), lines.get(i));
            String[] shown = m.group(2).split(", ");
            assertEquals(10, shown.length, lines.get(i));
            for (String entry : shown) {
                String[] kv = entry.split(": ");
                assertEquals(outputs[i * 10 + Integer.parseInt(kv[0])], Float.parseFloat(kv[1]), 1e-4, lines.get(i));
            }
        }
        // --output: the same outputs, headed output_CLASS, not p_CLASS, which said they were probabilities
        Path file = tmp.resolve("mse-predictions.csv");
        Cli.ok("predict", "--model", run.toString(), "--idx", idx.resolve("t10k-images-idx3-ubyte").toString(), "--output",
                file.toString());
        java.util.List<String> rows = Files.readAllLines(file);
        assertEquals("input,predicted,output_0,output_1,output_2,output_3,output_4,output_5,output_6,output_7,output_8,"
                + "output_9", rows.get(0));
        String[] first = rows.get(1).split(",");
        for (int c = 0; c < 10; c++) {
            assertEquals(outputs[c], Float.parseFloat(first[2 + c]), 1e-5, rows.get(1));
        }
    }

    /**
     * A safetensors file as PyTorch writes one, by the format's spec: a half-precision weight, BatchNorm's int64
     * num_batches_tracked, a bool mask and an empty tensor.
     */
    private static Path foreignSafetensors() throws Exception {
        String header = "{\"w\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]},"
                + "\"1.num_batches_tracked\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[4,12]},"
                + "\"mask\":{\"dtype\":\"BOOL\",\"shape\":[3],\"data_offsets\":[12,15]},"
                + "\"empty\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[15,15]},"
                + "\"__metadata__\":{\"format\":\"pt\"}}";
        byte[] json = (header + " ".repeat((8 - header.length() % 8) % 8)).getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).array());
        out.write(json);
        out.write(new byte[] {0x00, 0x3e, 0x00, (byte) 0xc0}); // 1.5, -2.0 in float16
        out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(7).array());
        out.write(new byte[] {1, 0, 1});
        return Files.write(tmp.resolve("torch.safetensors"), out.toByteArray());
    }

    /** The line of inspect's output that describes tensor {@code name}. */
    private static String line(Cli inspect, String name) {
        return inspect.out().lines().filter(l -> l.trim().startsWith(name + " ")).findFirst()
                .orElseThrow(() -> new AssertionError("no line for " + name + ":\n" + inspect.out()));
    }

    @Test
    void inspectShowsTheDtypesTheFileHolds() throws Exception {
        Cli inspect = Cli.ok("inspect", foreignSafetensors().toString());
        // they were shown as read into memory: F16 as F32, I64 and BOOL as F64
        assertTrue(line(inspect, "w").matches("\\s*w\\s+F16\\s+\\[2\\]\\s+2\\s+min -2.0000\\s+max \\+1.5000.*"), inspect.out());
        // integers and bools are shown as the whole numbers they hold (num_batches_tracked was "min +7.0000  max +7.0000");
        // the mean and std are not whole numbers in general
        assertTrue(line(inspect, "1.num_batches_tracked").matches("\\s*1.num_batches_tracked\\s+I64\\s+\\[\\]\\s+1\\s+min \\+7"
                + "\\s+max \\+7\\s+mean \\+7.0000\\s+std 0.0000"), inspect.out());
        assertTrue(line(inspect, "mask").matches("\\s*mask\\s+BOOL\\s+\\[3\\]\\s+3\\s+min \\+0\\s+max \\+1\\s+mean \\+0.6667\\s+std 0.4714"),
                inspect.out());
        // an empty tensor has no minimum or maximum (it showed min +Infinity, max -Infinity)
        assertTrue(line(inspect, "empty").matches("\\s*empty\\s+F32\\s+\\[0, 3\\]\\s+0\\s+\\(empty\\)"), inspect.out());
        assertFalse(inspect.out().contains("Infinity"), inspect.out());
        assertTrue(inspect.out().contains("6 values in 4 tensors"), inspect.out());
        // jgrad's own files store float32 as F32
        assertTrue(line(Cli.ok("inspect", mlp.toString()), "0.weight").contains(" F32 "));
    }

    /**
     * A file that is neither a run directory nor safetensors (a run's metrics.csv, a short text) was read as safetensors,
     * its first 8 bytes as the header's length: "header length 8247... is larger than the limit of 104857600 bytes; not a
     * safetensors file?". inspect now says what it takes, naming the file, and beside a run's config.json the run
     * directory to inspect. A file named .safetensors, or one that begins as safetensors files do (an 8-byte length,
     * then the JSON header's '{'), is still read as one, and when damaged the reader still says where.
     */
    @Test
    void inspectOfAFileThatIsNotSafetensorsSaysWhatItTakes() throws Exception {
        Path metrics = mlp.resolve("metrics.csv");
        Cli.run("inspect", metrics.toString()).assertUserError(metrics + ": neither a run directory nor a .safetensors file",
                "expected a run directory written by 'jgrad train' or a .safetensors file", "jgrad inspect " + mlp);
        Path text = Files.writeString(tmp.resolve("notes.txt"), "hi\n");
        Cli r = Cli.run("inspect", text.toString());
        r.assertUserError(text + ": neither a run directory nor a .safetensors file");
        assertFalse(r.err().contains("jgrad inspect "), r.err()); // no run beside it
        // named .safetensors: a damaged file, as the reader describes it
        Path damaged = Files.copy(metrics, tmp.resolve("damaged.safetensors"));
        Cli.run("inspect", damaged.toString()).assertUserError(damaged.toString(), "header length", "not a safetensors file?");
        // safetensors under another name: read, or when cut short, described by the reader
        byte[] weights = Files.readAllBytes(mlp.resolve("model.safetensors"));
        Path renamed = Files.write(tmp.resolve("weights.bin"), weights);
        assertTrue(Cli.ok("inspect", renamed.toString()).out().contains(" values in "));
        Path cut = Files.write(tmp.resolve("cut.bin"), java.util.Arrays.copyOf(weights, 40));
        Cli.run("inspect", cut.toString()).assertUserError(cut.toString(), "header length", "the file is truncated");
    }

    @Test
    void inspectShowsTinyAndHugeValuesWithFourSignificantDigits() throws Exception {
        // with %+.4f, weights of 1e-05 read +0.0000 and 2e12 read +2000000000000.0000
        Path file = tmp.resolve("scales.safetensors");
        io.jgrad.io.Safetensors.write(file, java.util.Map.of(
                "tiny", io.jgrad.tensor.Tensor.of(new double[] {2e-5, -3.1416e-6}),
                "huge", io.jgrad.tensor.Tensor.of(new double[] {1.5e12, 2e12}),
                "plain", io.jgrad.tensor.Tensor.of(new double[] {-0.25, 0.75}),
                "zeros", io.jgrad.tensor.Tensor.of(new double[] {-0.0, 0.0})), null);
        Cli inspect = Cli.ok("inspect", file.toString());
        assertTrue(line(inspect, "tiny").endsWith("min -3.142e-06  max +2.000e-05  mean +8.429e-06  std 1.157e-05"), inspect.out());
        assertTrue(line(inspect, "huge").endsWith("min +1.500e+12  max +2.000e+12  mean +1.750e+12  std 2.500e+11"), inspect.out());
        // between 0.001 and 100,000, four decimals, as train's console writes losses
        assertTrue(line(inspect, "plain").endsWith("min -0.2500  max +0.7500  mean +0.2500  std 0.5000"), inspect.out());
        // a negative zero keeps its one sign, as %+.4f gave it (it read "+-0.0000")
        assertTrue(line(inspect, "zeros").endsWith("min -0.0000  max +0.0000  mean +0.0000  std 0.0000"), inspect.out());
    }

    @Test
    void predictDrawsTheBinaryLineWhereEvalDoes() throws Exception {
        Path csv = SyntheticData.blobsCsv(tmp.resolve("two.csv"), 12, 3, 2, 4);
        Path features = Files.writeString(tmp.resolve("x.csv"), "f0,f1,f2\n1,2,3\n-1,0.5,2\n");
        for (String loss : new String[] {"bce", "bce-logits"}) {
            Path run = tmp.resolve(loss);
            Cli.ok("train", "--data", csv.toString(), "--layers", "", "--loss", loss, "--epochs", "1", "--threads", "1",
                    "--no-report", "--out", run.toString());
            // weights 0 and a bias just below 0: a score of -1e-8, whose sigmoid rounds to 0.5 in float32
            io.jgrad.io.Safetensors.write(run.resolve("model.safetensors"), java.util.Map.of("0.weight",
                    io.jgrad.tensor.Tensor.zeros(1, 3), "0.bias", io.jgrad.tensor.Tensor.wrap(new float[] {-1e-8f}, 1)), null);
            // eval: BCE's probability 0.5 is class 1 (at least 0.5), bce-logits' score -1e-8 is class 0 (not above 0)
            int want = loss.equals("bce") ? 1 : 0;
            String eval = Cli.ok("eval", "--model", run.toString(), "--data", csv.toString()).out();
            String column = want == 1 ? "0      6" : "6      0";
            assertTrue(eval.contains("        0      " + column) && eval.contains("        1      " + column), eval);
            String predict = Cli.ok("predict", "--model", run.toString(), "--csv", features.toString()).out();
            assertEquals(2, predict.lines().filter(l -> l.endsWith(": class " + want + " (p(1) = 0.5000)")).count(), loss + ":\n" + predict);
        }
    }

    @Test
    void aRunStoppedWhileRenamingItsCheckpointIsReadAsItsConfigSays() throws Exception {
        Path csv = SyntheticData.blobsCsv(tmp.resolve("blobs.csv"), 60, 4, 3, 6);
        Path first = Cli.trainedRun(csv, "8", tmp.resolve("first"));
        Path run = tmp.resolve("second");
        Cli.ok("train", "--resume", first.toString(), "--out", run.toString(), "--epochs", "2", "--threads", "1", "--no-report");
        String eval = Cli.ok("eval", "--model", run.toString()).out();
        String predict = Cli.ok("predict", "--model", run.toString(), "--csv", csv.toString()).out();
        // the state Checkpoint.save leaves when stopped after the commit point (config.json names epoch 2) and before
        // renaming model.safetensors.next over model.safetensors, which still holds epoch 1
        Files.move(run.resolve("model.safetensors"), run.resolve("model.safetensors.next"));
        Files.copy(first.resolve("model.safetensors"), run.resolve("model.safetensors"));
        assertNotEquals(eval, Cli.ok("eval", "--model", first.toString()).out().replace(first.toString(), run.toString()),
                "one more epoch should change the loss");
        assertEquals(eval, Cli.ok("eval", "--model", run.toString()).out());
        assertEquals(predict, Cli.ok("predict", "--model", run.toString(), "--csv", csv.toString()).out());
        Cli inspect = Cli.ok("inspect", run.toString());
        assertTrue(inspect.out().contains("2 of 2 epochs done") && inspect.out().contains("model.safetensors.next:"), inspect.out());
        // and train --resume, which always read it so, continues from it
        Cli.ok("train", "--resume", run.toString(), "--epochs", "3", "--threads", "1", "--no-report");
    }

    @Test
    void inspectGivesTheLearningRateAsTrainDoes() throws Exception {
        Path csv = SyntheticData.blobsCsv(tmp.resolve("blobs.csv"), 60, 4, 3, 6);
        Path run = Cli.trainedRun(csv, "8", tmp.resolve("run"));
        // it read "adam lr 0.00100000": %g's six significant digits
        assertTrue(Cli.ok("inspect", run.toString()).out().lines()
                .anyMatch(l -> l.equals("training    adam lr 0.001, batch 64, 1 of 1 epochs done, seed 42")), "inspect's training line");
        Path sgd = Cli.train(tmp.resolve("sgd"), "--data", csv.toString(), "--layers", "8", "--epochs", "1", "--no-report",
                "--optimizer", "sgd", "--lr", "0.1");
        assertTrue(Cli.ok("inspect", sgd.toString()).out().contains("training    sgd lr 0.1, batch 64,"), "sgd's rate");
    }

    /**
     * Whether a run's held-out rows are an IDX directory's t10k files ("test") is config.json's data.kind, as for
     * predict's pixels: eval and inspect looked at data.path, and where it had moved, eval --data NEWDIR called the
     * t10k rows its "validation split" and inspect named no held-out rows.
     */
    @Test
    void anIdxRunsTestRowsAreNamedSoAlsoWhereItsDataMoved() throws Exception {
        Path moved = Files.createDirectories(tmp.resolve("moved-idx-run"));
        for (String f : List.of("config.json", "model.safetensors", "optimizer.safetensors", "metrics.csv")) {
            Files.copy(mlp.resolve(f), moved.resolve(f));
        }
        Path gone = tmp.resolve("gone-idx");
        Path config = moved.resolve("config.json");
        Files.writeString(config, Files.readString(config).replace(io.jgrad.io.Json.writeCompact(idx.toString()),
                io.jgrad.io.Json.writeCompact(gone.toString())));
        assertTrue(Files.readString(config).contains("\"kind\": \"idx\""), "data.kind recorded");
        String eval = Cli.ok("eval", "--model", moved.toString(), "--data", idx.toString()).out();
        assertTrue(eval.contains("data     " + idx + ", test split, "), eval);
        assertTrue(Cli.ok("inspect", moved.toString()).out().contains("data        " + gone + "; test rows: its t10k files\n"),
                "inspect");
    }

    /** The class weights and which rows a run holds out, which inspect left out though config.json records them. */
    @Test
    void inspectShowsTheClassWeightsAndTheHeldOutRows() throws Exception {
        assertTrue(Cli.ok("inspect", mlp.toString()).out().contains("data        " + idx + "; test rows: its t10k files\n"),
                "an IDX directory's test split");
        Path csv = SyntheticData.blobsCsv(tmp.resolve("weighted.csv"), 60, 4, 3, 6);
        Path split = Cli.train(tmp.resolve("split"), "--data", csv.toString(), "--layers", "", "--epochs", "1", "--no-report",
                "--val-split", "0.25", "--class-weights", "1,2,0.5");
        String inspect = Cli.ok("inspect", split.toString()).out();
        assertTrue(inspect.contains("seed 42; class weights 1.000, 2.000, 0.5000\n"), inspect);
        assertTrue(inspect.contains("data        " + csv + ", target column 'label'; validation rows: --val-split 0.25\n"), inspect);
        Path file = Cli.train(tmp.resolve("file"), "--data", csv.toString(), "--layers", "", "--epochs", "1", "--no-report",
                "--val-data", csv.toString());
        inspect = Cli.ok("inspect", file.toString()).out();
        assertTrue(inspect.contains("data        " + csv + ", target column 'label'; validation rows: --val-data " + csv + "\n"), inspect);
        assertFalse(inspect.contains("class weights"), inspect);
        Path none = Cli.train(tmp.resolve("none"), "--data", csv.toString(), "--layers", "", "--epochs", "1", "--no-report");
        assertTrue(Cli.ok("inspect", none.toString()).out().contains("data        " + csv + ", target column 'label'\n"), "no held-out rows");
    }

    /**
     * The target column, which config.json records (also where it was the default, the last column) and inspect left out:
     * on the data line, in words (config.json cannot tell a given --target-column from the default, and a run at its
     * defaults shows no flags), and in the report's facts; an IDX directory's run has none (its data line is asserted
     * above).
     */
    @Test
    void inspectAndTheReportShowTheTargetColumn() throws Exception {
        Path csv = Files.writeString(tmp.resolve("targets.csv"), "kind of flower,a,b\n0,1,2\n1,2,1\n0,1,3\n1,3,1\n");
        Path run = Cli.train(tmp.resolve("target"), "--data", csv.toString(), "--target-column", "kind of flower", "--layers", "",
                "--epochs", "1");
        assertTrue(Cli.ok("inspect", run.toString()).out().contains("data        " + csv + ", target column 'kind of flower'\n"),
                Cli.ok("inspect", run.toString()).out());
        assertEquals("kind of flower",
                ReportFactsTest.facts(Files.readString(run.resolve("report.html"))).get("Target column"));
        Path idxReport = Cli.train(tmp.resolve("idx-report"), "--data", idx.toString(), "--layers", "", "--epochs", "1");
        assertFalse(ReportFactsTest.facts(Files.readString(idxReport.resolve("report.html"))).containsKey("Target column"));
    }

    /**
     * --clip-grad-norm, --no-shuffle and a Spark run's partitions and local steps, which config.json records and inspect
     * left out: the training line gives the first two where the run used them, and a Spark run has a spark line in the
     * report's words; a run without them prints what it printed.
     */
    @Test
    @SuppressWarnings("unchecked")
    void inspectShowsClippingNoShuffleAndASparkRunsLocalSteps() throws Exception {
        Path csv = SyntheticData.blobsCsv(tmp.resolve("options.csv"), 60, 4, 3, 6);
        Path clipped = Cli.train(tmp.resolve("with-options"), "--data", csv.toString(), "--layers", "8", "--epochs", "1",
                "--no-report", "--clip-grad-norm", "0.5", "--no-shuffle");
        String inspect = Cli.ok("inspect", clipped.toString()).out();
        assertTrue(inspect.lines().anyMatch(l -> l.equals("training    adam lr 0.001, --clip-grad-norm 0.5, batch 64, --no-shuffle,"
                + " 1 of 1 epochs done, seed 42")), inspect);
        assertFalse(inspect.contains("spark"), inspect);
        inspect = Cli.ok("inspect", Cli.trainedRun(csv, "8", tmp.resolve("without-options")).toString()).out();
        assertTrue(inspect.lines().anyMatch(l -> l.equals("training    adam lr 0.001, batch 64, 1 of 1 epochs done, seed 42")), inspect);
        assertFalse(inspect.contains("clip") || inspect.contains("shuffle") || inspect.contains("spark"), inspect);

        // jgrad train --spark 'local[2]' ... --partitions 2: synchronous steps (local_steps 1)
        Path fixture = Path.of("src", "test", "resources", "spark-run");
        Path spark = Files.createDirectories(tmp.resolve("spark-run"));
        for (String f : List.of("config.json", "model.safetensors", "optimizer.safetensors", "metrics.csv")) {
            Files.copy(fixture.resolve(f), spark.resolve(f));
        }
        inspect = Cli.ok("inspect", spark.toString()).out();
        assertTrue(inspect.contains("\nspark       2 partitions, synchronous (one optimizer step on the partitions' summed gradient"
                + " per batch)\n"), inspect);
        java.util.Map<String, Object> config = (java.util.Map<String, Object>) io.jgrad.io.Json.read(spark.resolve("config.json"));
        ((java.util.Map<String, Object>) config.get("spark")).put("local_steps", 4L);
        Files.writeString(spark.resolve("config.json"), io.jgrad.io.Json.write(config) + "\n");
        inspect = Cli.ok("inspect", spark.toString()).out();
        assertTrue(inspect.contains("\nspark       2 partitions, local SGD (--local-steps 4: each partition takes 4 steps, then"
                + " the weights are averaged)\n"), inspect);
    }

    /**
     * Every option config.json records that shaped the run, which inspect left out: the optimizer's --momentum and a
     * --weight-decay other than its default, --schedule, --augment and --checkpoint-every on the training line, and the
     * stopping rules (--patience, --restore-best, --target-loss) on a stopping line, each as the flag that sets it, so
     * that the run can be trained again; options at their defaults (adamw's weight decay 0.01, a schedule recorded as
     * "NONE", which train takes as none) are not shown, and a run without them prints what it printed.
     */
    @Test
    @SuppressWarnings("unchecked")
    void inspectShowsEveryTrainingOptionTheRunSetByItsFlag() throws Exception {
        Path run = Cli.train(tmp.resolve("all-options"), "--model", tmp.resolve("conv.json").toString(), "--data", idx.toString(),
                "--epochs", "1", "--batch-size", "16", "--no-report", "--optimizer", "sgd", "--lr", "0.02", "--momentum", "0.9",
                "--weight-decay", "0.001", "--schedule", "step:1:0.5", "--augment", "flip,shift:1", "--checkpoint-every", "1",
                "--patience", "2", "--restore-best", "--target-loss", "0.0001");
        String inspect = Cli.ok("inspect", run.toString()).out();
        assertTrue(inspect.contains("\ntraining    sgd lr 0.02, --momentum 0.9, --weight-decay 0.001, --schedule step:1:0.5, batch 16,"
                + " --augment flip,shift:1, --checkpoint-every 1, 1 of 1 epochs done, seed 42\nstopping    --patience 2,"
                + " --restore-best, --target-loss 1.0E-4\n"), inspect);

        // adamw's weight decay is 0.01 unless --weight-decay says otherwise: shown only then
        Path csv = SyntheticData.blobsCsv(tmp.resolve("decay.csv"), 60, 4, 3, 6);
        inspect = Cli.ok("inspect", Cli.train(tmp.resolve("adamw"), "--data", csv.toString(), "--layers", "", "--epochs", "1",
                "--no-report", "--optimizer", "adamw").toString()).out();
        assertTrue(inspect.contains("\ntraining    adamw lr 0.001, batch 64, 1 of 1 epochs done, seed 42\n"), inspect);
        inspect = Cli.ok("inspect", Cli.train(tmp.resolve("adamw-0"), "--data", csv.toString(), "--layers", "", "--epochs", "1",
                "--no-report", "--optimizer", "adamw", "--weight-decay", "0", "--target-loss", "0.5").toString()).out();
        assertTrue(inspect.contains("\ntraining    adamw lr 0.001, --weight-decay 0.0, batch 64, 1 of 1 epochs done, seed 42\n"
                + "stopping    --target-loss 0.5\n"), inspect);

        // rmsprop takes a momentum too; a schedule recorded in capitals is none, as train read it
        Path rmsprop = Cli.train(tmp.resolve("rmsprop"), "--data", csv.toString(), "--layers", "", "--epochs", "1", "--no-report",
                "--optimizer", "rmsprop", "--momentum", "0.5", "--schedule", "NONE");
        inspect = Cli.ok("inspect", rmsprop.toString()).out();
        assertTrue(inspect.contains("\ntraining    rmsprop lr 0.001, --momentum 0.5, batch 64, 1 of 1 epochs done, seed 42\n"), inspect);

        // a run at the defaults: the training line as before, and no stopping line
        inspect = Cli.ok("inspect", Cli.trainedRun(csv, "", tmp.resolve("defaults")).toString()).out();
        assertTrue(inspect.contains("\ntraining    adam lr 0.001, batch 64, 1 of 1 epochs done, seed 42\ndata "), inspect);
        assertFalse(inspect.contains("stopping") || inspect.contains("--"), inspect);

        // a config.json from before schedule, augment, patience, restore_best and checkpoint_every were recorded
        Path old = Files.createDirectories(tmp.resolve("old-config"));
        for (String f : List.of("config.json", "model.safetensors")) {
            Files.copy(run.resolve(f), old.resolve(f));
        }
        java.util.Map<String, Object> config = (java.util.Map<String, Object>) io.jgrad.io.Json.read(old.resolve("config.json"));
        java.util.Map<String, Object> training = (java.util.Map<String, Object>) config.get("training");
        for (String field : List.of("schedule", "augment", "patience", "restore_best", "checkpoint_every", "target_loss")) {
            training.remove(field);
        }
        Files.writeString(old.resolve("config.json"), io.jgrad.io.Json.write(config) + "\n");
        inspect = Cli.ok("inspect", old.toString()).out();
        assertTrue(inspect.contains("\ntraining    sgd lr 0.02, --momentum 0.9, --weight-decay 0.001, batch 16, 1 of 1 epochs done,"
                + " seed 42\ndata "), inspect);
    }
}
