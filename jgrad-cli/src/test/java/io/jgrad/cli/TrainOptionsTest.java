package io.jgrad.cli;

import static org.junit.jupiter.api.Assertions.*;

import io.jgrad.io.Json;
import io.jgrad.io.Safetensors;
import io.jgrad.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train's --clip-grad-norm, --no-report and --restore-best, and that --resume remembers them. */
class TrainOptionsTest {
    @TempDir
    Path dir;

    private static Cli ok(String... args) {
        return Cli.ok(args);
    }

    /** Every parameter of model.safetensors, in name order, as one vector. */
    private static double[] weights(Path run) throws IOException {
        List<Double> all = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : new java.util.TreeMap<>(Safetensors.read(run.resolve("model.safetensors")).tensors()).entrySet()) {
            for (double v : e.getValue().toDoubleArray()) {
                all.add(v);
            }
        }
        return all.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static double distance(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (a[i] - b[i]) * (a[i] - b[i]);
        }
        return Math.sqrt(s);
    }

    /** One step of plain SGD on all 30 rows: the weights move by lr * (the gradient, clipped to norm MAX). */
    private Path oneStep(Path csv, String name, String lr, String... extra) {
        List<String> a = new ArrayList<>(List.of("--data", csv.toString(), "--layers", "8", "--optimizer", "sgd", "--lr", lr,
                "--batch-size", "30", "--epochs", "1", "--no-report"));
        a.addAll(List.of(extra));
        return Cli.train(dir.resolve(name), a.toArray(String[]::new));
    }

    @Test
    void clipGradNormLimitsTheStep() throws IOException {
        Path csv = SyntheticData.blobsCsv(dir.resolve("blobs.csv"), 30, 4, 3, 5);
        // a learning rate too small to change a float32 weight: the initial weights (the same seed draws them)
        double[] initial = weights(oneStep(csv, "initial", "1e-30"));
        double free = distance(initial, weights(oneStep(csv, "free", "0.5")));
        double clipped = distance(initial, weights(oneStep(csv, "clipped", "0.5", "--clip-grad-norm", "0.01")));
        assertTrue(clipped <= 0.5 * 0.01 * 1.001, "step of " + clipped + " with the gradient clipped to norm 0.01 at lr 0.5");
        assertTrue(clipped > 0.5 * 0.01 * 0.99, "the step " + clipped + " should be lr * MAX, the gradient's norm being above MAX");
        assertTrue(free > 10 * clipped, "without clipping the step is " + free);
        Map<String, Object> training = (Map<String, Object>) ((Map<String, Object>) Json.parse(
                Files.readString(dir.resolve("clipped/config.json")), dir.resolve("clipped/config.json"))).get("training");
        assertEquals(0.01, ((Number) training.get("clip_grad_norm")).doubleValue());
    }

    @Test
    void resumeKeepsTheClipping() throws IOException {
        Path csv = SyntheticData.blobsCsv(dir.resolve("blobs.csv"), 60, 4, 3, 5);
        List<String> common = List.of("--data", csv.toString(), "--layers", "8", "--optimizer", "sgd", "--lr", "0.5",
                "--batch-size", "20", "--clip-grad-norm", "0.05", "--threads", "1", "--no-report");
        Path straight = dir.resolve("straight"), first = dir.resolve("first");
        List<String> a = new ArrayList<>(List.of("train", "--epochs", "2", "--out", straight.toString()));
        a.addAll(common);
        ok(a.toArray(String[]::new));
        List<String> b = new ArrayList<>(List.of("train", "--epochs", "1", "--out", first.toString()));
        b.addAll(common);
        ok(b.toArray(String[]::new));
        ok("train", "--resume", first.toString(), "--epochs", "2", "--threads", "1");
        assertArrayEquals(Files.readAllBytes(straight.resolve("model.safetensors")), Files.readAllBytes(first.resolve("model.safetensors")),
                "the resumed run trained differently: it lost --clip-grad-norm");
    }

    @Test
    void badClipGradNormIsAUserError() throws IOException {
        Path csv = SyntheticData.blobsCsv(dir.resolve("blobs.csv"), 30, 4, 3, 5);
        for (String bad : List.of("0", "-1", "NaN", "Infinity")) {
            Cli r = Cli.run("train", "--data", csv.toString(), "--clip-grad-norm", bad, "--epochs", "1", "--out", dir.resolve("r").toString());
            r.assertUserError("jgrad train:", "--clip-grad-norm", "positive number");
        }
        Cli.run("train", "--clip-grad-norm", "x").assertUserError("jgrad train:", "--clip-grad-norm");
        assertFalse(Files.exists(dir.resolve("r")), "a bad flag must stop the run before it writes anything");
    }

    @Test
    void resumeRemembersNoReport() throws IOException {
        Path csv = SyntheticData.blobsCsv(dir.resolve("blobs.csv"), 30, 4, 3, 5);
        Path run = dir.resolve("run");
        ok("train", "--data", csv.toString(), "--layers", "4", "--epochs", "1", "--threads", "1", "--no-report", "--out", run.toString());
        Cli r = ok("train", "--resume", run.toString(), "--epochs", "2", "--threads", "1");
        assertFalse(Files.exists(run.resolve("report.html")), "--resume of a --no-report run wrote report.html");
        assertFalse(Files.exists(run.resolve("loss.png")));
        assertFalse(r.out().contains("report.html"), r.out());
        assertTrue(Files.readString(run.resolve("config.json")).contains("\"report\": false"));

        // a config.json from before the field was recorded: the report is written, as it was then
        Path config = run.resolve("config.json");
        String text = Files.readString(config);
        String old = text.replaceAll(",\\s*\"report\": false", "");
        assertNotEquals(text, old);
        Files.writeString(config, old);
        ok("train", "--resume", run.toString(), "--epochs", "3", "--threads", "1");
        assertTrue(Files.exists(run.resolve("report.html")));
    }

    @Test
    void helpNamesEveryFileARunWritesAndTheSparkOptions() throws IOException {
        Path csv = SyntheticData.blobsCsv(dir.resolve("blobs.csv"), 40, 4, 3, 5);
        Path run = dir.resolve("run");
        ok("train", "--data", csv.toString(), "--val-split", "0.25", "--layers", "4", "--epochs", "2", "--schedule", "step:1:0.5",
                "--threads", "1", "--out", run.toString());
        assertTrue(Files.exists(run.resolve("lr.png")), "a schedule's run writes lr.png, which FILES must list");
        Path regression = dir.resolve("regression");
        ok("train", "--data", SyntheticData.linearCsv(dir.resolve("linear.csv"), 40, 5).toString(), "--loss", "mse", "--layers", "4",
                "--epochs", "1", "--threads", "1", "--out", regression.toString());
        assertTrue(Files.exists(regression.resolve("predictions.png")), "a regression run writes predictions.png, which FILES must list");
        String help = Cli.run("help", "train").out();
        String files = help.substring(help.indexOf("\nFILES\n"));
        for (Path out : List.of(run, regression)) {
            try (var written = Files.list(out)) {
                for (Path f : written.toList()) {
                    assertTrue(files.contains(f.getFileName().toString()), () -> f.getFileName() + " is not in the FILES section:\n" + files);
                }
            }
        }
        for (String flag : List.of("--spark MASTER", "--partitions N", "--local-steps K", "--clip-grad-norm")) {
            assertTrue(help.contains(flag), () -> flag + " missing:\n" + help);
        }
    }

    @Test
    void aMissingDataPathFromConfigJsonIsBlamedOnConfigJson() throws IOException {
        Path csv = SyntheticData.blobsCsv(dir.resolve("blobs.csv"), 30, 4, 3, 5);
        Path run = dir.resolve("run");
        ok("train", "--data", csv.toString(), "--layers", "4", "--epochs", "1", "--threads", "1", "--no-report", "--out", run.toString());
        // as if trained with a relative --data in another directory
        Path config = run.resolve("config.json");
        Files.writeString(config, Files.readString(config).replace(csv.toString(), "elsewhere/blobs.csv"));
        Cli.run("eval", "--model", run.toString()).assertUserError("jgrad eval: ", config.toString(), "data.path elsewhere/blobs.csv",
                "relative to the current directory", "give --data");
        Cli r = Cli.run("train", "--resume", run.toString(), "--epochs", "2");
        r.assertUserError("jgrad train: ", config.toString(), "data.path elsewhere/blobs.csv");
        assertTrue(r.err().contains("give --data with its new location"), r.err()); // --resume takes --data for moved data
        Cli ev = ok("eval", "--model", run.toString(), "--data", csv.toString());
        assertTrue(ev.out().contains("the whole file, 30 samples"), ev.out());
    }

    /** The training.* fields of a run's config.json. */
    private static Map<String, Object> training(Path run) throws IOException {
        Path config = run.resolve("config.json");
        return (Map<String, Object>) ((Map<String, Object>) Json.parse(Files.readString(config), config)).get("training");
    }

    /**
     * Validation rows whose labels are shifted by one class from the training blobs': the better the network fits
     * the training data, the worse the validation loss, so with a large learning rate it is worse after epoch 2.
     */
    private Path contraryValidation() throws IOException {
        Path val = SyntheticData.blobsCsv(dir.resolve("val.csv"), 15, 4, 3, 6);
        StringBuilder sb = new StringBuilder();
        for (String line : Files.readAllLines(val)) {
            int comma = line.lastIndexOf(',');
            String label = line.substring(comma + 1);
            sb.append(label.equals("label") ? line : line.substring(0, comma + 1) + (Integer.parseInt(label) + 1) % 3).append('\n');
        }
        Files.writeString(val, sb);
        return val;
    }

    private Cli trainContrary(Path csv, Path val, String name, String... extra) {
        List<String> a = new ArrayList<>(List.of("train", "--data", csv.toString(), "--val-data", val.toString(), "--layers", "8",
                "--lr", "0.05", "--seed", "7", "--threads", "1", "--out", dir.resolve(name).toString()));
        a.addAll(List.of(extra));
        return ok(a.toArray(String[]::new));
    }

    /**
     * --restore-best rewrites the last epoch's checkpoint with the best epoch's weights. Its files carried the same
     * tag as the ones they replace, so a run stopped after that rewrite's commit point and before its renames was read
     * with the last epoch's weights (model.safetensors matched the tag first) while config.json and inspect said the
     * best epoch's. The tag now names the restored epoch.
     */
    @Test
    void aRestoreBestRewriteStoppedBeforeItsRenamesIsReadWithTheRestoredWeights() throws IOException {
        Path csv = SyntheticData.blobsCsv(dir.resolve("blobs.csv"), 30, 4, 3, 5), val = contraryValidation();
        trainContrary(csv, val, "best", "--epochs", "4", "--patience", "1", "--restore-best", "--no-report");
        trainContrary(csv, val, "plain", "--epochs", "4", "--patience", "1", "--no-report");
        Path run = dir.resolve("best");
        String eval = ok("eval", "--model", run.toString()).out();
        // a run directory written before the tag named the restored epoch ("2:0") still reads
        Path legacy = Files.createDirectory(dir.resolve("legacy"));
        for (String name : List.of("config.json", "model.safetensors", "optimizer.safetensors", "metrics.csv")) {
            Files.copy(run.resolve(name), legacy.resolve(name));
        }
        var model = Safetensors.read(legacy.resolve("model.safetensors"));
        assertEquals("2:0:restored1", model.metadata().get("checkpoint"));
        Safetensors.write(legacy.resolve("model.safetensors"), model.tensors(),
                Map.of("format", "pt", "checkpoint", "2:0", "producer", "jgrad"));
        assertEquals(eval.replace(run.toString(), legacy.toString()), ok("eval", "--model", legacy.toString()).out());
        assertNotEquals(eval, ok("eval", "--model", dir.resolve("plain").toString()).out()
                .replace(dir.resolve("plain").toString(), run.toString()), "the restored weights should evaluate differently");
        // the state of a process stopped after the rewrite's config.json and before its renames: model.safetensors
        // still holds the last epoch's weights (those of the same run without --restore-best)
        Files.move(run.resolve("model.safetensors"), run.resolve("model.safetensors.next"));
        Files.copy(dir.resolve("plain").resolve("model.safetensors"), run.resolve("model.safetensors"));
        assertEquals(eval, ok("eval", "--model", run.toString()).out());
    }

    @Test
    void restoreBestEndsWithTheBestEpochsWeights() throws IOException {
        Path csv = SyntheticData.blobsCsv(dir.resolve("blobs.csv"), 30, 4, 3, 5), val = contraryValidation();
        // the same seed and data give the same weights: these are the ones after epoch 1
        trainContrary(csv, val, "one", "--epochs", "1", "--no-report");
        Cli best = trainContrary(csv, val, "best", "--epochs", "4", "--patience", "1", "--restore-best");
        trainContrary(csv, val, "plain", "--epochs", "4", "--patience", "1", "--no-report");
        Path run = dir.resolve("best");
        List<String> rows = Files.readAllLines(run.resolve("metrics.csv"));
        assertEquals(3, rows.size(), "expected an early stop after epoch 2:\n" + rows);
        double val1 = Double.parseDouble(rows.get(1).split(",")[3]), val2 = Double.parseDouble(rows.get(2).split(",")[3]);
        assertTrue(val2 > val1 + 1e-3, "the validation loss should get worse after epoch 1: " + rows);

        double[] epoch1 = weights(dir.resolve("one"));
        assertArrayEquals(epoch1, weights(run), 0.0, "model.safetensors should hold the weights of epoch 1, the best");
        assertFalse(java.util.Arrays.equals(epoch1, weights(dir.resolve("plain"))), "without --restore-best the last epoch's weights stay");
        assertTrue(best.err().contains("restored the weights of epoch 1, the best"), best.err());
        String loss1 = String.format("%.4f", val1);
        assertTrue(best.out().contains("validation loss " + loss1), "the final evaluation should be the restored model's:\n" + best.out());
        String report = Files.readString(run.resolve("report.html"));
        assertTrue(report.contains(loss1) && !report.contains(String.format("%.4f", val2)), "report.html should evaluate the restored model");
        assertTrue(report.contains("restored the weights of epoch 1"));

        assertEquals(true, training(run).get("restore_best"));
        assertEquals(false, training(dir.resolve("plain")).get("restore_best"));
        // epochs completed stays the last trained epoch, and the resumed run starts from the saved checkpoint
        assertTrue(Files.readString(run.resolve("config.json")).contains("\"epochs_completed\": 2"));
        // inspect said "2 of 4 epochs done" without saying that model.safetensors holds epoch 1's weights
        assertTrue(ok("inspect", run.toString()).out().lines().anyMatch(l -> l.startsWith("training    ")
                && l.endsWith(", 2 of 4 epochs done (the weights are epoch 1's, the best: --restore-best), seed 7")), "inspect's training line");
        assertFalse(ok("inspect", dir.resolve("plain").toString()).out().contains("the weights are epoch"));
        Path restoredConfig = run.resolve("config.json");
        String kept = Files.readString(restoredConfig);
        assertTrue(kept.contains("\"restored_epoch\": 1"), kept);
        Files.writeString(restoredConfig, kept.replace("\"restored_epoch\": 1", "\"restored_epoch\": 3"));
        Cli.run("inspect", run.toString()).assertUserError("state.restored_epoch", "epochs_completed (2)", "got 3");
        Files.writeString(restoredConfig, kept);
        Cli resumed = ok("train", "--resume", run.toString(), "--epochs", "4", "--threads", "1", "--no-report");
        assertTrue(resumed.err().contains("epoch 3/4"), resumed.err());
        assertEquals(true, training(run).get("restore_best"));
        // the resumed epochs trained on from the restored weights, and the best (epoch 1) came before them: the weights
        // are now the last epoch's
        assertTrue(resumed.err().contains("the best epoch, 1, came before this fit"), resumed.err());
        assertTrue(ok("inspect", run.toString()).out().lines().anyMatch(l -> l.endsWith(", 3 of 4 epochs done, seed 7")),
                "inspect after --resume");

        Cli.run("train", "--resume", dir.resolve("plain").toString(), "--epochs", "5", "--restore-best")
                .assertUserError("--restore-best", "fixed by the run");
        // a config.json from before the field was recorded: off
        Path config = dir.resolve("plain/config.json");
        String text = Files.readString(config), old = text.replaceAll(",\\s*\"restore_best\": false", "");
        assertNotEquals(text, old);
        Files.writeString(config, old);
        ok("train", "--resume", dir.resolve("plain").toString(), "--epochs", "5", "--threads", "1", "--no-report");
        assertEquals(false, training(dir.resolve("plain")).get("restore_best"));
    }

    @Test
    void restoreBestNeedsPatienceAndHeldOutData() throws IOException {
        Path csv = SyntheticData.blobsCsv(dir.resolve("blobs.csv"), 30, 4, 3, 5);
        Path out = dir.resolve("r");
        Cli.run("train", "--data", csv.toString(), "--val-split", "0.2", "--restore-best", "--out", out.toString())
                .assertUserError("jgrad train:", "--restore-best", "--patience");
        Cli.run("train", "--data", csv.toString(), "--val-split", "0.2", "--patience", "0", "--restore-best", "--out", out.toString())
                .assertUserError("jgrad train:", "--restore-best", "--patience");
        Cli.run("train", "--data", csv.toString(), "--patience", "1", "--restore-best", "--out", out.toString())
                .assertUserError("jgrad train:", "--restore-best", "--val-split", "--val-data");
        assertFalse(Files.exists(out), "a refused --restore-best must stop the run before it writes anything");
    }
}
