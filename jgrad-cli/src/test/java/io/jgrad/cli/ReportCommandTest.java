package io.jgrad.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jgrad.io.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jgrad report RUN_DIR}: the report rebuilt from a run directory, as jgrad train writes it. */
class ReportCommandTest {
    @TempDir
    Path dir;

    /** The facts that differ between training and a rebuild: the session's, which the directory does not record. */
    private static final List<String> SESSION_FACTS = List.of("Training time", "Software", "Processor", "Report");

    /** The page without the rows of {@link #SESSION_FACTS}. */
    private static String withoutSessionFacts(String html) {
        StringBuilder out = new StringBuilder();
        for (String line : html.split("\n", -1)) {
            if (SESSION_FACTS.stream().noneMatch(f -> line.startsWith("<tr><th>" + f + "</th>"))) {
                out.append(line).append('\n');
            }
        }
        return out.toString();
    }

    /** A copy of {@code run} without its report: the files jgrad train writes before the report. */
    private Path copyWithoutReport(Path run, String name) throws IOException {
        Path copy = Files.createDirectories(dir.resolve(name));
        for (String f : List.of("config.json", "model.safetensors", "optimizer.safetensors", "metrics.csv")) {
            Files.copy(run.resolve(f), copy.resolve(f));
        }
        return copy;
    }

    private static List<String> pngs(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".png")).sorted().toList();
        }
    }

    /**
     * Runs of jgrad train with their report, rebuilt by jgrad report into a copy without it: the same page, but for the
     * session's facts, and the same charts beside it, byte for byte. A classifier with --val-split that stops early, an
     * IDX image run (misclassified images, test set), and a regression.
     */
    @Test
    void theRebuiltReportIsTheOneTrainWrote() throws IOException {
        Path blobs = SyntheticData.blobsCsv(dir.resolve("blobs.csv"), 150, 4, 3, 7);
        Path idx = dir.resolve("idx");
        SyntheticData.idxDirectory(idx, 60, 40, 8, 3, 5);
        Path linear = SyntheticData.linearCsv(dir.resolve("linear.csv"), 80, 3);
        List<Path> runs = List.of(
                Cli.train(dir.resolve("csv"), "--data", blobs.toString(), "--val-split", "0.2", "--layers", "8", "--epochs", "6",
                        // a rate too small to change a float32 weight: the validation loss stays, and patience runs out
                        "--patience", "1", "--lr", "1e-30", "--optimizer", "sgd", "--schedule", "step:1:0.5"),
                Cli.train(dir.resolve("images"), "--data", idx.toString(), "--layers", "8,8", "--epochs", "2"),
                Cli.train(dir.resolve("regression"), "--data", linear.toString(), "--loss", "mse", "--layers", "4",
                        "--epochs", "2", "--target-loss", "0.0001"));
        for (Path run : runs) {
            Path copy = copyWithoutReport(run, run.getFileName() + "-rebuilt");
            Cli r = Cli.ok("report", copy.toString());
            assertTrue(r.out().startsWith("wrote " + copy + "/ (report.html, "), r.out());
            String trained = Files.readString(run.resolve("report.html"));
            String rebuilt = Files.readString(copy.resolve("report.html"));
            assertEquals(withoutSessionFacts(trained), withoutSessionFacts(rebuilt), run.toString());
            assertTrue(rebuilt.contains("<tr><th>Report</th><td>rebuilt from the run directory by jgrad report, jgrad "), rebuilt);
            assertEquals(pngs(run), pngs(copy), run.toString());
            for (String png : pngs(run)) {
                assertArrayEquals(Files.readAllBytes(run.resolve(png)), Files.readAllBytes(copy.resolve(png)), run + "/" + png);
            }
            assertEquals(Files.readString(run.resolve("metrics.csv")), Files.readString(copy.resolve("metrics.csv")));
            assertFalse(rebuilt.contains("Left out"), rebuilt);
        }
        // what the pages show, so that the comparison above compared something
        assertTrue(Files.readString(runs.get(0).resolve("report.html")).contains("early stop after epoch"));
        assertTrue(pngs(runs.get(0)).containsAll(List.of("confusion.png", "lr.png", "grad_norms.png")), pngs(runs.get(0)).toString());
        assertTrue(pngs(runs.get(1)).contains("misclassified.png"), pngs(runs.get(1)).toString());
        assertTrue(pngs(runs.get(2)).contains("predictions.png"), pngs(runs.get(2)).toString());
        assertTrue(Files.readString(runs.get(2).resolve("report.html")).contains("without reaching the target loss 0.0001"));
    }

    /** A run trained with --no-report gets its report; the stop reason of a run cut short says it is not recorded. */
    @Test
    void aRunWithoutAReportGetsOne() throws IOException {
        Path blobs = SyntheticData.blobsCsv(dir.resolve("blobs.csv"), 90, 4, 3, 7);
        Path run = Cli.train(dir.resolve("run"), "--data", blobs.toString(), "--val-split", "0.2", "--layers", "8",
                "--epochs", "2", "--no-report");
        assertFalse(Files.exists(run.resolve("report.html")));
        Cli.ok("report", run.toString());
        String html = Files.readString(run.resolve("report.html"));
        assertEquals("2 of 2 (completed 2 epochs)", ReportFactsTest.facts(html).get("Epochs"));
        assertTrue(ReportFactsTest.facts(html).containsKey("Validation accuracy"), html);
        assertTrue(Files.exists(run.resolve("confusion.png")));

        // a run that ended after epoch 1 of 3 with no rule to stop it: interrupted or diverged
        @SuppressWarnings("unchecked")
        Map<String, Object> config = (Map<String, Object>) Json.read(run.resolve("config.json"));
        @SuppressWarnings("unchecked")
        Map<String, Object> training = (Map<String, Object>) config.get("training");
        training.put("epochs", 3L);
        Files.writeString(run.resolve("config.json"), Json.write(config) + "\n");
        Cli.ok("report", run.toString());
        assertEquals("2 of 3 (stopped after epoch 2 with no stopping rule met: interrupted (or diverged, if an older jgrad,"
                + " which did not record divergences, trained it))", ReportFactsTest.facts(Files.readString(run.resolve("report.html"))).get("Epochs"));
    }

    /**
     * The data named in config.json is gone: the report has the curves and says, in a line, which parts it leaves out
     * and why; the charts of predictions an earlier report wrote are deleted. The weights gone: the same.
     */
    @Test
    void partsThatNeedWhatTheDirectoryLacksAreLeftOutWithALine() throws IOException {
        Path idx = dir.resolve("idx");
        SyntheticData.idxDirectory(idx, 60, 40, 8, 3, 5);
        Path run = Cli.train(dir.resolve("run"), "--data", idx.toString(), "--layers", "8", "--epochs", "2", "--normalize");
        assertTrue(Files.exists(run.resolve("misclassified.png")));
        Map<String, String> trained = ReportFactsTest.facts(Files.readString(run.resolve("report.html")));
        Path moved = Files.move(idx, dir.resolve("moved"));
        Cli.ok("report", run.toString());
        String html = Files.readString(run.resolve("report.html"));
        assertTrue(html.contains("<p class=\"note\">Left out: the confusion matrix, the per-class table and the misclassified"
                + " images, which need the model&#39;s predictions on the run&#39;s data: the data could not be read ("
                + run.resolve("config.json") + ": data.path " + idx + ": no such file or directory).</p>"), html);
        assertFalse(html.contains("No confusion matrix or per-class table: no held-out data"), html);
        assertEquals(List.of("accuracy.png", "grad_norms.png", "loss.png"), pngs(run));
        assertTrue(html.contains("<h2>Loss</h2>"), html);
        // the final model's held-out loss and accuracy are metrics.csv's last epoch's: they were left out too
        Map<String, String> rebuilt = ReportFactsTest.facts(html);
        assertEquals(trained.get("Test loss") + " (metrics.csv, epoch 2)", rebuilt.get("Test loss"), html);
        assertEquals(trained.get("Test accuracy") + " (metrics.csv, epoch 2)", rebuilt.get("Test accuracy"), html);
        // config.json has the normalization: it was left out with the counts that need the data
        assertTrue(trained.get("Data").contains("(normalized: mean "), trained.toString());
        assertEquals(trained.get("Data").replace(" (60 train, 40 test)", " (not read: see below)"), rebuilt.get("Data"));

        Files.move(moved, idx);
        Files.delete(run.resolve("model.safetensors"));
        Cli.ok("report", run.toString());
        html = Files.readString(run.resolve("report.html"));
        assertTrue(html.contains("data: the weights could not be read (" + run + ": no model.safetensors for checkpoint"), html);
        assertTrue(ReportFactsTest.facts(html).get("Data").contains("(60 train, 40 test)"), html);
    }

    /**
     * A classifier trained without held-out data has no confusion matrix or per-class table whatever the directory holds:
     * with its data gone, the page said they were left out for want of the data (and the held-out loss and accuracy it
     * never had). It says that the data was not read and that nothing needed it.
     */
    @Test
    void aClassifierWithoutHeldOutDataLosesNothingWithItsData() throws IOException {
        Path csv = SyntheticData.blobsCsv(dir.resolve("blobs.csv"), 40, 3, 2, 5);
        Path run = Cli.train(dir.resolve("run"), "--data", csv.toString(), "--layers", "4", "--epochs", "1");
        String trained = Files.readString(run.resolve("report.html"));
        assertTrue(trained.contains("No confusion matrix or per-class table: no held-out data"), trained);
        Files.move(csv, dir.resolve("moved.csv"));
        Cli.ok("report", run.toString());
        String html = Files.readString(run.resolve("report.html"));
        assertFalse(html.contains("Left out"), html);
        assertTrue(html.contains("<p class=\"note\">The data could not be read (" + run.resolve("config.json") + ": data.path "
                + csv + ": no such file or directory), and nothing on this page needs it: the run has no held-out data"
                + " (--val-split, --val-data), so no confusion matrix or per-class table.</p>"), html);
        assertEquals(List.of("accuracy.png", "grad_norms.png", "loss.png"), pngs(run));
    }

    /**
     * A Spark run's directory, as jgrad-spark's RunDirectory writes it (config.json format_version 1 with its "spark"
     * section, the weights tagged by producer jgrad-spark), gets the report a single-machine run gets. The fixture is
     * the output of {@code jgrad train --spark 'local[2]' --data train.csv --val-data val.csv --layers 4 --epochs 3
     * --batch-size 16 --partitions 2 --lr 0.05 --optimizer adam} (its data beside it), whose last line said "validation
     * loss 0.6194, accuracy 60.00% on 30 samples": the rebuilt report's evaluation of the same weights says the same.
     */
    @Test
    void aSparkRunDirectoryGetsTheReportOfARun() throws IOException {
        Path fixture = Path.of("src", "test", "resources", "spark-run");
        Path run = Files.createDirectories(dir.resolve("spark-run"));
        for (String f : List.of("config.json", "model.safetensors", "optimizer.safetensors", "metrics.csv")) {
            Files.copy(fixture.resolve(f), run.resolve(f));
        }
        // the recorded paths are relative to where it was trained: from here they name nothing
        Cli.ok("report", run.toString());
        String html = Files.readString(run.resolve("report.html"));
        assertTrue(html.contains("Left out: the confusion matrix and the per-class table, which need the model&#39;s"
                + " predictions on the run&#39;s data: the data could not be read (" + run.resolve("config.json")
                + ": data.path train.csv: no such file or directory, relative to the current directory"), html);
        assertEquals(List.of("accuracy.png", "grad_norms.png", "loss.png"), pngs(run));
        // what the Spark run printed at its end, from metrics.csv: the data (Parquet, say) is not needed for these
        assertEquals("0.6194 (metrics.csv, epoch 3)", ReportFactsTest.facts(html).get("Validation loss"), html);
        assertEquals("60.00% (metrics.csv, epoch 3)", ReportFactsTest.facts(html).get("Validation accuracy"), html);

        @SuppressWarnings("unchecked")
        Map<String, Object> config = (Map<String, Object>) Json.read(run.resolve("config.json"));
        @SuppressWarnings("unchecked")
        Map<String, Object> data = (Map<String, Object>) config.get("data");
        data.put("path", fixture.resolve("train.csv").toAbsolutePath().toString());
        data.put("val_data", fixture.resolve("val.csv").toAbsolutePath().toString());
        Files.writeString(run.resolve("config.json"), Json.write(config) + "\n");
        Cli r = Cli.ok("report", run.toString());
        assertEquals("wrote " + run + "/ (report.html, loss.png, accuracy.png, grad_norms.png, confusion.png)\n", r.out());
        html = Files.readString(run.resolve("report.html"));
        Map<String, String> facts = ReportFactsTest.facts(html);
        assertEquals("2 partitions, synchronous (one optimizer step on the partitions&#39; summed gradient per batch)",
                facts.get("Spark"), facts.toString());
        assertEquals("3 of 3 (completed 3 epochs)", facts.get("Epochs"));
        assertEquals("0.6194", facts.get("Validation loss"));
        assertEquals("60.00%", facts.get("Validation accuracy"));
        assertTrue(facts.get("Data").endsWith("(90 train, 30 validation; --val-data " + fixture.resolve("val.csv").toAbsolutePath()
                + ")"), facts.toString());
        assertTrue(html.contains("<h2>Per-class precision and recall</h2>"), html);
        assertFalse(html.contains("Left out"), html);
    }

    /**
     * A metrics.csv with fewer rows than the epochs config.json records as completed (cut short, or edited) was drawn as
     * it was, without a word, and its stop reason blamed an interruption: jgrad report now says so in one line on
     * standard error, naming both files and the counts, and in a note on the page. A run that stopped before its last
     * epoch with no stopping rule met, whose rows are its completed epochs, gets a line on standard error (the page's
     * Epochs fact says it already); a run that completed, none. On the checked-in Spark run, whose data cannot be read
     * from here, the held-out figures were the last row's: with the file cut to 2 rows, epoch 2's, though the model
     * holds epoch 3's weights; they are left out.
     */
    @Test
    void aMetricsCsvShorterThanTheRunIsSaidOnStandardErrorAndOnThePage() throws IOException {
        Path blobs = SyntheticData.blobsCsv(dir.resolve("blobs.csv"), 90, 4, 3, 7);
        Path run = Cli.train(dir.resolve("run"), "--data", blobs.toString(), "--val-split", "0.2", "--layers", "8",
                "--epochs", "4", "--no-report");
        assertEquals("", Cli.ok("report", run.toString()).err());
        Path metrics = run.resolve("metrics.csv"), config = run.resolve("config.json");
        List<String> lines = Files.readAllLines(metrics);
        Files.write(metrics, lines.subList(0, 3)); // the header, epochs 1 and 2
        Cli r = Cli.ok("report", run.toString());
        assertEquals("note: " + metrics + ": 2 epochs, but " + config + " records 4 completed; the report's curves stop at"
                + " epoch 2 (the file was cut short or edited after training)\n", r.err());
        String html = Files.readString(run.resolve("report.html"));
        assertTrue(html.contains("<p class=\"note\">metrics.csv has the rows of 2 epochs, but config.json records 4 completed:"
                + " the curves and the figures taken from metrics.csv stop at epoch 2. jgrad train writes each epoch&#39;s row"
                + " with its checkpoint, so the file was cut short or edited after training.</p>"), html);
        assertEquals("2 of 4 (config.json records 4 completed, but metrics.csv has the rows of 2: see the note below)",
                ReportFactsTest.facts(html).get("Epochs"));

        // a run stopped after epoch 4 of 6 (config.json edited as the interruption would leave it)
        Files.write(metrics, lines);
        @SuppressWarnings("unchecked")
        Map<String, Object> cfg = (Map<String, Object>) Json.read(config);
        @SuppressWarnings("unchecked")
        Map<String, Object> training = (Map<String, Object>) cfg.get("training");
        training.put("epochs", 6L);
        Files.writeString(config, Json.write(cfg) + "\n");
        r = Cli.ok("report", run.toString());
        assertEquals("note: " + metrics + ": 4 epochs of the 6 that " + config + " plans; the run stopped after epoch 4 with"
                + " no stopping rule met (interrupted, or diverged under an older jgrad, which did not record it); if it was"
                + " interrupted, 'jgrad train --resume " + run + "' continues it\n", r.err());
        html = Files.readString(run.resolve("report.html"));
        assertTrue(ReportFactsTest.facts(html).get("Epochs").startsWith("4 of 6 (stopped after epoch 4 with no stopping rule"), html);
        assertFalse(html.contains("cut short"), html);

        Path fixture = Path.of("src", "test", "resources", "spark-run");
        Path spark = Files.createDirectories(dir.resolve("spark-run"));
        for (String f : List.of("config.json", "model.safetensors", "optimizer.safetensors")) {
            Files.copy(fixture.resolve(f), spark.resolve(f));
        }
        Files.write(spark.resolve("metrics.csv"), Files.readAllLines(fixture.resolve("metrics.csv")).subList(0, 3));
        r = Cli.ok("report", spark.toString());
        assertTrue(r.err().startsWith("note: " + spark.resolve("metrics.csv") + ": 2 epochs, but " + spark.resolve("config.json")
                + " records 3 completed;"), r.err());
        html = Files.readString(spark.resolve("report.html"));
        assertFalse(ReportFactsTest.facts(html).containsKey("Validation loss"), html);
        assertTrue(html.contains("Left out: the held-out loss and accuracy, the confusion matrix and the per-class table"), html);
    }

    /**
     * A metrics.csv that holds no epoch though config.json records some (only its header, or nothing), or that is not
     * one of jgrad's (a row that is not numbers, a header of other columns), is a user error naming the file, and the
     * line where there is one: the header alone drew a report of "0 of 4" epochs, and a header of other columns stopped
     * with a stack trace. The report that was there is left as it was.
     */
    @Test
    void aMetricsCsvWithoutEpochsOrNotJgradsIsAUserErrorNamingIt() throws IOException {
        Path blobs = SyntheticData.blobsCsv(dir.resolve("blobs.csv"), 60, 2, 2, 7);
        Path run = Cli.train(dir.resolve("run"), "--data", blobs.toString(), "--layers", "4", "--epochs", "2");
        Path metrics = run.resolve("metrics.csv");
        String report = Files.readString(run.resolve("report.html"));
        List<String> lines = Files.readAllLines(metrics);
        Files.write(metrics, lines.subList(0, 1));
        Cli.run("report", run.toString()).assertUserError("jgrad report: " + metrics + ": no epoch rows, only the header, but "
                + run.resolve("config.json") + " records 2 completed epochs; expected a row for each");
        Files.writeString(metrics, "");
        Cli.run("report", run.toString()).assertUserError("jgrad report: " + metrics + ": line 1: empty metrics file");
        Files.write(metrics, List.of(lines.get(0), lines.get(1), lines.get(2).replaceFirst(",", ",x")));
        Cli.run("report", run.toString()).assertUserError("jgrad report: " + metrics + ": line 3, column 'train_loss': \"x",
                "is not a number");
        Files.writeString(metrics, "step,loss\n1,0.5\n");
        Cli.run("report", run.toString()).assertUserError("jgrad report: " + metrics + ": line 1: ",
                "expected the header to begin with epoch,train_loss,");
        assertEquals(report, Files.readString(run.resolve("report.html")));
    }

    /**
     * The error cases: a path that is not a directory, a directory without config.json, an unreadable config.json, a
     * run without metrics.csv. Each names the path and what was expected, exit status 2, and no report is written.
     */
    @Test
    void whatIsNotARunDirectoryIsAUserErrorNamingThePath() throws IOException {
        Path missing = dir.resolve("missing");
        Cli.run("report", missing.toString()).assertUserError("jgrad report: " + missing + ": no such directory; expected a run"
                + " directory written by 'jgrad train'");
        Path file = Files.writeString(dir.resolve("file.txt"), "x");
        Cli.run("report", file.toString()).assertUserError(file + ": not a directory; expected a run directory");
        Path empty = Files.createDirectories(dir.resolve("empty"));
        Cli.run("report", empty.toString()).assertUserError(empty + " is not a jgrad run directory: config.json is missing");

        Path blobs = SyntheticData.blobsCsv(dir.resolve("blobs.csv"), 40, 2, 2, 7);
        Path run = Cli.trainedRun(blobs, "4", dir.resolve("run"));
        Path config = run.resolve("config.json");
        String good = Files.readString(config);
        Files.writeString(config, "{ not json");
        Cli.run("report", run.toString()).assertUserError(config.toString());
        Files.writeString(config, good.replace("\"lr\": ", "\"lr\": -"));
        Cli.run("report", run.toString()).assertUserError(config.toString(), "optimizer.lr", "expected a positive number");
        Files.writeString(config, good);
        Files.delete(run.resolve("metrics.csv"));
        Cli.run("report", run.toString()).assertUserError(run.resolve("metrics.csv") + ": no such file; expected the"
                + " per-epoch metrics");
        assertFalse(Files.exists(run.resolve("report.html")));
        List<String> left = new ArrayList<>();
        try (Stream<Path> s = Files.list(run)) {
            s.forEach(p -> left.add(p.getFileName().toString()));
        }
        assertEquals(List.of("config.json", "model.safetensors", "optimizer.safetensors"), left.stream().sorted().toList());
    }
}
