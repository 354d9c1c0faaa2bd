package io.jgrad.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jgrad.io.Safetensors;
import io.jgrad.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What report.html says about a real run: short trainings on small generated data, then the page read back. */
class ReportFactsTest {
    @TempDir
    Path dir;

    /**
     * A diverged model's RMSE and loss are read by their exponent: eval printed "RMSE 1545000000000000000" and
     * "loss 2387328821260792700000000000000000000.000000".
     */
    @org.junit.jupiter.api.Test
    void hugeAndTinyFiguresAreShownWithAnExponent() {
        assertEquals("1.545e+18", Reports.significant(1.5449e18));
        assertEquals("1.234e-09", Reports.significant(1.2344e-9));
        assertEquals("1235", Reports.significant(1234.5));
        assertEquals("0.1235", Reports.significant(0.12345));
        assertEquals("0", Reports.significant(0));
        assertEquals("2.38733e+36", Reports.lossShown(2.3873288212607927e36));
        assertEquals("0.161068", Reports.lossShown(0.1610676));
    }

    private static Cli ok(String... args) {
        Cli r = Cli.run(args);
        assertEquals(0, r.exitCode(), () -> String.join(" ", args) + "\nstderr:\n" + r.err() + "\nstdout:\n" + r.out());
        return r;
    }

    /** The rows of the page's facts table, in order. */
    static Map<String, String> facts(String html) {
        int start = html.indexOf("<table class=\"facts\">");
        String table = html.substring(start, html.indexOf("</table>", start));
        Map<String, String> facts = new LinkedHashMap<>();
        Matcher m = Pattern.compile("<tr><th>(.*?)</th><td>(.*?)</td></tr>").matcher(table);
        while (m.find()) {
            facts.put(m.group(1), m.group(2));
        }
        return facts;
    }

    /** The "training" object of DIR/config.json. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> training(Path run) throws IOException {
        return (Map<String, Object>) ((Map<String, Object>) io.jgrad.io.Json.read(run.resolve("config.json"))).get("training");
    }

    private Path train(String name, String... args) {
        return Cli.train(dir.resolve(name), args);
    }

    @Test
    void heldOutDataIsCalledValidationForASplitAndTestForIdx() throws IOException {
        Path csv = SyntheticData.blobsCsv(dir.resolve("blobs.csv"), 150, 4, 3, 7);
        String html = Files.readString(train("csv", "--data", csv.toString(), "--val-split", "0.2", "--layers", "8",
                "--epochs", "2").resolve("report.html"));
        Map<String, String> facts = facts(html);
        assertTrue(facts.get("Data").contains("(120 train, 30 validation"), facts.toString());
        assertTrue(facts.containsKey("Validation loss"), facts.toString());
        assertTrue(facts.containsKey("Validation accuracy"), facts.toString());
        assertFalse(html.contains("Test loss") || html.contains("Test accuracy"), facts.toString());
        assertTrue(html.contains("The final model on the validation set."), "confusion caption");

        Path idx = dir.resolve("idx");
        SyntheticData.idxDirectory(idx, 60, 20, 8, 3, 5);
        html = Files.readString(train("idx", "--data", idx.toString(), "--layers", "8", "--epochs", "1")
                .resolve("report.html"));
        facts = facts(html);
        assertTrue(facts.get("Data").endsWith("(60 train, 20 test)"), facts.toString());
        assertTrue(facts.containsKey("Test loss") && facts.containsKey("Test accuracy"), facts.toString());
        assertTrue(html.contains("Train and test loss per epoch."), "loss caption");
    }

    @Test
    void factsListTheOptionsTheRunWasGivenAndOnlyThose() throws IOException {
        Path csv = SyntheticData.blobsCsv(dir.resolve("blobs.csv"), 150, 4, 3, 7);
        // --schedule None is none, as train reads it: the page said "Learning-rate schedule: --schedule None"
        Path first = train("first", "--data", csv.toString(), "--layers", "8", "--epochs", "1", "--schedule", "None");
        Map<String, String> plain = facts(Files.readString(first.resolve("report.html")));
        assertEquals("adam, lr 0.001, weight decay 0.0", plain.get("Optimizer"), "adam ignores --momentum");
        assertEquals("64", plain.get("Batch size"));
        // --threads 1: "1 thread" (it said "1 threads")
        assertTrue(plain.get("Training time").matches("\\d+\\.\\d s \\(this session\\), 1 thread"), plain.get("Training time"));
        for (String absent : List.of("Initial weights", "Learning-rate schedule", "Gradient clipping", "Augmentation",
                "Early stopping", "Target loss")) {
            assertFalse(plain.containsKey(absent), absent + " listed for a run without it: " + plain);
        }

        Path run = train("all", "--data", csv.toString(), "--val-data", csv.toString(), "--layers", "8", "--epochs", "2",
                "--optimizer", "sgd", "--momentum", "0.9", "--schedule", "step:1:0.5", "--patience", "4",
                "--clip-grad-norm", "2.5", "--target-loss", "0.0001", "--no-shuffle",
                "--init", first.resolve("model.safetensors").toString());
        Map<String, String> facts = facts(Files.readString(run.resolve("report.html")));
        assertTrue(facts.get("Data").endsWith("(150 train, 150 validation; --val-data " + csv + ")"), facts.get("Data"));
        assertEquals("--init " + first.resolve("model.safetensors"), facts.get("Initial weights"));
        // config.json records --init (training.init, only when given), so that inspect and a rebuilt report show it
        assertEquals(first.resolve("model.safetensors").toString(), training(run).get("init"));
        assertFalse(training(first).containsKey("init"), "a run without --init writes its config.json as before");
        assertTrue(Cli.ok("inspect", run.toString()).out().contains("\ninit        --init " + first.resolve("model.safetensors")
                + "\n"), "inspect");
        Files.delete(run.resolve("report.html"));
        Cli.ok("report", run.toString());
        assertEquals("--init " + first.resolve("model.safetensors"), facts(Files.readString(run.resolve("report.html")))
                .get("Initial weights"), "jgrad report's");
        assertEquals("sgd, lr 0.05, momentum 0.9, weight decay 0.0", facts.get("Optimizer"));
        assertEquals("--schedule step:1:0.5", facts.get("Learning-rate schedule"));
        assertEquals("--clip-grad-norm 2.5 (global L2 norm)", facts.get("Gradient clipping"));
        assertEquals("64 (--no-shuffle: same order every epoch)", facts.get("Batch size"));
        assertEquals("--patience 4: stop when the validation loss has not improved for 4 epochs", facts.get("Early stopping"));
        assertTrue(facts.get("Target loss").startsWith("--target-loss 1.0E-4: stop when"), facts.get("Target loss"));

        Path split = train("split", "--data", csv.toString(), "--val-split", "0.2", "--layers", "8", "--epochs", "1");
        assertTrue(facts(Files.readString(split.resolve("report.html"))).get("Data").endsWith("(120 train, 30 validation; --val-split 0.2)"));

        Path idx = dir.resolve("idx");
        SyntheticData.idxDirectory(idx, 40, 10, 8, 3, 5);
        String cnnHtml = Files.readString(train("cnn", "--data", idx.toString(), "--model", "cnn",
                "--epochs", "1", "--augment", "flip", "--batch-size", "20").resolve("report.html"));
        assertEquals("--augment flip", facts(cnnHtml).get("Augmentation"));
        // Two convolutions and two Linear layers; the BatchNorm scales 1.weight and 5.weight are not layers.
        assertTrue(cnnHtml.contains("the first weight tensor (layer 1, 0.weight)"), "gradient note");
        assertTrue(cnnHtml.contains("and the last (layer 4, 13.weight)"), "gradient note");
    }

    /** {@code rows} rows of y = 3 x1 - 2 x2 + 10 + noise (sd 0.5), x uniform in [-2, 2], header x1,x2,y. */
    private static Path regressionCsv(Path file, int rows, long seed) throws IOException {
        Random r = new Random(seed);
        StringBuilder sb = new StringBuilder("x1,x2,y\n");
        for (int i = 0; i < rows; i++) {
            double a = 4 * r.nextDouble() - 2, b = 4 * r.nextDouble() - 2;
            sb.append(String.format(Locale.ROOT, "%.5f,%.5f,%.5f%n", a, b, 3 * a - 2 * b + 10 + 0.5 * r.nextGaussian()));
        }
        Files.writeString(file, sb);
        return file;
    }

    /**
     * {RMSE, R²} of the linear model (one Linear layer, no hidden layer) saved in {@code run} on the rows of
     * {@code csv}, computed here in double from the saved weights, the run's feature standardization and the
     * file's text: nothing of the report's own code.
     */
    private static double[] linearModelMetrics(Path run, Path csv) throws IOException {
        Map<String, Tensor> w = Safetensors.read(run.resolve("model.safetensors")).tensors();
        float[] weight = w.get("0.weight").toFloatArray();
        double bias = w.get("0.bias").toFloatArray()[0];
        var cfg = TrainedModel.load(run).config();
        List<double[]> rows = new ArrayList<>();
        for (String line : Files.readAllLines(csv).subList(1, Files.readAllLines(csv).size())) {
            String[] c = line.split(",");
            rows.add(new double[] {Double.parseDouble(c[0]), Double.parseDouble(c[1]), Double.parseDouble(c[2])});
        }
        double mean = rows.stream().mapToDouble(r -> r[2]).average().orElseThrow();
        double res = 0, tot = 0;
        for (double[] r : rows) {
            double p = bias;
            for (int j = 0; j < 2; j++) {
                p += weight[j] * (r[j] - cfg.normalization().mean()[0]) / cfg.normalization().std()[0];
            }
            res += (p - r[2]) * (p - r[2]);
            tot += (r[2] - mean) * (r[2] - mean);
        }
        return new double[] {Math.sqrt(res / rows.size()), 1 - res / tot};
    }

    private static void assertMetric(double expected, String fact, double tolerance, String what) {
        assertNotNull(fact, what + " missing from the facts");
        double shown = Double.parseDouble(fact.split(" ")[0]);
        assertEquals(expected, shown, tolerance, what + ": " + fact);
    }

    @Test
    void regressionRunsReportRmseAndR2OfTheHeldOutPredictionsInTargetUnits() throws IOException {
        Path trainCsv = regressionCsv(dir.resolve("train.csv"), 80, 1);
        Path valCsv = regressionCsv(dir.resolve("val.csv"), 30, 2);
        // --normalize standardizes the features only: the metrics must still be in the target's units (y around 10).
        Path run = train("reg", "--data", trainCsv.toString(), "--val-data", valCsv.toString(), "--loss", "mse",
                "--layers", "", "--normalize", "--epochs", "4", "--lr", "0.05");
        Map<String, String> facts = facts(Files.readString(run.resolve("report.html")));
        double[] expected = linearModelMetrics(run, valCsv);
        assertTrue(expected[1] > -50 && expected[1] < 0.99, "a partly trained model, R² " + expected[1]); // not a trivial value
        assertMetric(expected[0], facts.get("Validation RMSE"), 1e-3 * expected[0], "Validation RMSE");
        assertMetric(expected[1], facts.get("Validation R²"), 2e-4, "Validation R²");
        assertTrue(Files.exists(run.resolve("predictions.png")), "a regression run writes predictions.png");
        String html = Files.readString(run.resolve("report.html"));
        assertTrue(html.contains("<h2>Predicted vs true</h2>") && html.contains("each row of the validation set"), "chart");

        // Without held-out data the training rows are used, and said to be.
        Path noVal = train("reg-train", "--data", trainCsv.toString(), "--loss", "half-sse", "--layers", "", "--epochs", "2",
                "--lr", "0.05", "--no-shuffle");
        facts = facts(Files.readString(noVal.resolve("report.html")));
        expected = linearModelMetrics(noVal, trainCsv);
        assertMetric(expected[0], facts.get("Training RMSE"), 1e-3 * expected[0], "Training RMSE");
        assertMetric(expected[1], facts.get("Training R²"), 2e-4, "Training R²");
        assertTrue(facts.get("Training R²").endsWith("(training rows: no held-out data)"), facts.get("Training R²"));
        assertTrue(Files.exists(noVal.resolve("predictions.png")));

        // A classification run in the same directory has none of it, and removes the stale chart.
        Path csv = SyntheticData.blobsCsv(dir.resolve("blobs.csv"), 60, 2, 3, 7);
        train("reg", "--data", csv.toString(), "--val-split", "0.2", "--layers", "4", "--epochs", "1");
        String classification = Files.readString(run.resolve("report.html"));
        assertFalse(Files.exists(run.resolve("predictions.png")), "stale predictions.png left beside a classification report");
        assertFalse(classification.contains("RMSE") || classification.contains("R²") || classification.contains("Predicted vs true"),
                "classification report with regression metrics");
    }
    /**
     * 'jgrad eval' on a regression run printed only the loss, while the report showed RMSE and R²: it prints both, as
     * the report defines them, computed here from the weights and the CSV text.
     */
    @Test
    void evalOfARegressionRunPrintsRmseAndR2AsTheReportDoes() throws IOException {
        Path trainCsv = regressionCsv(dir.resolve("eval-train.csv"), 80, 3);
        Path valCsv = regressionCsv(dir.resolve("eval-val.csv"), 30, 4);
        Path run = train("eval-reg", "--data", trainCsv.toString(), "--val-data", valCsv.toString(), "--loss", "mse",
                "--layers", "", "--normalize", "--epochs", "3", "--lr", "0.05");
        double[] expected = linearModelMetrics(run, valCsv);
        assertTrue(expected[1] > -50 && expected[1] < 0.99, "a partly trained model, R² " + expected[1]);
        Map<String, String> eval = new java.util.HashMap<>();
        for (String line : ok("eval", "--model", run.toString()).out().lines().toList()) {
            String[] kv = line.split("\\s+", 2);
            eval.put(kv[0], kv.length > 1 ? kv[1] : "");
        }
        // the held-out rows are the --val-data file's: the line said "eval-train.csv, validation split, 30 samples"
        assertTrue(eval.get("data").endsWith(", --val-data " + valCsv + ", 30 samples"), eval.toString());
        assertMetric(expected[0], eval.get("RMSE"), 1e-3 * expected[0], "eval RMSE");
        assertMetric(expected[1], eval.get("R^2"), 2e-4, "eval R^2");
        Map<String, String> facts = facts(Files.readString(run.resolve("report.html")));
        assertEquals(facts.get("Validation RMSE"), eval.get("RMSE"), "eval and the report disagree");
        assertEquals(facts.get("Validation R²"), eval.get("R^2"), "eval and the report disagree");

        // the training rows on request
        Map<String, String> train = new java.util.HashMap<>();
        for (String line : ok("eval", "--model", run.toString(), "--split", "train").out().lines().toList()) {
            String[] kv = line.split("\\s+", 2);
            train.put(kv[0], kv.length > 1 ? kv[1] : "");
        }
        expected = linearModelMetrics(run, trainCsv);
        assertMetric(expected[0], train.get("RMSE"), 1e-3 * expected[0], "eval --split train RMSE");
        assertMetric(expected[1], train.get("R^2"), 2e-4, "eval --split train R^2");
    }

    @Test
    void aHugeLossReadsTheSameInTheEpochLineTheResultAndTheReport() throws IOException {
        // targets near 3 million: the untrained network's squared error is about 1e13, which the console and the
        // report wrote with four decimals ("validation loss 9378563153920.0000"), a number to count the digits of
        StringBuilder rows = new StringBuilder("a,b,y\n");
        Random r = new Random(3);
        for (int i = 0; i < 40; i++) {
            double a = r.nextDouble(), b = r.nextDouble();
            rows.append(String.format(Locale.ROOT, "%.4f,%.4f,%.1f%n", a, b, 3e6 + 1e5 * a - 5e4 * b));
        }
        Path csv = Files.writeString(dir.resolve("big.csv"), rows);
        Path out = dir.resolve("big");
        Cli run = ok("train", "--threads", "1", "--out", out.toString(), "--data", csv.toString(), "--loss", "mse",
                "--val-split", "0.25", "--layers", "4", "--epochs", "1");
        Matcher result = Pattern.compile("^validation loss (\\d\\.\\d{3}e\\+\\d\\d) on 10 samples", Pattern.MULTILINE).matcher(run.out());
        assertTrue(result.find(), run.out());
        String loss = result.group(1);
        assertTrue(run.err().contains("  val_loss " + loss + "  lr "), "the epoch line's val_loss should read " + loss + ":\n" + run.err());
        assertEquals(loss, facts(Files.readString(out.resolve("report.html"))).get("Validation loss"));
    }
}
