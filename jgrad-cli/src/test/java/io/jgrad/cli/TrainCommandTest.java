package io.jgrad.cli;

import static org.junit.jupiter.api.Assertions.*;

import io.jgrad.io.Json;
import io.jgrad.io.Safetensors;
import io.jgrad.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train, then eval, inspect and predict on its output, on small generated CSV and IDX data. */
class TrainCommandTest {
    @TempDir
    Path dir;

    private static Cli ok(String... args) {
        return Cli.ok(args);
    }

    /** metrics.csv as header + rows of cells. */
    record Metrics(List<String> header, List<String[]> rows) {
        static Metrics read(Path run) throws IOException {
            List<String> lines = Files.readAllLines(run.resolve("metrics.csv"));
            List<String[]> rows = new ArrayList<>();
            for (String l : lines.subList(1, lines.size())) {
                rows.add(l.split(",", -1));
            }
            return new Metrics(Arrays.asList(lines.get(0).split(",")), rows);
        }

        double get(int row, String column) {
            int c = header.indexOf(column);
            assertTrue(c >= 0, "no column " + column + " in " + header);
            return Double.parseDouble(rows.get(row)[c]);
        }
    }

    private static double firstNumberAfter(String text, String label) {
        Matcher m = Pattern.compile(Pattern.quote(label) + "\\s*([0-9.]+)").matcher(text);
        assertTrue(m.find(), () -> "no '" + label + "' in:\n" + text);
        return Double.parseDouble(m.group(1));
    }

    /** The class of each line "NAME: class K ..." that predict prints, in order. */
    private static List<Integer> predictedClasses(String out) {
        List<Integer> classes = new ArrayList<>();
        Matcher m = Pattern.compile(": class (\\d+)").matcher(out);
        while (m.find()) {
            classes.add(Integer.parseInt(m.group(1)));
        }
        return classes;
    }

    /**
     * A run with --no-report in a directory that held a report (an earlier run's, or its own before a --resume) left that
     * report.html and its charts beside the new model, describing another network or fewer epochs: its first checkpoint
     * now removes them, and a run with a report writes them again at its end.
     */
    @Test
    void aRunWithoutAReportRemovesTheReportThatNoLongerDescribesItsModel() throws IOException {
        Path csv = SyntheticData.blobsCsv(dir.resolve("blobs.csv"), 60, 4, 3, 7);
        Path run = dir.resolve("run");
        List<String> report = List.of("report.html", "loss.png", "accuracy.png", "grad_norms.png", "confusion.png");
        Cli.train(run, "--data", csv.toString(), "--layers", "4", "--epochs", "1", "--val-split", "0.2");
        report.forEach(f -> assertTrue(Files.exists(run.resolve(f)), f));
        Cli.train(run, "--data", csv.toString(), "--layers", "8", "--epochs", "1", "--no-report");
        report.forEach(f -> assertFalse(Files.exists(run.resolve(f)), f + " of the earlier run is still there"));

        Cli.train(run, "--data", csv.toString(), "--layers", "4", "--epochs", "1", "--val-split", "0.2");
        Cli resumed = ok("train", "--resume", run.toString(), "--epochs", "2", "--threads", "1", "--no-report");
        report.forEach(f -> assertFalse(Files.exists(run.resolve(f)), f + " of epoch 1 is still there"));
        assertFalse(resumed.out().contains("report.html"), resumed.out());
        ok("train", "--resume", run.toString(), "--epochs", "3", "--threads", "1");
        assertFalse(Files.exists(run.resolve("report.html")), "--no-report is remembered");
        ok("report", run.toString());
        report.forEach(f -> assertTrue(Files.exists(run.resolve(f)), f));
    }

    @Test
    void classificationRunWritesEveryFileAndTheOtherCommandsReadIt() throws IOException {
        Path csv = SyntheticData.blobsCsv(dir.resolve("blobs.csv"), 150, 4, 3, 7);
        Path run = dir.resolve("run");
        Cli train = ok("train", "--data", csv.toString(), "--val-split", "0.2", "--layers", "16", "--epochs", "12",
                "--lr", "0.02", "--batch-size", "16", "--threads", "1", "--out", run.toString());
        for (String f : List.of("model.safetensors", "config.json", "optimizer.safetensors", "metrics.csv", "report.html",
                "loss.png", "accuracy.png", "confusion.png", "grad_norms.png")) {
            assertTrue(Files.size(run.resolve(f)) > 0, f + " missing or empty");
        }
        try (Stream<Path> files = Files.list(run)) {
            assertTrue(files.noneMatch(p -> p.toString().endsWith(".tmp")), "temporary files left in the run directory");
        }
        Metrics m = Metrics.read(run);
        assertEquals(12, m.rows().size(), "one metrics row per epoch");
        for (int i = 0; i < 12; i++) {
            assertEquals(i + 1, (int) m.get(i, "epoch"));
        }
        assertTrue(m.get(11, "val_accuracy") >= 0.9, "val accuracy " + m.get(11, "val_accuracy"));
        assertTrue(m.get(11, "train_loss") < m.get(0, "train_loss"));
        assertTrue(m.header().contains("grad_norm:0.weight") && m.header().contains("grad_norm:2.bias"), m.header().toString());
        assertTrue(firstNumberAfter(train.out(), "accuracy") >= 90, train.out());
        // the split holds out 30 rows
        assertTrue(train.out().contains("on 30 samples"), train.out());

        @SuppressWarnings("unchecked")
        Map<String, Object> cfg = (Map<String, Object>) Json.parse(Files.readString(run.resolve("config.json")));
        assertEquals("classification", cfg.get("task"));
        assertEquals(3L, cfg.get("num_classes"));

        Cli eval = ok("eval", "--model", run.toString());
        assertTrue(firstNumberAfter(eval.out(), "accuracy") >= 0.9, eval.out());
        assertTrue(eval.out().contains("recall") && eval.out().contains("precision"), eval.out());
        // evaluated on the rows held out by --val-split, not on the training rows
        assertTrue(eval.out().contains("validation split, 30 samples"), eval.out());
        assertEquals(m.get(11, "val_loss"), firstNumberAfter(eval.out(), "loss"), 1e-5);
        // a CSV file given as --data is evaluated whole, whatever --split says; the line said "train split, 150 samples",
        // though the run's train split is 120 rows
        for (String split : List.of("test", "train")) {
            Cli whole = ok("eval", "--model", run.toString(), "--data", csv.toString(), "--split", split);
            assertTrue(whole.out().contains("data     " + csv + ", the whole file, 150 samples\n"), whole.out());
        }

        Cli inspect = ok("inspect", run.toString());
        for (String s : List.of("0.weight", "[16, 4]", "0.bias", "[16]", "2.weight", "[3, 16]", "2.bias", "[3]", "Linear(in_features=4")) {
            assertTrue(inspect.out().contains(s), () -> "inspect lacks " + s + ":\n" + inspect.out());
        }
        assertTrue(inspect.out().contains("parameters  " + (16 * 4 + 16 + 3 * 16 + 3)), inspect.out());
        Cli inspectFile = ok("inspect", run.resolve("model.safetensors").toString());
        assertTrue(inspectFile.out().contains("[16, 4]"), inspectFile.out());

        int[] truth = new int[12];
        Path features = SyntheticData.blobFeaturesCsv(dir.resolve("features.csv"), truth, 4, 3, 99);
        Cli predict = ok("predict", "--model", run.toString(), "--csv", features.toString());
        List<Integer> got = predictedClasses(predict.out());
        assertEquals(12, got.size(), predict.out());
        int correct = 0;
        for (int i = 0; i < 12; i++) {
            correct += got.get(i) == truth[i] ? 1 : 0;
        }
        assertTrue(correct >= 11, correct + " of 12 correct:\n" + predict.out());
        Cli limited = ok("predict", "--model", run.toString(), "--csv", features.toString(), "--limit", "2");
        assertEquals(got.subList(0, 2), predictedClasses(limited.out()));
    }

    @Test
    void regressionWithMse() throws IOException {
        Path csv = SyntheticData.linearCsv(dir.resolve("linear.csv"), 200, 3);
        Path run = dir.resolve("run");
        ok("train", "--data", csv.toString(), "--loss", "mse", "--layers", "", "--val-split", "0.25", "--epochs", "40",
                "--optimizer", "sgd", "--lr", "0.1", "--batch-size", "10", "--threads", "1", "--no-report", "--out", run.toString());
        Metrics m = Metrics.read(run);
        // a linear model fits y = 2 x0 - x1 + 0.5 exactly
        assertTrue(m.get(39, "val_loss") < 1e-3, "val loss " + m.get(39, "val_loss"));
        assertTrue(m.rows().get(39)[m.header().indexOf("val_accuracy")].isEmpty(), "no accuracy for regression");
        Map<String, Tensor> w = Safetensors.read(run.resolve("model.safetensors")).tensors();
        float[] weight = w.get("0.weight").toFloatArray();
        assertEquals(2.0, weight[0], 0.05);
        assertEquals(-1.0, weight[1], 0.05);
        assertEquals(0.5, w.get("0.bias").item(), 0.05);
        Path x = Files.writeString(dir.resolve("x.csv"), "x0,x1\n0.5,0.25\n-1,1\n");
        Cli predict = ok("predict", "--model", run.toString(), "--csv", x.toString());
        List<String> lines = predict.out().lines().toList();
        assertEquals(2, lines.size(), predict.out());
        assertEquals(2 * 0.5 - 0.25 + 0.5, Double.parseDouble(lines.get(0).substring(lines.get(0).lastIndexOf(' ') + 1)), 0.05);
        assertEquals(-2 - 1 + 0.5, Double.parseDouble(lines.get(1).substring(lines.get(1).lastIndexOf(' ') + 1)), 0.05);
    }

    @Test
    void halfSseIsReportedPerSampleWhateverTheBatchSize() throws IOException {
        // half-sse sums over its batch. With an lr too small to move the weights, the training loss (batches of 7) and
        // the validation loss on the same rows (batches of 256) must agree; they used to be scaled by the batch size
        Path linear = SyntheticData.linearCsv(dir.resolve("linear.csv"), 60, 3);
        Path blobs = SyntheticData.blobsCsv(dir.resolve("blobs.csv"), 60, 4, 3, 5); // one-hot targets for 3 classes
        for (Path csv : List.of(linear, blobs)) {
            Path run = dir.resolve("run-" + csv.getFileName());
            ok("train", "--data", csv.toString(), "--val-data", csv.toString(), "--loss", "half-sse", "--layers", "4",
                    "--optimizer", "sgd", "--lr", "1e-12", "--batch-size", "7", "--epochs", "1", "--no-shuffle", "--threads", "1",
                    "--no-report", "--out", run.toString());
            Metrics m = Metrics.read(run);
            assertEquals(m.get(0, "val_loss"), m.get(0, "train_loss"), 1e-5 * m.get(0, "val_loss"), csv.toString());
        }
    }

    @Test
    void targetLossStopsEarly() throws IOException {
        Path csv = SyntheticData.blobsCsv(dir.resolve("blobs.csv"), 90, 4, 3, 5);
        Path run = dir.resolve("run");
        Cli r = ok("train", "--data", csv.toString(), "--layers", "8", "--epochs", "300", "--target-loss", "0.1", "--lr", "0.02",
                "--batch-size", "10", "--threads", "1", "--no-report", "--out", run.toString());
        Metrics m = Metrics.read(run);
        int n = m.rows().size();
        assertTrue(n < 300, "ran all epochs");
        assertTrue(m.get(n - 1, "train_loss") <= 0.1, "stopped above the target");
        for (int i = 0; i < n - 1; i++) {
            assertTrue(m.get(i, "train_loss") > 0.1, "epoch " + (i + 1) + " already reached the target");
        }
        assertTrue(r.err().contains("target loss"), r.err());
    }

    /**
     * metrics.csv of a run with held-out data, as a jgrad from before val_loss "NaN" wrote it: an epoch whose
     * validation loss was NaN (a regression's, its accuracy NaN too) has both val cells empty, which --resume read as an
     * epoch without validation, so that early stopping skipped it where the uninterrupted run counted it (NaN never
     * improves). lr 1e-30 leaves the weights as they are, so that no epoch improves on the first.
     */
    @Test
    void resumeCountsAnOldFilesNaNValidationLossForEarlyStopping() throws IOException {
        Path csv = SyntheticData.blobsCsv(dir.resolve("blobs.csv"), 40, 3, 2, 5);
        Path run = dir.resolve("run");
        ok("train", "--data", csv.toString(), "--loss", "mse", "--val-split", "0.25", "--layers", "", "--epochs", "2",
                "--patience", "2", "--lr", "1e-30", "--threads", "1", "--no-report", "--out", run.toString());
        Path file = run.resolve("metrics.csv");
        List<String> lines = new ArrayList<>(Files.readAllLines(file));
        String[] row = lines.get(2).split(",", -1);
        assertTrue(!row[3].isEmpty() && row[4].isEmpty(), lines.get(2)); // a loss, no accuracy: a regression's row
        row[3] = ""; // epoch 2's validation loss NaN, as written then
        lines.set(2, String.join(",", row));
        Files.write(file, lines);
        // epoch 1 is the best, epochs 2 and 3 do not improve on it: patience 2 runs out after epoch 3, not 4
        Cli r = ok("train", "--resume", run.toString(), "--epochs", "5", "--threads", "1", "--no-report");
        assertEquals(3, Metrics.read(run).rows().size(), r.err());
        assertEquals("NaN", Metrics.read(run).rows().get(1)[3], "rewritten as it is written now");
    }

    /**
     * A run stopped by --target-loss (or --patience) is continued with a new one, as Keras's fit takes new stopping
     * callbacks each call: --resume refused both, so the resumed run trained one epoch, was below the old target
     * again and stopped. The new values are recorded in config.json; the weights of each epoch do not depend on them.
     */
    @Test
    void resumeTakesANewTargetLossAndPatience() throws IOException {
        Path csv = SyntheticData.blobsCsv(dir.resolve("blobs.csv"), 90, 4, 3, 5);
        Path run = dir.resolve("run");
        ok("train", "--data", csv.toString(), "--val-split", "0.2", "--layers", "8", "--epochs", "40", "--target-loss", "1.0",
                "--lr", "0.02", "--batch-size", "10", "--threads", "1", "--no-report", "--out", run.toString());
        int reached = Metrics.read(run).rows().size();
        assertTrue(reached < 40 && reached + 3 <= 40, "the target was not reached early: " + reached + " epochs");
        // the old target ends the resumed run after one epoch again
        Path again = dir.resolve("again");
        Cli same = ok("train", "--resume", run.toString(), "--out", again.toString(), "--threads", "1", "--no-report");
        assertEquals(reached + 1, Metrics.read(again).rows().size());
        assertTrue(same.err().contains("reached target loss 1"), same.err());
        // a lower target (0 is never reached here): it trains on to --epochs, and config.json says so
        Cli lower = ok("train", "--resume", run.toString(), "--epochs", String.valueOf(reached + 3), "--target-loss", "0",
                "--threads", "1", "--no-report");
        assertEquals(reached + 3, Metrics.read(run).rows().size(), lower.err());
        String config = Files.readString(run.resolve("config.json"));
        assertTrue(config.matches("(?s).*\"target_loss\"\\s*:\\s*0(\\.0)?\\s*[,}].*"), config);
        // --patience likewise: recorded, and refused where the run has no held-out data to watch
        ok("train", "--resume", run.toString(), "--epochs", String.valueOf(reached + 4), "--patience", "5", "--threads", "1",
                "--no-report");
        assertTrue(Files.readString(run.resolve("config.json")).matches("(?s).*\"patience\"\\s*:\\s*5\\s*[,}].*"));
        Path noVal = dir.resolve("no-val");
        ok("train", "--data", csv.toString(), "--layers", "8", "--epochs", "1", "--threads", "1", "--no-report", "--out",
                noVal.toString());
        Cli.run("train", "--resume", noVal.toString(), "--epochs", "2", "--patience", "2", "--threads", "1")
                .assertUserError("--patience", "no held-out data");
        Cli.run("train", "--resume", run.toString(), "--epochs", "50", "--patience", "-1", "--threads", "1")
                .assertUserError("--patience", "-1");
        Path best = dir.resolve("best");
        ok("train", "--data", csv.toString(), "--val-split", "0.2", "--layers", "8", "--epochs", "1", "--patience", "1",
                "--restore-best", "--threads", "1", "--no-report", "--out", best.toString());
        Cli.run("train", "--resume", best.toString(), "--epochs", "2", "--patience", "0", "--threads", "1")
                .assertUserError("--patience 0", "--restore-best", "--patience 1 or more");
    }

    @Test
    void sameSeedGivesBitwiseIdenticalWeights() throws IOException {
        Path csv = SyntheticData.blobsCsv(dir.resolve("blobs.csv"), 90, 4, 3, 5);
        byte[][] models = new byte[3][];
        String[] seeds = {"5", "5", "6"};
        for (int i = 0; i < 3; i++) {
            Path run = dir.resolve("run" + i);
            ok("train", "--data", csv.toString(), "--val-split", "0.2", "--layers", "8,8", "--epochs", "3", "--seed", seeds[i],
                    "--batch-size", "16", "--threads", "1", "--no-report", "--out", run.toString());
            models[i] = Files.readAllBytes(run.resolve("model.safetensors"));
        }
        assertArrayEquals(models[0], models[1], "same seed, different weights");
        assertFalse(Arrays.equals(models[0], models[2]), "the seed has no effect");
    }

    @Test
    void resumeContinuesExactlyWhereTheRunStopped() throws IOException {
        Path csv = SyntheticData.blobsCsv(dir.resolve("blobs.csv"), 90, 4, 3, 5);
        Path straight = dir.resolve("straight"), resumed = dir.resolve("resumed");
        // a schedule whose next decay (after epoch 3) depends on its epoch counter, which must be restored too
        List<String> common = List.of("--data", csv.toString(), "--val-split", "0.2", "--layers", "8", "--batch-size", "16",
                "--schedule", "step:3:0.5", "--threads", "1", "--no-report");
        List<String> a = new ArrayList<>(List.of("train", "--epochs", "4", "--out", straight.toString()));
        a.addAll(common);
        ok(a.toArray(String[]::new));
        Path first = dir.resolve("first");
        List<String> b = new ArrayList<>(List.of("train", "--epochs", "2", "--out", first.toString()));
        b.addAll(common);
        ok(b.toArray(String[]::new));
        assertEquals(2, Metrics.read(first).rows().size());
        byte[] firstModel = Files.readAllBytes(first.resolve("model.safetensors"));
        // into another directory: the first stays as it was, the new one has all four epochs
        ok("train", "--resume", first.toString(), "--out", resumed.toString(), "--epochs", "4", "--threads", "1", "--no-report");
        assertArrayEquals(firstModel, Files.readAllBytes(first.resolve("model.safetensors")));
        assertEquals(2, Metrics.read(first).rows().size());

        assertArrayEquals(Files.readAllBytes(straight.resolve("model.safetensors")), Files.readAllBytes(resumed.resolve("model.safetensors")),
                "resumed weights differ from an uninterrupted run");
        assertArrayEquals(Files.readAllBytes(straight.resolve("optimizer.safetensors")),
                Files.readAllBytes(resumed.resolve("optimizer.safetensors")));
        Metrics ms = Metrics.read(straight), mr = Metrics.read(resumed);
        assertEquals(ms.header(), mr.header());
        assertEquals(4, mr.rows().size());
        int seconds = ms.header().indexOf("seconds");
        for (int i = 0; i < 4; i++) {
            String[] x = ms.rows().get(i).clone(), y = mr.rows().get(i).clone();
            x[seconds] = y[seconds] = "";
            assertArrayEquals(x, y, "metrics row of epoch " + (i + 1));
        }
        assertEquals(0.001, mr.get(2, "lr"), 1e-12);
        assertEquals(0.0005, mr.get(3, "lr"), 1e-12, "the schedule halves the rate after epoch 3");
        // resuming in place continues the same directory; the next decay is after epoch 6
        ok("train", "--resume", resumed.toString(), "--epochs", "5", "--threads", "1", "--no-report");
        assertEquals(5, Metrics.read(resumed).rows().size());
        assertEquals(0.0005, Metrics.read(resumed).get(4, "lr"), 1e-12);
    }

    @Test
    void logisticRegressionIsOneNeuron() throws IOException {
        Path csv = SyntheticData.blobsCsv(dir.resolve("two.csv"), 100, 3, 2, 11);
        Path run = dir.resolve("run");
        ok("train", "--data", csv.toString(), "--layers", "", "--loss", "bce", "--val-split", "0.2", "--epochs", "10",
                "--lr", "0.05", "--batch-size", "16", "--threads", "1", "--no-report", "--out", run.toString());
        Map<String, Tensor> w = Safetensors.read(run.resolve("model.safetensors")).tensors();
        assertEquals(List.of("0.bias", "0.weight"), w.keySet().stream().sorted().toList());
        assertArrayEquals(new int[] {1, 3}, w.get("0.weight").shape());
        assertArrayEquals(new int[] {1}, w.get("0.bias").shape());
        Metrics m = Metrics.read(run);
        for (int i = 0; i < m.rows().size(); i++) {
            // binary cross-entropy of probabilities is never negative
            assertTrue(m.get(i, "train_loss") > 0 && m.get(i, "val_loss") > 0, "epoch " + (i + 1) + " loss " + m.get(i, "train_loss"));
        }
        assertTrue(m.get(9, "val_accuracy") >= 0.95, "val accuracy " + m.get(9, "val_accuracy"));
        Path x = Files.writeString(dir.resolve("x.csv"), "f0,f1,f2\n0,0,0\n3,3,3\n");
        Cli predict = ok("predict", "--model", run.toString(), "--csv", x.toString());
        assertEquals(List.of(0, 1), predictedClasses(predict.out()), predict.out());
        // the BCE-with-logits variant needs no output activation and learns the same
        ok("train", "--data", csv.toString(), "--layers", "", "--loss", "bce-logits", "--val-split", "0.2", "--epochs", "10",
                "--lr", "0.05", "--batch-size", "16", "--threads", "1", "--no-report", "--out", dir.resolve("logits").toString());
        assertTrue(Metrics.read(dir.resolve("logits")).get(9, "val_accuracy") >= 0.95);
        assertEquals(List.of(0, 1), predictedClasses(ok("predict", "--model", dir.resolve("logits").toString(), "--csv", x.toString()).out()));
    }

    @Test
    void bceOnOutputsThatAreNotProbabilitiesIsAUserError() throws IOException {
        Path csv = SyntheticData.blobsCsv(dir.resolve("two.csv"), 20, 3, 2, 11);
        Cli.run("train", "--data", csv.toString(), "--layers", "", "--loss", "bce", "--output-activation", "none",
                "--epochs", "1", "--out", dir.resolve("run").toString()).assertUserError("--loss bce", "sigmoid", "bce-logits");
    }

    /**
     * bce-logits applies the sigmoid itself: a network that ends with one gave every sample a probability above 0.5,
     * and its eval and predict said class 1 for all of them, whatever it had learned (trained without a word). Now
     * refused, for the MLP's --output-activation and a model file's last layer alike.
     */
    @Test
    void bceLogitsOnANetworkEndingWithASigmoidIsAUserError() throws IOException {
        Path csv = SyntheticData.blobsCsv(dir.resolve("two.csv"), 20, 3, 2, 11);
        Cli.run("train", "--data", csv.toString(), "--layers", "", "--loss", "bce-logits", "--output-activation", "sigmoid",
                "--epochs", "1", "--out", dir.resolve("run").toString())
                .assertUserError("--output-activation sigmoid", "--loss bce-logits applies the sigmoid itself", "class 0 is never predicted", "--loss bce");
        Path net = Files.writeString(dir.resolve("net.json"), "{\"layers\": [{\"type\": \"linear\", \"out_features\": 1}, {\"type\": \"sigmoid\"}]}");
        Cli.run("train", "--data", csv.toString(), "--model", net.toString(), "--loss", "bce-logits", "--epochs", "1",
                "--out", dir.resolve("run").toString()).assertUserError("net.json", "layers[1]", "applies the sigmoid itself");
        assertFalse(Files.exists(dir.resolve("run")));
    }

    /**
     * Cross-entropy applies the softmax itself: a network that ends with one trains (its most likely class is right),
     * but slowly and with a loss that cannot go below -ln(e/(e+K-1)); jgrad train says so. It said nothing.
     */
    @Test
    void crossEntropyOnANetworkEndingWithASoftmaxIsNoted() throws IOException {
        Path csv = SyntheticData.blobsCsv(dir.resolve("three.csv"), 30, 3, 3, 11);
        Cli twice = ok("train", "--data", csv.toString(), "--layers", "4", "--output-activation", "softmax", "--epochs", "1",
                "--threads", "1", "--no-report", "--out", dir.resolve("twice").toString());
        assertTrue(twice.err().lines().anyMatch(l -> l.startsWith("note: --loss cross-entropy applies the softmax itself")
                && l.contains("leave out --output-activation softmax")), twice.err());
        Cli once = ok("train", "--data", csv.toString(), "--layers", "4", "--epochs", "1", "--threads", "1", "--no-report",
                "--out", dir.resolve("once").toString());
        assertFalse(once.err().contains("applies the softmax itself"), once.err());
    }

    /**
     * A run that diverges after some epochs writes its report: the exploding loss is what its reader must see. It
     * ended with the error line and metrics.csv alone, no report.html or charts (found by the session's exploratory
     * test of the report). The charts of predictions come from the last checkpoint's weights, the model's being NaN.
     */
    @Test
    void aDivergedRunWritesTheReportOfItsEpochs() throws IOException {
        Path csv = SyntheticData.linearCsv(dir.resolve("lin.csv"), 200, 3);
        Path out = dir.resolve("diverged");
        Cli r = Cli.run("train", "--data", csv.toString(), "--loss", "mse", "--optimizer", "sgd", "--lr", "1.5", "--layers",
                "16", "--epochs", "8", "--batch-size", "16", "--threads", "1", "--out", out.toString());
        r.assertUserError("training diverged at epoch ");
        Matcher m = Pattern.compile("training diverged at epoch (\\d+), step (\\d+)").matcher(r.err());
        assertTrue(m.find(), r.err());
        int finished = Integer.parseInt(m.group(1)) - 1;
        assertTrue(finished >= 2, "the data and --lr should diverge after an epoch or more: " + r.err());
        assertEquals(finished, Metrics.read(out).rows().size());
        assertTrue(r.out().contains("wrote " + out + "/ (report.html, loss.png"), r.out());
        assertTrue(r.out().contains("for the " + finished + " epochs before the divergence"), r.out());
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains(finished + " of 8 (diverged at epoch " + m.group(1) + ", step " + m.group(2)), html);
        for (String png : List.of("loss.png", "grad_norms.png", "predictions.png")) {
            assertTrue(Files.size(out.resolve(png)) > 0, png);
        }
        Cli quiet = Cli.run("train", "--data", csv.toString(), "--loss", "mse", "--optimizer", "sgd", "--lr", "1.5", "--layers",
                "16", "--epochs", "8", "--batch-size", "16", "--threads", "1", "--no-report", "--out", dir.resolve("quiet").toString());
        quiet.assertUserError("training diverged at epoch ");
        assertFalse(Files.exists(dir.resolve("quiet").resolve("report.html")), "--no-report");
    }

    /** config.json's "state" object in run directory {@code run}. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> state(Path run) throws IOException {
        return (Map<String, Object>) ((Map<String, Object>) Json.read(run.resolve("config.json"))).get("state");
    }

    /**
     * A diverged run's directory records where it diverged (config.json's state.diverged), so that a later 'jgrad report
     * DIR' and 'jgrad inspect DIR' say so without being told: the report said "interrupted, or diverged (the run directory
     * does not record which)". --resume goes on from the last checkpoint, with a note saying where the run diverged, and
     * with the same settings diverges at the same step again, still recorded. A new run that diverges before its first
     * checkpoint, in a directory that holds an earlier run, leaves that run unmarked: it is not the run that diverged.
     */
    @Test
    void aDivergedRunsDirectoryRecordsWhereItDiverged() throws IOException {
        Path csv = SyntheticData.linearCsv(dir.resolve("lin.csv"), 200, 3);
        Path out = dir.resolve("diverged");
        Cli r = Cli.run("train", "--data", csv.toString(), "--loss", "mse", "--optimizer", "sgd", "--lr", "1.5", "--layers",
                "16", "--epochs", "8", "--batch-size", "16", "--threads", "1", "--no-report", "--out", out.toString());
        r.assertUserError("training diverged at epoch ");
        Matcher m = Pattern.compile("training diverged at epoch (\\d+), step (\\d+): ([^;]+);").matcher(r.err());
        assertTrue(m.find(), r.err());
        int finished = Integer.parseInt(m.group(1)) - 1;
        assertTrue(finished >= 1, "the data and --lr should diverge after an epoch or more: " + r.err());
        String where = "epoch " + m.group(1) + ", step " + m.group(2) + ": " + m.group(3);
        Map<String, Object> recorded = Map.of("epoch", Long.parseLong(m.group(1)), "step", Long.parseLong(m.group(2)),
                "what", m.group(3));
        assertEquals(recorded, state(out).get("diverged"));
        assertEquals((long) finished, state(out).get("epochs_completed"), "the checkpoint before the divergence");

        Cli report = ok("report", out.toString());
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains(finished + " of 8 (diverged at " + where + "; the charts of predictions use the weights of"
                + " the last checkpoint)"), html);
        assertFalse(report.err().contains("interrupted"), report.err());
        String inspect = ok("inspect", out.toString()).out();
        assertTrue(inspect.contains("\ndiverged    at " + where + "; the weights are those of the checkpoint before it,"
                + " after epoch " + finished + " of 8\n"), inspect);

        Cli again = Cli.run("train", "--resume", out.toString(), "--threads", "1");
        again.assertUserError("training diverged at " + where + ";");
        assertTrue(again.err().contains("note: " + out + " diverged at " + where + " when it was last trained; --resume goes"
                + " on from its checkpoint after epoch " + finished + " of 8, and with the run's own settings will most likely"
                + " diverge there again"), again.err());
        assertEquals(recorded, state(out).get("diverged"));

        Path earlier = Cli.train(dir.resolve("earlier"), "--data", csv.toString(), "--loss", "mse", "--layers", "16",
                "--epochs", "1", "--no-report");
        Cli.run("train", "--data", csv.toString(), "--loss", "mse", "--optimizer", "sgd", "--lr", "1e9", "--layers", "16",
                "--epochs", "1", "--threads", "1", "--no-report", "--out", earlier.toString())
                .assertUserError("training diverged at epoch 1, ");
        assertFalse(state(earlier).containsKey("diverged"), "the earlier run in the directory did not diverge");
    }

    /**
     * A diverged run that is resumed and completes an epoch is no longer marked: the checkpoint writes config.json
     * without state.diverged, and the report says why it stopped as for any run. The mark is written here as a run that
     * diverged in epoch 2 leaves it (with a sane --lr the resumed run trains on; with the run's own settings it would
     * diverge again at the same step).
     */
    @Test
    void aResumedRunThatTrainsOnIsNoLongerMarkedDiverged() throws IOException {
        Path csv = SyntheticData.linearCsv(dir.resolve("lin.csv"), 100, 3);
        Path run = Cli.train(dir.resolve("run"), "--data", csv.toString(), "--loss", "mse", "--layers", "8", "--epochs", "1",
                "--no-report");
        new io.jgrad.train.Divergence(2, 3, "the loss is NaN").recordIn(run.resolve("config.json"));
        assertTrue(ok("inspect", run.toString()).out().contains("\ndiverged    at epoch 2, step 3: the loss is NaN;"));
        Cli resumed = ok("train", "--resume", run.toString(), "--epochs", "2", "--threads", "1");
        assertTrue(resumed.err().contains("note: " + run + " diverged at epoch 2, step 3: the loss is NaN when it was last"
                + " trained"), resumed.err());
        assertFalse(state(run).containsKey("diverged"), "marked diverged after an epoch trained well");
        assertEquals(2L, state(run).get("epochs_completed"));
        assertFalse(ok("inspect", run.toString()).out().contains("diverged"));
        ok("report", run.toString());
        String html = Files.readString(run.resolve("report.html"));
        assertTrue(html.contains("2 of 2 (completed 2 epochs)") && !html.contains("diverged"), html);
    }

    /** A state.diverged edited by hand is named by its field, as the other fields of config.json are. */
    @Test
    void aMalformedDivergenceRecordIsNamedByItsField() throws IOException {
        Path csv = SyntheticData.linearCsv(dir.resolve("lin.csv"), 100, 3);
        Path run = Cli.train(dir.resolve("run"), "--data", csv.toString(), "--loss", "mse", "--layers", "8", "--epochs", "1",
                "--no-report");
        Path config = run.resolve("config.json");
        new io.jgrad.train.Divergence(2, 3, "the loss is NaN").recordIn(config);
        String marked = Files.readString(config);
        Map<String, List<String>> edits = Map.of(
                "\"step\": 0", List.of(config + ": state.diverged.step", "positive integer"),
                "\"epoch\": 5", List.of(config + ": state.diverged.epoch", "epochs_completed is 1", "expected the epoch after it, 2"),
                "\"what\": 7", List.of(config + ": state.diverged.what", "expected a string"),
                // jgrad's own words are one line: inspect, report and --resume printed this one on two
                "\"what\": \"the loss\\nis NaN\"", List.of(config + ": state.diverged.what", "a line break",
                        "expected one line"));
        for (var e : edits.entrySet()) {
            String field = e.getKey().substring(0, e.getKey().indexOf(':'));
            String edited = marked.replaceFirst(field + ": [^,\\n]+", Matcher.quoteReplacement(e.getKey()));
            assertNotEquals(marked, edited, e.getKey());
            Files.writeString(config, edited);
            Cli.run("inspect", run.toString()).assertUserError(e.getValue().toArray(String[]::new));
            Cli.run("report", run.toString()).assertUserError(e.getValue().toArray(String[]::new));
            Cli.run("train", "--resume", run.toString(), "--epochs", "2").assertUserError(e.getValue().toArray(String[]::new));
        }
    }

    /**
     * A run that diverges after a mid-epoch checkpoint (--checkpoint-every) records a step after the checkpoint's: the
     * divergence came in a step the checkpoint does not hold. A record at or before the checkpoint's step contradicts
     * it and is refused naming state.diverged.step, as a record of another epoch is; inspect said "diverged at epoch 2,
     * step 1: ...; the weights are those of the checkpoint before it, at step 1 of epoch 2".
     */
    @Test
    @SuppressWarnings("unchecked")
    void aDivergenceRecordedAtOrBeforeItsMidEpochCheckpointIsRefused() throws IOException {
        Path csv = SyntheticData.linearCsv(dir.resolve("lin.csv"), 200, 3);
        Path out = dir.resolve("diverged");
        Cli.run("train", "--data", csv.toString(), "--loss", "mse", "--optimizer", "sgd", "--lr", "1.5", "--layers", "16",
                "--epochs", "8", "--batch-size", "16", "--checkpoint-every", "1", "--threads", "1", "--no-report", "--out",
                out.toString()).assertUserError("training diverged at epoch ");
        Map<String, Object> top = (Map<String, Object>) Json.read(out.resolve("config.json"));
        Map<String, Object> s = (Map<String, Object>) top.get("state");
        long checkpointStep = (Long) ((Map<String, Object>) s.get("epoch_in_progress")).get("step");
        Map<String, Object> d = (Map<String, Object>) s.get("diverged");
        assertEquals(checkpointStep + 1, d.get("step"), "the step after the checkpoint's");
        ok("inspect", out.toString());
        for (long step = checkpointStep; step > 0; step--) { // the checkpoint's step, and any before it
            d.put("step", step);
            Files.writeString(out.resolve("config.json"), Json.write(top));
            for (String command : List.of("inspect", "report")) {
                Cli.run(command, out.toString()).assertUserError(out.resolve("config.json") + ": state.diverged.step",
                        "is " + step + ", but the checkpoint is at step " + checkpointStep + " of epoch " + d.get("epoch")
                                + " (state.epoch_in_progress.step); expected a later step");
            }
        }
    }

    /**
     * Class labels that are all 0 are one class, and a classifier of one class has nothing to learn: cross-entropy over
     * one output is 0 whatever the weights, and the run ended "completed 1 epoch" without a word. Refused, as
     * scikit-learn refuses to fit a classifier to one class.
     */
    @Test
    void labelsOfOneClassAreRefused() throws IOException {
        Path zeros = Files.writeString(dir.resolve("zeros.csv"), "a,b,label\n1,2,0\n3,4,0\n5,6,0\n");
        for (String loss : List.of("cross-entropy", "bce", "bce-logits")) {
            Cli r = Cli.run("train", "--data", zeros.toString(), "--loss", loss, "--layers", "4", "--epochs", "1",
                    "--threads", "1", "--no-report", "--out", dir.resolve("one-" + loss).toString());
            r.assertUserError("--data " + zeros + ": every label in column 'label' is 0, so the data has one class and a"
                    + " classifier has nothing to learn (--loss " + loss + " is ");
            assertFalse(Files.exists(dir.resolve("one-" + loss)), "nothing written");
        }
        Path two = Files.writeString(dir.resolve("two.csv"), "a,b,label\n1,2,0\n3,4,1\n5,6,0\n");
        ok("train", "--data", two.toString(), "--layers", "4", "--epochs", "1", "--threads", "1", "--no-report", "--out",
                dir.resolve("two").toString());
    }

    /**
     * Class labels are counted from 0 to the largest: a target column of ids or counts (0, 7, 50) made a network of 51
     * outputs without a word; jgrad train now notes how many of them no sample has. Labels 0..K-1 get no note.
     */
    @Test
    void labelsThatLeaveMostClassesEmptyAreNoted() throws IOException {
        Path ids = Files.writeString(dir.resolve("ids.csv"), "a,b,id\n1,2,0\n3,4,7\n5,6,50\n7,8,7\n");
        Cli sparse = ok("train", "--data", ids.toString(), "--layers", "", "--epochs", "1", "--threads", "1", "--no-report",
                "--out", dir.resolve("ids").toString());
        assertTrue(sparse.err().lines().anyMatch(l -> l.equals("note: " + ids + ": the targets take 3 different values, but class"
                + " labels are counted from 0 up to the largest, 50, so the network gets 51 outputs, 48 of them for classes no"
                + " sample has; class labels must be 0..K-1 (for a numeric target use --loss mse)")), sparse.err());
        Path csv = SyntheticData.blobsCsv(dir.resolve("three.csv"), 30, 3, 3, 11);
        Cli dense = ok("train", "--data", csv.toString(), "--layers", "", "--epochs", "1", "--threads", "1", "--no-report",
                "--out", dir.resolve("three").toString());
        assertFalse(dense.err().contains("classes no sample has"), dense.err());
    }

    /**
     * A softmax over a network's one output is always 1: with --loss mse it trained a constant without a word, and
     * with bce the error said that a softmax "does not give values in [0, 1]", which it does.
     */
    @Test
    void aSoftmaxOverOneOutputIsAUserError() throws IOException {
        Path csv = SyntheticData.blobsCsv(dir.resolve("two.csv"), 20, 3, 2, 11);
        Cli.run("train", "--data", csv.toString(), "--layers", "", "--loss", "mse", "--output-activation", "softmax",
                "--epochs", "1", "--out", dir.resolve("run").toString())
                .assertUserError("--output-activation softmax", "one output is always 1", "learn nothing");
        Path net = Files.writeString(dir.resolve("net.json"), "{\"layers\": [{\"type\": \"linear\", \"out_features\": 1}, {\"type\": \"softmax\"}]}");
        Cli.run("train", "--data", csv.toString(), "--model", net.toString(), "--loss", "mse", "--epochs", "1",
                "--out", dir.resolve("run").toString()).assertUserError("net.json", "layers[1]", "one output is always 1");
        Cli.run("train", "--data", csv.toString(), "--model", net.toString(), "--loss", "bce", "--epochs", "1",
                "--out", dir.resolve("run").toString()).assertUserError("net.json", "layers[1]", "--loss bce needs probabilities",
                "ends with softmax, which gives values that sum to 1 over the outputs");
        Cli bce = Cli.run("train", "--data", csv.toString(), "--layers", "", "--loss", "bce", "--output-activation", "softmax",
                "--epochs", "1", "--out", dir.resolve("run").toString());
        bce.assertUserError("--loss bce needs probabilities", "sum to 1 over the outputs", "--output-activation sigmoid");
        assertFalse(bce.err().contains("does not give values in [0, 1]"), bce.err());
        assertFalse(Files.exists(dir.resolve("run")));
    }

    @Test
    void aDeepSigmoidNetworkIsToldItsGradientsVanish(@TempDir Path dir) throws IOException {
        Path csv = SyntheticData.blobsCsv(dir.resolve("blobs.csv"), 60, 4, 3, 7);
        Cli deep = Cli.ok("train", "--data", csv.toString(), "--layers", "8,8,8,8,8,8,8,8,8,8", "--activation", "sigmoid",
                "--optimizer", "sgd", "--lr", "0.1", "--epochs", "1", "--threads", "1", "--no-report", "--out",
                dir.resolve("deep").toString());
        String note = deep.err().lines().filter(l -> l.startsWith("note: vanishing gradients")).findFirst().orElse(null);
        assertNotNull(note, deep.err());
        // the figures are the ones metrics.csv holds for the first and the last weight
        Metrics m = Metrics.read(dir.resolve("deep"));
        double first = m.get(0, "grad_norm:0.weight"), last = m.get(0, "grad_norm:20.weight");
        assertTrue(Math.log10(last / first) >= 2, first + " " + last);
        assertTrue(note.contains(String.format("(0.weight, %.3g)", first)) && note.contains(String.format("(20.weight, %.3g)", last))
                && note.contains(String.format("%.1f decades", Math.log10(last / first))), note);
        Cli shallow = Cli.ok("train", "--data", csv.toString(), "--layers", "8", "--epochs", "1", "--threads", "1",
                "--no-report", "--out", dir.resolve("shallow").toString());
        assertFalse(shallow.err().contains("vanishing"), shallow.err());
    }

    /** An output stream that keeps each write it is given apart, as the system calls of a file descriptor. */
    private static final class Writes extends java.io.OutputStream {
        final List<String> chunks = new ArrayList<>();

        @Override
        public void write(int b) {
            chunks.add(String.valueOf((char) b));
        }

        @Override
        public void write(byte[] b, int off, int len) {
            chunks.add(new String(b, off, len, java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    @Test
    void everyConsoleLineOfTrainIsWrittenWhole(@TempDir Path dir) throws IOException {
        // ./jgrad sends standard error through a filter process, so where both streams go to one file ('> log 2>&1') a
        // line written in pieces could be cut by a line of the other stream: "testcompleted 4 epochs\n loss 2.3597 ...".
        // System.out and System.err write each piece of a printf at once (autoflush), as these streams do.
        Path csv = SyntheticData.blobsCsv(dir.resolve("blobs.csv"), 60, 4, 3, 7);
        Writes out = new Writes(), err = new Writes();
        java.io.PrintStream oldOut = System.out, oldErr = System.err;
        int code;
        synchronized (Cli.class) { // Cli.run swaps the same streams
            try {
                System.setOut(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
                System.setErr(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
                // a deep sigmoid network, for the vanishing-gradient note too
                code = Main.execute("train", "--data", csv.toString(), "--val-split", "0.2", "--layers", "8,8,8,8,8,8,8,8,8,8",
                        "--activation", "sigmoid", "--optimizer", "sgd", "--lr", "0.1", "--epochs", "2", "--threads", "1",
                        "--grad-norms", "--no-report", "--out", dir.resolve("run").toString());
            } finally {
                System.setOut(oldOut);
                System.setErr(oldErr);
            }
        }
        assertEquals(0, code, String.join("", err.chunks));
        assertTrue(String.join("", err.chunks).contains("note: vanishing gradients"), String.join("", err.chunks));
        for (Writes stream : List.of(out, err)) {
            assertTrue(stream.chunks.size() >= 2, stream.chunks.toString());
            for (String chunk : stream.chunks) {
                assertTrue(chunk.endsWith("\n") && chunk.indexOf('\n') == chunk.length() - 1,
                        () -> "written in pieces: '" + chunk + "' of " + stream.chunks);
            }
        }
    }

    @Test
    void gradNormsPrintsEachWeightsNormAfterEachEpoch(@TempDir Path dir) throws IOException {
        Path csv = SyntheticData.blobsCsv(dir.resolve("blobs.csv"), 60, 4, 3, 7);
        Cli r = Cli.ok("train", "--data", csv.toString(), "--layers", "8,8", "--epochs", "2", "--threads", "1", "--no-report",
                "--grad-norms", "--out", dir.resolve("run").toString());
        List<String> lines = r.err().lines().filter(l -> l.startsWith("  gradient norms: ")).toList();
        assertEquals(2, lines.size(), r.err());
        Metrics m = Metrics.read(dir.resolve("run"));
        for (int epoch = 0; epoch < 2; epoch++) {
            // the weights in layer order, biases left out, each as metrics.csv records it
            String expect = "  gradient norms: " + String.format("0.weight %.3g, 2.weight %.3g, 4.weight %.3g",
                    m.get(epoch, "grad_norm:0.weight"), m.get(epoch, "grad_norm:2.weight"), m.get(epoch, "grad_norm:4.weight"));
            assertEquals(expect, lines.get(epoch));
        }
        assertFalse(Cli.ok("train", "--data", csv.toString(), "--layers", "8", "--epochs", "1", "--threads", "1", "--no-report",
                "--out", dir.resolve("quiet").toString()).err().contains("gradient norms"));
    }
}
