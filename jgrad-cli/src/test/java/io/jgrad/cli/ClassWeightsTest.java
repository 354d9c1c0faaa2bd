package io.jgrad.cli;

import static org.junit.jupiter.api.Assertions.*;

import io.jgrad.io.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** jgrad train --class-weights: cross-entropy's weight per class, recorded, used by eval and --resume, and checked. */
class ClassWeightsTest {
    @TempDir
    Path dir;

    /** 30 rows of class 0 and 10 of class 1 (overlapping), 6 of class 2: rare classes, as the flag is for. */
    private Path imbalanced() throws IOException {
        StringBuilder sb = new StringBuilder("x,y,label\n");
        for (int i = 0; i < 46; i++) {
            int c = i < 30 ? 0 : i < 40 ? 1 : 2;
            double jitter = ((i * 37) % 11 - 5) / 5.0;
            sb.append(c + jitter).append(',').append(c * 0.5 - jitter).append(',').append(c).append('\n');
        }
        return Files.writeString(dir.resolve("imbalanced.csv"), sb.toString());
    }

    private static Map<?, ?> training(Path run) throws IOException {
        return (Map<?, ?>) ((Map<?, ?>) Json.read(run.resolve("config.json"))).get("training");
    }

    /** The number on the line of {@code out} that starts with {@code prefix}, after it. */
    private static double number(String out, String prefix, String after) {
        String line = out.lines().filter(l -> l.startsWith(prefix)).findFirst().orElseThrow(() -> new AssertionError(out));
        String rest = line.substring(line.indexOf(after) + after.length()).trim();
        return Double.parseDouble(rest.split("[ ,]")[0]);
    }

    @Test
    void balancedWeightsAreRecordedAndEvalUsesTheWeightedLoss() throws IOException {
        Path csv = imbalanced();
        Path weighted = dir.resolve("weighted"), plain = dir.resolve("plain");
        Cli train = Cli.run("train", "--threads", "1", "--out", weighted.toString(), "--data", csv.toString(), "--val-data",
                csv.toString(), "--layers", "", "--epochs", "3", "--class-weights", "balanced", "--no-report");
        assertEquals(0, train.exitCode(), train.err());
        // n / (K n_c) = 46 / (3 * 30), 46 / (3 * 10), 46 / (3 * 6)
        assertEquals(List.of(46.0 / 90, 46.0 / 30, 46.0 / 18), training(weighted).get("class_weights"));
        Cli.train(plain, "--data", csv.toString(), "--val-data", csv.toString(), "--layers", "", "--epochs", "3", "--no-report");
        assertNull(training(plain).get("class_weights"), "written only when given");

        Cli eval = Cli.ok("eval", "--model", weighted.toString());
        assertTrue(eval.out().contains("(cross-entropy, class weights 0.5111, 1.533, 2.556)"), eval.out());
        // eval scores the run's own objective: the weighted validation loss training ended with
        double trained = number(train.out(), "validation loss", "validation loss");
        assertEquals(trained, number(eval.out(), "loss", "loss"), 1e-4);
        assertNotEquals(trained, number(Cli.ok("eval", "--model", plain.toString()).out(), "loss", "loss"), 1e-3);

        Cli.run("train", "--resume", weighted.toString(), "--epochs", "4", "--class-weights", "1,1,1")
                .assertUserError("--class-weights is fixed by the run", "[0.5111");
        Cli.ok("train", "--resume", weighted.toString(), "--epochs", "4", "--threads", "1");
        assertEquals(List.of(46.0 / 90, 46.0 / 30, 46.0 / 18), training(weighted).get("class_weights"), "kept by --resume");
    }

    @Test
    void givenWeightsAreChecked() throws IOException {
        Path csv = imbalanced();
        Path run = Cli.train(dir.resolve("run"), "--data", csv.toString(), "--layers", "", "--epochs", "1", "--no-report",
                "--class-weights", "1, 3,0");
        assertEquals(List.of(1.0, 3.0, 0.0), training(run).get("class_weights"));
        String out = dir.resolve("x").toString();
        Cli.run("train", "--out", out, "--data", csv.toString(), "--class-weights", "1,2").assertUserError(
                "--class-weights 1,2: 2 weights for the 3 classes; expected one per class");
        Cli.run("train", "--out", out, "--data", csv.toString(), "--class-weights", "1,x,1")
                .assertUserError("--class-weights 1,x,1: weight 1 is the string \"x\"; expected a finite number >= 0");
        Cli.run("train", "--out", out, "--data", csv.toString(), "--class-weights", "1,-1,1")
                .assertUserError("--class-weights 1,-1,1: weight 1 is -1.0; expected a finite number >= 0");
        Cli.run("train", "--out", out, "--data", csv.toString(), "--class-weights", "0,0,0")
                .assertUserError("every weight is 0");
        // refused before any data is read: the data path does not exist
        Cli.run("train", "--out", out, "--data", dir.resolve("missing.csv").toString(), "--loss", "mse", "--class-weights",
                "balanced").assertUserError("--class-weights balanced: weighs the classes of the loss cross-entropy, not of mse");
        Path gap = Files.writeString(dir.resolve("gap.csv"), "x,label\n0,0\n1,2\n0.5,0\n");
        Cli.run("train", "--out", out, "--data", gap.toString(), "--class-weights", "balanced")
                .assertUserError("--class-weights balanced: class 1 has no training sample", "e.g. 1,1,1");
        assertFalse(Files.exists(Path.of(out)), "nothing written");
    }

    /**
     * A class of weight 0 in a batch of its samples only: the weighted mean is 0 / 0 there, which was NaN and stopped
     * the run as "diverged" at its first such batch. In file order with batches of 2, rows 0..29 (class 0) make 15.
     */
    @Test
    void aBatchOfZeroWeightedSamplesOnlyAddsNothing() throws IOException {
        Path csv = imbalanced();
        Path run = dir.resolve("run");
        Cli train = Cli.run("train", "--threads", "1", "--out", run.toString(), "--data", csv.toString(), "--val-data",
                csv.toString(), "--layers", "", "--epochs", "2", "--batch-size", "2", "--no-shuffle", "--class-weights",
                "0,1,1", "--no-report");
        assertEquals(0, train.exitCode(), train.err());
        double loss = number(train.out(), "validation loss", "validation loss");
        assertTrue(Double.isFinite(loss) && loss > 0, train.out());
        // eval's batches of 256 hold every row, so its loss is the whole file's weighted mean: finite as training's
        assertEquals(loss, number(Cli.ok("eval", "--model", run.toString()).out(), "loss", "loss"), 1e-4);
    }

    /** The weighted loss itself: 0 with a zero gradient for a batch of zero-weighted samples, else PyTorch's mean. */
    @Test
    void weightedLossOfABatchThatHasNoWeight() {
        io.jgrad.nn.Loss loss = Objective.of("cross-entropy", 3, new double[] {0, 1, 2}).loss();
        io.jgrad.tensor.Tensor x = io.jgrad.tensor.Tensor.of(new double[] {1, 2, 3, -1, 0, 4}, 2, 3).requiresGrad(true);
        io.jgrad.tensor.Tensor zero = loss.forward(x, io.jgrad.tensor.Tensor.of(new double[] {0, 0}, 2));
        assertEquals(0, zero.item());
        zero.backward();
        assertArrayEquals(new double[6], x.grad().toDoubleArray());
        // targets 0 and 2: (0 * l_0 + 2 * l_1) / (0 + 2) = l_1, row 1's -log softmax at class 2
        double l1 = -(4 - Math.log(Math.exp(-1) + Math.exp(0) + Math.exp(4)));
        assertEquals(l1, loss.forward(x, io.jgrad.tensor.Tensor.of(new double[] {0, 2}, 2)).item(), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> loss.forward(x, io.jgrad.tensor.Tensor.of(new double[] {0, 3}, 2)));
    }

    /**
     * A file of class names is numbered in the names' sorted order, not the file's: a wrong count says that order,
     * which the weights follow (the note that says it came only once training started).
     */
    @Test
    void weightsForClassNamesAreAskedInTheNamesOrder() throws IOException {
        Path csv = Files.writeString(dir.resolve("names.csv"), "x,label\n0,virginica\n1,setosa\n2,setosa\n3,virginica\n");
        Cli.run("train", "--out", dir.resolve("x").toString(), "--data", csv.toString(), "--class-weights", "1,2,3")
                .assertUserError("--class-weights 1,2,3: 3 weights for the 2 classes; expected one per class, in the"
                        + " order 'setosa', 'virginica'");
        Path run = Cli.train(dir.resolve("run"), "--data", csv.toString(), "--layers", "", "--epochs", "1", "--no-report",
                "--class-weights", "1,4");
        assertEquals(List.of(1.0, 4.0), training(run).get("class_weights"));
        assertEquals(List.of("setosa", "virginica"), ((Map<?, ?>) ((Map<?, ?>) Json.read(run.resolve("config.json")))
                .get("data")).get("class_names"));
    }

    /**
     * A mid-epoch checkpoint keeps the sum of the batches' weights (the epoch loss's denominator) where it is not the
     * samples seen; without class weights config.json stays as before, and an older file reads it as the samples seen.
     */
    @Test
    void aMidEpochCheckpointKeepsTheWeightSum() throws IOException {
        Path run = Cli.train(dir.resolve("run"), "--data", imbalanced().toString(), "--layers", "", "--epochs", "1",
                "--no-report", "--class-weights", "1,2,3");
        RunConfig cfg = RunConfig.read(run);
        Map<String, Double> sums = Map.of("0.weight", 0.5, "0.bias", 0.25);
        cfg.withProgress(1, new io.jgrad.train.EpochProgress(2, 1, 3.5, 2, 4, sums, 6.5), cfg.shuffleState(),
                cfg.modelState()).write(run);
        assertEquals(6.5, RunConfig.read(run).progress().weightSum(), 0);
        cfg.withProgress(1, new io.jgrad.train.EpochProgress(2, 1, 3.5, 2, 4, sums), cfg.shuffleState(), cfg.modelState())
                .write(run);
        assertFalse(Files.readString(run.resolve("config.json")).contains("weight_sum"));
        assertEquals(4, RunConfig.read(run).progress().weightSum(), 0);
    }

    /** A hand-edited config.json's weights must be one per class, finite, >= 0, for cross-entropy. */
    @Test
    void recordedWeightsAreChecked() throws IOException {
        Path run = Cli.train(dir.resolve("run"), "--data", imbalanced().toString(), "--layers", "", "--epochs", "1",
                "--no-report", "--class-weights", "1,2,3");
        Path config = run.resolve("config.json");
        String good = Files.readString(config);
        String[][] cases = {
            {"\"class_weights\": [\n      1.0,", "\"class_weights\": [\n      -1.0,", "weight 0 is -1.0; expected a finite number >= 0"},
            {"\"class_weights\": [\n      1.0,", "\"class_weights\": [\n", "2 weights for the 3 classes; expected one per class"},
            {"\"loss\": \"cross-entropy\"", "\"loss\": \"bce-logits\"", "training.class_weights: weighs the classes of the"
                    + " loss cross-entropy, not of bce-logits"},
        };
        for (String[] c : cases) {
            assertTrue(good.contains(c[0]), good);
            Files.writeString(config, good.replace(c[0], c[1]));
            Cli.run("eval", "--model", run.toString()).assertUserError(config.toString(), c[2]);
        }
    }

    /**
     * One rule, one message: --class-weights and config.json's training.class_weights were checked by two copies of the
     * rule that said the same mistake in different words ("2 weights for the data's 3 classes" and "lists 2 weights,
     * but num_classes is 3"); now the flag or the file and field, then the same words.
     */
    @Test
    void theFlagAndConfigJsonRefuseTheSameMistakeInTheSameWords() throws IOException {
        Path csv = imbalanced();
        Path run = Cli.train(dir.resolve("run"), "--data", csv.toString(), "--layers", "", "--epochs", "1", "--no-report",
                "--class-weights", "1,2,3");
        Path config = run.resolve("config.json");
        String good = Files.readString(config);
        String out = dir.resolve("x").toString();
        String[][] cases = { // the flag's value, config.json's list, what both say
            {"1,2", "[1.0, 2.0]", "2 weights for the 3 classes; expected one per class"},
            {"1,-1,1", "[1.0, -1.0, 1.0]", "weight 1 is -1.0; expected a finite number >= 0"},
            {"1,x,1", "[1.0, \"x\", 1.0]", "weight 1 is the string \"x\"; expected a finite number >= 0"},
            {"0,0,0", "[0.0, 0.0, 0.0]", "every weight is 0, so no sample would count; expected one above 0"},
        };
        for (String[] c : cases) {
            assertEquals("jgrad train: --class-weights " + c[0] + ": " + c[2],
                    errorLine(Cli.run("train", "--out", out, "--data", csv.toString(), "--class-weights", c[0])));
            Files.writeString(config, good.replaceFirst("\"class_weights\": \\[[^\\]]*\\]",
                    java.util.regex.Matcher.quoteReplacement("\"class_weights\": " + c[1])));
            assertEquals("jgrad eval: " + config + ": training.class_weights: " + c[2],
                    errorLine(Cli.run("eval", "--model", run.toString())));
        }
        String loss = "weighs the classes of the loss cross-entropy, not of bce-logits; leave the weights out, or use"
                + " cross-entropy";
        assertEquals("jgrad train: --class-weights 1,2,3: " + loss, errorLine(Cli.run("train", "--out", out, "--data",
                dir.resolve("missing.csv").toString(), "--loss", "bce-logits", "--class-weights", "1,2,3")));
        Files.writeString(config, good.replace("\"loss\": \"cross-entropy\"", "\"loss\": \"bce-logits\""));
        assertEquals("jgrad eval: " + config + ": training.class_weights: " + loss,
                errorLine(Cli.run("eval", "--model", run.toString())));
        assertFalse(Files.exists(Path.of(out)), "nothing written");
    }

    /** The error line of a run refused as a user's mistake (exit 2, no stack trace). */
    private static String errorLine(Cli c) {
        c.assertUserError();
        return c.err().lines().filter(l -> !l.isBlank() && !l.startsWith("Try '")).reduce((a, b) -> b).orElseThrow();
    }
}
