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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input of every kind gives exit code 2 and one line on standard error that names what is wrong, never a
 * stack trace; and a failed run leaves no half-written file behind.
 */
class CliErrorsTest {
    @TempDir
    static Path shared;
    static Path blobs;
    /** A finished 4-8-3 run, trained once for the tests that need a run directory. */
    static Path run;

    @TempDir
    Path dir;

    @BeforeAll
    static void trainOnce() throws IOException {
        blobs = SyntheticData.blobsCsv(shared.resolve("blobs.csv"), 60, 4, 3, 1);
        run = Cli.trainedRun(blobs, "8", shared.resolve("run"));
    }

    /** Runs train on {@code data} with the extra flags, and fast settings for the flags they leave out. */
    private Cli train(Path data, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--data", data.toString(), "--threads", "1", "--no-report",
                "--out", dir.resolve("out").toString()));
        args.addAll(Arrays.asList(extra));
        for (String[] d : new String[][] {{"--layers", "4"}, {"--epochs", "1"}}) {
            if (!args.contains(d[0])) {
                args.addAll(List.of(d));
            }
        }
        return Cli.run(args.toArray(String[]::new));
    }

    /** As paths, "" is the current directory: eval took --data "" for a directory of CSV part files. */
    @Test
    void emptyPathsOfEvalAndInspectAreRefusedAsEmpty() {
        Cli.run("eval", "--model", run.toString(), "--data", "").assertUserError("--data: the path is empty");
        Cli.run("eval", "--model", "").assertUserError("--model: the path is empty");
        Cli.run("inspect", "").assertUserError("DIR|FILE.safetensors: the path is empty");
    }

    /**
     * A misspelt option or command gets picocli's suggestion on the error line ("Unknown options: '--epoch', '3'" said
     * nothing of --epochs: the error handler dropped the suggestions that picocli's own handler prints).
     */
    @Test
    void aMisspeltOptionOrCommandSuggestsTheNearestName() {
        Cli.run("train", "--epoch", "3").assertUserError("'--epoch'", "did you mean --epochs?");
        Cli.run("eval", "--modle", "runs/x").assertUserError("'--modle'", "did you mean --model?");
        Cli.run("trian").assertUserError("'trian'", "did you mean train?");
        Cli.run("train", "--normalise").assertUserError("'--normalise'", "did you mean --normalize?");
        Cli.run("train", "--frobnicate").assertUserError("Unknown option: '--frobnicate'");
        assertFalse(Cli.run("train", "--frobnicate").err().contains("did you mean"));
    }

    /**
     * A flag value that is not a number says what was expected in a user's words: picocli's converters said "'1.5' is not
     * an int", "'abc' is not a long", "'nan' is not a double".
     */
    @Test
    void aValueThatIsNotANumberSaysWhichNumberWasExpected() {
        Cli.run("train", "--epochs", "1.5").assertUserError("--epochs", "expected an integer, got '1.5'");
        Cli.run("train", "--seed", "abc").assertUserError("--seed", "expected an integer, got 'abc'");
        Cli.run("train", "--lr", "nan").assertUserError("--lr", "expected a number, got 'nan'");
        Cli.run("gradcheck", "--batch", "x").assertUserError("--batch", "expected an integer, got 'x'");
        Cli.run("predict", "--limit", "2e3").assertUserError("--limit", "expected an integer, got '2e3'");
        for (String flag : List.of("--epochs", "--seed", "--lr")) {
            Cli r = Cli.run("train", flag, "1x");
            assertFalse(r.err().contains("is not an int") || r.err().contains("is not a long") || r.err().contains("is not a double"), r.err());
        }
    }

    @Test
    void missingDataPath() {
        train(dir.resolve("nope.csv")).assertUserError("--data", "nope.csv", "no such file");
    }

    @Test
    void missingValidationFile() {
        train(blobs, "--val-data", dir.resolve("val-missing.csv").toString()).assertUserError("val-missing.csv");
    }

    @Test
    void directoryWithoutIdxFiles() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        train(empty).assertUserError("train-images-idx3-ubyte", "not found");
    }

    /**
     * A directory of Parquet or CSV part files, as Spark writes them (and as a Spark run's config.json names its data
     * for 'jgrad train --resume'), is named as such: it was "train-images-idx3-ubyte: file not found".
     */
    @Test
    void directoryOfSparkPartFiles() throws IOException {
        for (String kind : List.of("Parquet", "CSV")) {
            Path parts = Files.createDirectories(dir.resolve(kind));
            Files.writeString(parts.resolve("_SUCCESS"), "");
            Files.copy(blobs, parts.resolve("part-00000." + kind.toLowerCase()));
            train(parts).assertUserError("--data " + parts + ": a directory of " + kind + " part files, which only 'jgrad train"
                    + " --spark MASTER' reads; on one machine --data is an IDX directory or a .csv file");
        }
        // by IdxDataset.isIdxDirectory, as the Spark trainer decides: a directory with an IDX file is an IDX directory,
        // refused naming the file it lacks (its own 'train-' names took t10k files for part files), and a part file
        // named train-... does not make one
        Path t10k = dir.resolve("t10k");
        SyntheticData.idxDirectory(t10k, 8, 4, 8, 4, 1);
        for (String f : List.of("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")) {
            Files.delete(t10k.resolve(f));
        }
        Files.copy(blobs, t10k.resolve("part-00000.parquet"));
        train(t10k).assertUserError("--data " + t10k + ": " + t10k.resolve("train-images-idx3-ubyte") + ": file not found");
        Path named = Files.createDirectories(dir.resolve("named"));
        Files.copy(blobs, named.resolve("train-00000.parquet"));
        train(named).assertUserError("--data " + named + ": a directory of Parquet part files");
    }

    @Test
    void wrongIdxMagic() throws IOException {
        Path d = dir.resolve("idx");
        SyntheticData.idxDirectory(d, 8, 4, 8, 4, 1);
        // labels magic (0x801) in the images file: a valid IDX header of the wrong kind
        Files.delete(d.resolve("train-images-idx3-ubyte.gz"));
        Files.write(d.resolve("train-images-idx3-ubyte"), SyntheticData.idx(0x00000801, new int[] {8}, new int[8]));
        train(d).assertUserError("train-images-idx3-ubyte", "[N, H, W]");
        // not an IDX file at all
        Files.writeString(d.resolve("train-images-idx3-ubyte"), "hello, world");
        train(d).assertUserError("train-images-idx3-ubyte", "byte 0", "magic");
    }

    @Test
    void truncatedIdxFile() throws IOException {
        Path d = dir.resolve("idx");
        SyntheticData.idxDirectory(d, 8, 4, 8, 4, 1);
        byte[] full = SyntheticData.idxImages(4, 8, new int[4 * 8 * 8]);
        Files.write(d.resolve("t10k-images-idx3-ubyte"), Arrays.copyOf(full, full.length - 10));
        train(d).assertUserError("t10k-images-idx3-ubyte", "truncated");
    }

    @Test
    void imageAndLabelCountsDiffer() throws IOException {
        Path d = dir.resolve("idx");
        SyntheticData.idxDirectory(d, 8, 4, 8, 4, 1);
        Files.write(d.resolve("t10k-labels-idx1-ubyte"), SyntheticData.idxLabels(new int[] {0, 1, 2}));
        train(d).assertUserError("t10k-labels-idx1-ubyte", "3 labels", "4");
    }

    @Test
    void csvCellThatIsNotANumber() throws IOException {
        Path csv = Files.writeString(dir.resolve("bad.csv"), "a,b,label\n1,2,0\n3,x7,1\n");
        train(csv).assertUserError("bad.csv", "line 3", "column 'b'", "x7");
    }

    @Test
    void raggedCsvRow() throws IOException {
        Path csv = Files.writeString(dir.resolve("ragged.csv"), "a,b,label\n1,2,0\n3,1\n");
        train(csv).assertUserError("ragged.csv", "line 3", "2 values", "3");
    }

    @Test
    void csvErrorWithALineBreakInAColumnNameIsOneLine() throws IOException {
        // the bad cell is a feature's: a target cell that is not a number is a class name
        Path csv = Files.writeString(dir.resolve("nl.csv"), "\"feature\nof row\",label\n1,0\nx,3\n");
        Cli r = train(csv);
        r.assertUserError("nl.csv", "line 4", "column 'feature\\nof row'", "\"x\"");
        assertEquals(1, r.err().lines().filter(l -> l.startsWith("jgrad train")).count(), r.err());
        assertFalse(r.err().lines().anyMatch(l -> l.startsWith("of row")), r.err());
    }

    @Test
    void valSplitThatLeavesNoTrainingRows() throws IOException {
        // it trained on no rows: "loss NaN", exit 0 (CliRobustnessTest covers a split that leaves no validation rows)
        Path four = Files.writeString(dir.resolve("four.csv"), "a,b,y\n1,2,0\n3,4,1\n5,6,1\n7,8,0\n");
        train(four, "--val-split", "0.9").assertUserError("--val-split 0.9", "4 rows", "no rows for training");
        Path one = Files.writeString(dir.resolve("one.csv"), "a,b,y\n1,2,0\n");
        train(one, "--val-split", "0.5").assertUserError("1 rows", "no rows for training");
        // a single row trains, without validation: a regression (as a classifier, its one label is one class, refused)
        Cli single = train(one, "--loss", "mse");
        assertEquals(0, single.exitCode(), single.err());
    }

    @Test
    void validationFileWithAnotherTargetColumn() throws IOException {
        // the feature columns matched, so the other file's last column was taken as the target
        Path two = Files.writeString(dir.resolve("two.csv"), "a,b,y\n1,2,0\n3,4,1\n");
        Path target = Files.writeString(dir.resolve("target.csv"), "a,b,z\n1,2,0\n");
        train(two, "--val-data", target.toString()).assertUserError("target.csv", "target column is 'z'", "'y'");
        Path same = Files.writeString(dir.resolve("same.csv"), "a,b,y\n5,6,1\n");
        Cli ok = train(two, "--val-data", same.toString());
        assertEquals(0, ok.exitCode(), ok.err());
    }

    @Test
    void validationFlagsWithAnIdxDirectory() throws IOException {
        // both were silently ignored: the t10k files were the test set anyway
        Path two = Files.writeString(dir.resolve("two.csv"), "a,b,y\n1,2,0\n3,4,1\n");
        Path d = dir.resolve("idx");
        SyntheticData.idxDirectory(d, 8, 4, 8, 4, 1);
        train(d, "--val-split", "0.5").assertUserError("--val-split", "CSV", "t10k");
        train(d, "--val-data", two.toString()).assertUserError("--val-data", "CSV", "t10k");
        // and so was --target-column, which has no column to name in an IDX directory
        train(d, "--target-column", "label").assertUserError("--target-column", "CSV", "labels-idx1-ubyte");
    }

    @Test
    void idxSplitWithNoImages() throws IOException {
        // an empty t10k split reported "test loss NaN on 0 samples"; an empty train split trained to a NaN loss (exit 0)
        Path d = dir.resolve("idx");
        SyntheticData.idxDirectory(d, 8, 4, 8, 4, 1);
        Files.write(d.resolve("t10k-images-idx3-ubyte"), SyntheticData.idxImages(0, 8, new int[0]));
        Files.write(d.resolve("t10k-labels-idx1-ubyte"), SyntheticData.idxLabels(new int[0]));
        train(d).assertUserError("t10k-images-idx3-ubyte holds no images");
        Files.delete(d.resolve("train-images-idx3-ubyte.gz"));
        Files.delete(d.resolve("train-labels-idx1-ubyte.gz"));
        Files.write(d.resolve("train-images-idx3-ubyte"), SyntheticData.idxImages(0, 8, new int[0]));
        Files.write(d.resolve("train-labels-idx1-ubyte"), SyntheticData.idxLabels(new int[0]));
        train(d).assertUserError("train-images-idx3-ubyte holds no images");
    }

    /** Each names its flag, as --loss and --optimizer always did; --activation and --output-activation did not. */
    @Test
    void unknownNamesOfActivationLossOptimizerSchedule() {
        train(blobs, "--activation", "swishy").assertUserError("--activation swishy", "relu");
        train(blobs, "--output-activation", "swishy").assertUserError("--output-activation swishy", "sigmoid");
        Cli.run("gradcheck", "--activation", "swishy").assertUserError("jgrad gradcheck:", "--activation swishy", "relu");
        Cli.run("gradcheck", "--output-activation", "swishy").assertUserError("--output-activation swishy", "softmax");
        train(blobs, "--loss", "hinge").assertUserError("--loss", "hinge", "cross-entropy");
        // the value named in the words jgrad train --spark uses too (TrainFlags.optimizer): it said "unknown optimizer;"
        train(blobs, "--optimizer", "lbfgs").assertUserError(
                "--optimizer lbfgs: unknown optimizer 'lbfgs'; expected sgd, adam, adamw, rmsprop or adagrad");
        train(blobs, "--schedule", "linear").assertUserError("--schedule", "linear", "step:N");
        train(blobs, "--schedule", "step:often").assertUserError("--schedule", "step:often");
        train(blobs, "--augment", "spin").assertUserError("--augment", "spin", "flip,shift:N");
        train(blobs, "--augment", "shift:x").assertUserError("--augment", "shift:x");
        // in jgrad train --spark's words (SparkTrainMainTest), from NetworkSpec.augmentRefusal
        train(blobs, "--augment", "flip").assertUserError("jgrad train: --augment flip changes images, but --model mlp takes"
                + " flat feature vectors; use --model cnn or a model file with convolutions");
    }

    @Test
    void nonPositiveNumbers() {
        train(blobs, "--epochs", "0").assertUserError("--epochs", "0");
        train(blobs, "--lr", "-0.1").assertUserError("--lr", "-0.1");
        train(blobs, "--batch-size", "0").assertUserError("--batch-size");
        train(blobs, "--layers", "8,-2").assertUserError("--layers", "-2");
        train(blobs, "--val-split", "1.5").assertUserError("--val-split", "1.5");
    }

    /**
     * An empty size among --layers' sizes is a typo, refused like a size that is not a number; "8,,4" trained a
     * 4-8-4-3 network without a word (the empty part was dropped) and "8," a 4-8-3 one. An empty --layers is still no
     * hidden layer, also from gradcheck.
     */
    @Test
    void anEmptyLayerSizeAmongOthers() {
        train(blobs, "--layers", "8,,4").assertUserError("--layers", "8,,4", "empty size");
        train(blobs, "--layers", "8,").assertUserError("--layers", "empty size");
        Cli.run("gradcheck", "--layers", ",5").assertUserError("--layers", "empty size");
        // commas alone are no sizes at all, not '' (no hidden layer): ",," trained a network without hidden layers
        train(blobs, "--layers", ",,").assertUserError("--layers", "\",,\"", "empty size");
        train(blobs, "--layers", ",").assertUserError("--layers", "empty size");
        Cli.run("gradcheck", "--layers", " , ").assertUserError("--layers", "empty size");
        assertEquals(0, train(blobs, "--layers", "").exitCode());
        assertEquals(0, Cli.run("gradcheck", "--layers", "").exitCode());
    }

    /**
     * A run directory that is missing, or holds no config.json, is named with the flag that gave it: train --resume
     * said "nope is not a jgrad run directory", and eval and predict likewise for --model; a missing one is named as
     * missing, in the same words for each flag. inspect and report take
     * the directory as their argument, so the path alone names it.
     */
    @Test
    void aMissingOrNonRunDirectoryIsNamedWithItsFlag() throws IOException {
        Path notARun = Files.createDirectories(dir.resolve("not-a-run"));
        Path missing = dir.resolve("nope");
        Cli.run("train", "--resume", missing.toString()).assertUserError("--resume " + missing + ": no such directory;"
                + " expected the --out directory of 'jgrad train'");
        // as --resume words it (and jgrad train --spark --resume): it was "not a directory", as for a file
        Cli.run("eval", "--model", missing.toString()).assertUserError("--model " + missing + ": no such directory;"
                + " expected the --out directory of 'jgrad train'");
        Cli.run("predict", "--model", missing.toString(), "--csv", blobs.toString()).assertUserError("--model " + missing
                + ": no such directory; expected the --out directory of 'jgrad train'");
        Path file = Files.writeString(dir.resolve("file.txt"), "x");
        Cli.run("eval", "--model", file.toString()).assertUserError("--model " + file + ": not a directory; expected the --out"
                + " directory of 'jgrad train'");
        Cli.run("train", "--resume", notARun.toString())
                .assertUserError("--resume " + notARun + ": not a jgrad run directory: config.json is missing");
        Cli.run("eval", "--model", notARun.toString())
                .assertUserError("--model " + notARun + ": not a jgrad run directory: config.json is missing");
        Cli.run("predict", "--model", notARun.toString(), "--csv", blobs.toString())
                .assertUserError("--model " + notARun + ": not a jgrad run directory: config.json is missing");
        Cli.run("inspect", notARun.toString()).assertUserError(notARun + " is not a jgrad run directory: config.json is missing");
        Cli.run("report", notARun.toString()).assertUserError(notARun + " is not a jgrad run directory: config.json is missing");
        assertFalse(Files.exists(missing), "--resume of a missing directory created it");
    }

    /** Copies the shared run, lets {@code edit} change its config.json, and evaluates it. */
    private Cli evalWithConfig(Consumer<Map<String, Object>> edit) throws IOException {
        return Cli.run("eval", "--model", editedRun(edit).toString());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> layer(Map<String, Object> cfg, int i) {
        return (Map<String, Object>) ((List<Object>) model(cfg).get("layers")).get(i);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> model(Map<String, Object> cfg) {
        return (Map<String, Object>) cfg.get("model");
    }

    @Test
    void configWithWrongTypesUnknownActivationNegativeSizes() throws IOException {
        evalWithConfig(c -> model(c).put("input_shape", "four")).assertUserError("config.json", "model.input_shape", "four");
        evalWithConfig(c -> layer(c, 1).put("type", "swishy")).assertUserError("config.json", "model.layers[1].type", "swishy");
        evalWithConfig(c -> layer(c, 0).put("out_features", -8L))
                .assertUserError("config.json", "model.layers[0].out_features", "-8");
        evalWithConfig(c -> layer(c, 2).put("out_features", "x")).assertUserError("config.json", "model.layers[2].out_features", "x");
        evalWithConfig(c -> c.put("model", List.of())).assertUserError("config.json", "model", "object");
        evalWithConfig(c -> c.remove("loss")).assertUserError("config.json", "loss", "missing");
        evalWithConfig(c -> c.put("loss", "hinge")).assertUserError("config.json", "loss", "hinge");
        evalWithConfig(c -> c.put("training", Map.of("epochs", 1L))).assertUserError("config.json", "training.");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> section(Map<String, Object> cfg, String name) {
        return (Map<String, Object>) cfg.get(name);
    }

    /**
     * Hand edits that were taken in silence (a string where a number or boolean belongs became the default:
     * "shuffle": "no" shuffled, "patience": "5" turned early stopping off), misspelt fields that were ignored,
     * and values that crashed train --resume with a stack trace (exit 1) or were blamed on a flag never given.
     */
    @Test
    void configFieldsOfTheWrongTypeOrUnknownAreRefusedByName() throws IOException {
        String[][] cases = {
            {"training", "shuffle", "\"no\"", "training.shuffle", "true or false"},
            {"training", "patience", "\"5\"", "training.patience", "non-negative integer"},
            {"training", "patience", "2.5", "training.patience", "2.5"},
            {"training", "patience", "-3", "training.patience", "-3"},
            {"training", "checkpoint_every", "\"x\"", "training.checkpoint_every", "non-negative integer"},
            {"training", "target_loss", "\"0.1\"", "training.target_loss", "expected a number"},
            {"training", "seed", "1.5", "training.seed", "integer"},
            {"training", "schedule", "5", "training.schedule", "string"},
            {"training", "schedule", "\"bogus\"", "training.schedule", "bogus"},
            {"training", "augment", "\"bogus\"", "training.augment", "bogus"},
            {"training", "patiance", "5", "training.patiance", "unknown field"},
            {"data", "target_column", "5", "data.target_column", "string or null"},
            {"data", "val_data", "5", "data.val_data", "string or null"},
            {"data", "feature_columns", "[]", "data.feature_columns", "empty"},
            // f0 twice, f1 left out: eval and predict fed f0 to two inputs, with no error
            {"data", "feature_columns", "[\"f0\", \"f0\", \"f2\", \"f3\"]", "data.feature_columns", "column 'f0' is listed twice (at 0 and 1)"},
            {"data", "normalize_std", "0", "data.normalize_std", "positive"},
            {"optimizer", "name", "\"bogus\"", "optimizer.name", "bogus"},
            {"optimizer", "lr", "-1", "optimizer.lr", "positive"},
            {"optimizer", "momentum", "-1", "optimizer.momentum", "non-negative"},
            {"state", "epochs_completed", "0.5", "state.epochs_completed", "0.5"},
            {"state", "shuffle_generator", "[\"\"]", "state.shuffle_generator", "6 words"},
            {"state", "shuffle_generator", "[\"\",\"\",\"\",\"\",\"\",\"\"]", "state.shuffle_generator[0]", "16 hex digits"},
            {"", "num_classes", "0.5", "num_classes", "0.5"},
            {"", "learning_rate", "0.5", "learning_rate", "unknown field"},
            {"model", "dropout", "0.5", "model.dropout", "unknown field"},
        };
        for (String[] c : cases) {
            Object value = Json.parse(c[2]);
            Consumer<Map<String, Object>> edit = cfg -> (c[0].isEmpty() ? cfg : section(cfg, c[0])).put(c[1], value);
            Path copy = editedRun(edit);
            String[] fragments = {"config.json: " + c[3] + ": ", c[4]};
            Cli.run("eval", "--model", copy.toString()).assertUserError(fragments);
            Cli.run("inspect", copy.toString()).assertUserError(fragments);
            Cli.run("train", "--resume", copy.toString(), "--epochs", "2", "--threads", "1").assertUserError(fragments);
        }
        // what older versions wrote, or null where a field is optional, is still read
        Cli.ok("eval", "--model", editedRun(cfg -> {
            section(cfg, "training").remove("restore_best");
            section(cfg, "training").remove("report");
            section(cfg, "training").put("schedule", null);
            section(cfg, "data").remove("val_split");
            section(cfg, "state").remove("model_generator");
        }).toString());
    }

    /**
     * Fields that are each valid but do not belong together (as 'jgrad train' never writes them) were read as they were:
     * eval scored the 3-output network as 5 classes, predict treated a classifier as a regression, eval blamed a --loss
     * flag nobody gave, and loss bce on a network without a sigmoid stopped eval with a stack trace.
     */
    @Test
    void configFieldsThatDoNotFitTogetherAreRefusedByName() throws IOException {
        Object[][] cases = {
            {"num_classes", 5L, "config.json: model.layers[2]: the network outputs [N, 3], but loss \"cross-entropy\" with"
                    + " num_classes 5 needs [N, 5]"},
            {"task", "regression", "config.json: task: is \"regression\", but loss \"cross-entropy\" with num_classes 3 is"
                    + " \"classification\""},
            {"loss", "bce", "config.json: model.layers[2]: loss \"bce\" needs probabilities, but the network ends with linear"},
            {"num_classes", 0L, "config.json: num_classes: is 0, but loss \"cross-entropy\" needs class labels 0..K-1, so K >= 2"},
        };
        for (Object[] c : cases) {
            Path copy = editedRun(cfg -> cfg.put((String) c[0], c[1]));
            String fragment = (String) c[2];
            Cli.run("eval", "--model", copy.toString()).assertUserError(fragment);
            Cli.run("predict", "--model", copy.toString(), "--csv", blobs.toString(), "--limit", "1").assertUserError(fragment);
            Cli.run("inspect", copy.toString()).assertUserError(fragment);
            Cli.run("train", "--resume", copy.toString(), "--epochs", "2", "--threads", "1").assertUserError(fragment);
        }
    }

    /**
     * Until train refused data whose labels are all 0, it wrote such a run as num_classes 1, task "binary" (one output)
     * and its loss, and Spark training as task "classification"; the checks of config.json's fields against each other refused every such run directory ("num_classes:
     * is 1, ... K >= 2 classes"), so that eval, predict and inspect could no longer read runs they had read. They still
     * do. The run here is that config: a one-output network trained with --loss bce-logits, whose config.json is then
     * given what train wrote for one class.
     */
    @Test
    @SuppressWarnings("unchecked")
    void aOneClassRunWrittenBeforeOneClassWasRefusedStillLoads() throws IOException {
        Path two = SyntheticData.blobsCsv(dir.resolve("two.csv"), 20, 4, 2, 1);
        Path old = dir.resolve("one-class-run");
        Cli.ok("train", "--data", two.toString(), "--loss", "bce-logits", "--layers", "4", "--epochs", "1", "--threads", "1",
                "--no-report", "--out", old.toString());
        Map<String, Object> cfg = (Map<String, Object>) Json.parse(Files.readString(old.resolve("config.json")));
        assertEquals("binary", cfg.get("task"));
        cfg.put("loss", "cross-entropy");
        cfg.put("num_classes", 1L);
        Files.writeString(old.resolve("config.json"), Json.write(cfg));
        Path zeros = Files.writeString(dir.resolve("zeros.csv"), "f0,f1,f2,f3,label\n0.5,0.5,0.5,0.5,0\n1,1,1,1,0\n");
        Cli.ok("inspect", old.toString());
        Cli.ok("eval", "--model", old.toString(), "--data", zeros.toString());
        Cli.ok("predict", "--model", old.toString(), "--csv", zeros.toString());
        // Spark training wrote the same run as task "classification" (RunDirectory writes every run so)
        cfg.put("task", "classification");
        Files.writeString(old.resolve("config.json"), Json.write(cfg));
        Cli.ok("inspect", old.toString());
        Cli.ok("eval", "--model", old.toString(), "--data", zeros.toString());
    }

    /**
     * jgrad-spark's run directory (RunDirectory.config) records its partitions and local steps in a top-level
     * "spark" object; eval, predict, inspect and --resume read such a directory, so the strict reading of config.json
     * must know that field.
     */
    @Test
    void aSparkRunsConfigWithItsSparkSectionIsRead() throws IOException {
        Path copy = editedRun(cfg -> cfg.put("spark", new java.util.LinkedHashMap<>(Map.of("partitions", 2L, "local_steps", 1L))));
        Cli.ok("eval", "--model", copy.toString());
        Cli.ok("inspect", copy.toString());
    }

    /** A copy of the shared run whose config.json {@code edit} has changed. */
    @SuppressWarnings("unchecked")
    private Path editedRun(Consumer<Map<String, Object>> edit) throws IOException {
        Path copy = Files.createTempDirectory(dir, "edited");
        try (Stream<Path> files = Files.list(run)) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        Map<String, Object> cfg = (Map<String, Object>) Json.parse(Files.readString(copy.resolve("config.json")));
        edit.accept(cfg);
        Files.writeString(copy.resolve("config.json"), Json.write(cfg));
        return copy;
    }

    @Test
    void configThatIsNotJson() throws IOException {
        Path copy = Files.createDirectories(dir.resolve("broken"));
        Files.writeString(copy.resolve("config.json"), "{\"format\": \"jgrad-run\",");
        Cli.run("eval", "--model", copy.toString()).assertUserError("config.json");
        Cli.run("inspect", copy.toString()).assertUserError("config.json");
    }

    @Test
    void initWhoseShapesDoNotFit() throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("0.weight", Tensor.zeros(5, 4)); // --layers 4 needs [4, 4]
        tensors.put("0.bias", Tensor.zeros(4));
        tensors.put("2.weight", Tensor.zeros(3, 4));
        tensors.put("2.bias", Tensor.zeros(3));
        Path init = dir.resolve("init.safetensors");
        Safetensors.write(init, tensors, Map.of());
        train(blobs, "--init", init.toString()).assertUserError("init.safetensors", "0.weight", "[5, 4]", "[4, 4]");
        // named by the flag, as the other paths are: it said only "absent.safetensors: no such file"
        train(blobs, "--init", dir.resolve("absent.safetensors").toString())
                .assertUserError("--init " + dir.resolve("absent.safetensors") + ": no such file");
        train(blobs, "--init", dir.toString()).assertUserError("--init " + dir + ": is a directory; expected a .safetensors file");
    }

    @Test
    void evalPredictInspectOnMissingPaths() {
        Path nowhere = dir.resolve("nowhere");
        Cli.run("eval", "--model", nowhere.toString()).assertUserError("nowhere");
        Cli.run("eval", "--model", run.toString(), "--data", nowhere.resolve("x.csv").toString()).assertUserError("x.csv");
        Cli.run("predict", "--model", nowhere.toString(), "--csv", blobs.toString()).assertUserError("nowhere");
        Cli.run("predict", "--model", run.toString(), "--csv", nowhere.resolve("f.csv").toString()).assertUserError("f.csv");
        Cli.run("predict", "--model", run.toString(), "--idx", nowhere.resolve("i.idx").toString()).assertUserError("i.idx");
        Cli.run("predict", "--model", run.toString(), nowhere.resolve("digit.png").toString()).assertUserError("digit.png");
        Cli.run("inspect", nowhere.toString()).assertUserError("nowhere");
    }

    @Test
    void predictInputsThatDoNotFitTheModel() throws IOException {
        // the model's feature columns are picked by name: blobs.csv's label column is ignored, a missing feature is an error
        Cli.ok("predict", "--model", run.toString(), "--csv", blobs.toString());
        Path three = Files.writeString(dir.resolve("three.csv"), "f0,f1,f2\n1,2,3\n");
        Cli.run("predict", "--model", run.toString(), "--csv", three.toString()).assertUserError("three.csv", "'f3'");
        Cli.run("predict", "--model", run.toString()).assertUserError("exactly one");
        Path notImage = Files.writeString(dir.resolve("digit.png"), "not a png");
        // a 4-input model is a 2x2 image
        Cli.run("predict", "--model", run.toString(), notImage.toString()).assertUserError("digit.png", "image");
        // --limit counts records of --idx or --csv; beside image files it was silently ignored
        Cli.run("predict", "--model", run.toString(), "--limit", "1", notImage.toString()).assertUserError("--limit", "IMAGE");
    }

    @Test
    void unknownFlagOrSubcommand() {
        Cli r = Cli.run("train", "--epoch", "3");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("--epoch"), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
        assertEquals(2, Cli.run("frobnicate").exitCode());
        assertEquals(2, Cli.run("train", "--epochs", "many").exitCode());
    }

    @Test
    void failedRunLeavesNoTemporaryFiles() throws IOException {
        Path out = dir.resolve("out");
        // fails after the output directory is created: the schedule is parsed when training starts
        train(blobs, "--schedule", "bogus").assertUserError("--schedule");
        // fails in the data: the output directory must not be touched at all
        Path csv = Files.writeString(dir.resolve("bad.csv"), "a,b,label\n1,2,0\n3,x,1\n");
        train(csv).assertUserError("bad.csv");
        if (Files.exists(out)) {
            try (Stream<Path> files = Files.walk(out)) {
                List<Path> left = files.filter(Files::isRegularFile).toList();
                assertEquals(List.of(), left, "a failed run left files in --out");
            }
        }
        // a run that fails while an earlier run's checkpoint is there keeps it intact and adds no temp files
        Path good = dir.resolve("good");
        assertEquals(0, Cli.run("train", "--data", blobs.toString(), "--layers", "4", "--epochs", "1", "--threads", "1",
                "--no-report", "--out", good.toString()).exitCode());
        byte[] model = Files.readAllBytes(good.resolve("model.safetensors"));
        Cli.run("train", "--data", blobs.toString(), "--layers", "4", "--epochs", "1", "--threads", "1", "--no-report",
                "--out", good.toString(), "--optimizer", "bogus").assertUserError("--optimizer");
        assertArrayEquals(model, Files.readAllBytes(good.resolve("model.safetensors")));
        try (Stream<Path> files = Files.walk(dir)) {
            List<Path> tmp = files.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList();
            assertEquals(List.of(), tmp, "temporary files left behind");
        }
    }
}
