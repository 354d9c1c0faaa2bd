package io.jgrad.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jgrad.data.Standardization;
import io.jgrad.io.Json;
import io.jgrad.io.RunLock;
import io.jgrad.io.Safetensors;
import io.jgrad.tensor.Tensor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spark-submit entry point writes a run directory in the format of {@code jgrad train --out}. */
class SparkTrainMainTest {

    @Test
    void readsTheFlagsOfJgradTrainWithSparkAsTheMaster() {
        Map<String, String> f = SparkTrainMain.parse(new String[] {"--spark", "local[2]", "--epochs=3", "--local-steps", "4",
            "--target-column", "y"});
        assertEquals(Map.of("--master", "local[2]", "--epochs", "3", "--local-steps", "4", "--target-column", "y"), f);
    }

    /** --no-report is taken, as a switch: the launcher reads it and builds no report; it was refused as single-machine only. */
    @Test
    void noReportIsASwitchForTheLauncher() {
        assertEquals(Map.of("--no-report", "", "--epochs", "1"), SparkTrainMain.parse(new String[] {"--no-report", "--epochs", "1"}));
        var e = assertThrows(UserMistake.class, () -> SparkTrainMain.parse(new String[] {"--no-report=1"}));
        assertEquals("Invalid value for option '--no-report': '1' is not a boolean", e.getMessage());
    }

    /**
     * The switches take what jgrad train's (picocli's booleans) take, with its meaning: =true in any case is the switch
     * given, =false or = the switch off (kept, so that --resume can refuse turning off what the run has on); another
     * value, or a value after a space, is refused in its words
     * (the index counts 'train' as 0, as in 'jgrad train --spark ...'). --restore-best=true was refused ("takes no value").
     */
    @Test
    void switchesTakeTrueAndFalseAsJgradTrainDoes() {
        for (String flag : List.of("--restore-best", "--no-report", "--grad-norms", "--no-shuffle")) {
            assertEquals(Map.of(flag, "", "--epochs", "1"), SparkTrainMain.parse(new String[] {flag + "=true", "--epochs", "1"}));
            assertEquals(Map.of(flag, ""), SparkTrainMain.parse(new String[] {flag + "=TRUE"}));
            // =false is kept as "false", not dropped: --resume refuses turning off a switch the run has on
            assertEquals(Map.of(flag, "false", "--epochs", "1"), SparkTrainMain.parse(new String[] {flag + "=false", "--epochs", "1"}));
            assertEquals(Map.of(flag, "false"), SparkTrainMain.parse(new String[] {flag, flag + "=False"}), "the last one wins");
            assertEquals(Map.of(flag, "false"), SparkTrainMain.parse(new String[] {flag + "="}));
            assertFalse(SparkTrainMain.on(SparkTrainMain.parse(new String[] {flag + "=false"}), flag));
            assertTrue(SparkTrainMain.on(SparkTrainMain.parse(new String[] {flag + "=false", flag}), flag));
            var e = assertThrows(UserMistake.class, () -> SparkTrainMain.parse(new String[] {flag + "=yes"}));
            assertEquals("Invalid value for option '" + flag + "': 'yes' is not a boolean", e.getMessage());
            var spaced = assertThrows(UserMistake.class,
                    () -> SparkTrainMain.parse(new String[] {"--spark", "local[2]", flag, "true"}));
            assertEquals("Unmatched argument at index 4: 'true'", spaced.getMessage());
        }
    }

    /**
     * --resume of a directory that does not exist says so, in jgrad train --resume's words (CheckpointFiles, shared):
     * it said "config.json is missing". Read before Spark is asked for anything.
     */
    @Test
    void resumeOfAMissingDirectoryNamesItAsMissing(@TempDir Path dir) {
        Path missing = dir.resolve("no").resolve("such");
        var e = assertThrows(IllegalArgumentException.class, () -> RunDirectory.read(missing));
        assertEquals("--resume " + missing + ": no such directory; expected the --out directory of 'jgrad train'", e.getMessage());
        var empty = assertThrows(IllegalArgumentException.class, () -> RunDirectory.read(dir));
        assertEquals("--resume " + dir + ": not a jgrad run directory: config.json is missing", empty.getMessage());
    }

    @Test
    void aFlagOfSingleMachineTrainingIsNamedInTheError() {
        // --model and --augment were the last two refused as single-machine only: both are taken now
        assertEquals(Map.of("--master", "local[2]", "--augment", "shift:2", "--model", "cnn"),
                SparkTrainMain.parse(new String[] {"--spark", "local[2]", "--augment", "shift:2", "--model", "cnn"}));
        var unknown = assertThrows(UserMistake.class, () -> SparkTrainMain.parse(new String[] {"--epoch", "1"}));
        assertTrue(unknown.getMessage().startsWith("unknown option --epoch;"), unknown.getMessage());
        var missing = assertThrows(UserMistake.class, () -> SparkTrainMain.parse(new String[] {"--lr"}));
        assertEquals("--lr needs a value", missing.getMessage());
    }

    /** The first {@code n} samples of the bundled MNIST's {@code name} IDX file (images or labels), written raw to dir. */
    /**
     * A batch norm layer with one value per channel and sample (batchnorm1d after a linear layer) fails in training on a
     * partition that holds one row of a batch. A batch of fewer than 2 rows per partition leaves one such share (always
     * with --no-shuffle, whose rows go round-robin, and almost surely over an epoch of shuffled batches), so it is refused
     * before training, naming --batch-size and the partitions; with one partition the rule and the words are jgrad
     * train's (checkBatchNormBatches). A layer with several values per channel (batchnorm2d) takes any batch size.
     */
    @Test
    void aBatchNormLayerGetsTwoRowsPerPartitionOfEachBatchOrTheRunIsRefusedBeforeTraining(@TempDir Path dir) throws Throwable {
        var bn1d = io.jgrad.nn.spec.NetworkSpec.resolve(new int[] {1, 4, 4}, List.of(io.jgrad.nn.spec.LayerSpec.of("flatten"),
                io.jgrad.nn.spec.LayerSpec.of("linear", "out_features", 8), io.jgrad.nn.spec.LayerSpec.of("batchnorm1d"),
                io.jgrad.nn.spec.LayerSpec.of("linear", "out_features", 3)), null, "layers");
        var e = assertThrows(UserMistake.class, () -> SparkTrainMain.checkBatchNormRows(bn1d, 300, 3, 2, "d"));
        assertEquals("--batch-size 3: each batch has 3 of the 300 training samples, spread over the 2 partitions by the rows"
                + " each holds, so that a partition's share of a batch can be 1 sample, and layers[2] (batchnorm1d) normalizes"
                + " each partition's share by its own statistics: it needs 2 or more values per channel in training to compute"
                + " a variance, but its input [N, 8] gives 1 per sample; use a --batch-size of 2 or more per partition, e.g."
                + " --batch-size 4, or fewer --partitions", e.getMessage());
        // the last batch counts too: 300 = 2 x 149 + 2 leaves a batch of 2 rows for 2 partitions
        e = assertThrows(UserMistake.class, () -> SparkTrainMain.checkBatchNormRows(bn1d, 300, 149, 2, "d"));
        assertTrue(e.getMessage().startsWith("--batch-size 149: the last batch of each epoch has 2 of the 300 training samples,"
                + " spread over the 2 partitions"), e.getMessage());
        assertTrue(e.getMessage().endsWith("e.g. --batch-size 150, or fewer --partitions"), e.getMessage());
        // fewer training samples than 2 per partition: no batch size helps
        e = assertThrows(UserMistake.class, () -> SparkTrainMain.checkBatchNormRows(bn1d, 5, 8, 4, "d"));
        assertTrue(e.getMessage().endsWith("but its input [N, 8] gives 1 per sample; use --partitions 2 or fewer"),
                e.getMessage());
        // one partition: jgrad train's rule and words
        e = assertThrows(UserMistake.class, () -> SparkTrainMain.checkBatchNormRows(bn1d, 300, 1, 1, "d"));
        assertEquals("--batch-size 1: each batch has 1 of the 300 training samples, and layers[2] (batchnorm1d) needs 2 or"
                + " more values per channel in training to compute a variance, but its input [N, 8] gives 1 per sample; use a"
                + " --batch-size that leaves no batch of one sample, e.g. --batch-size 2", e.getMessage());
        SparkTrainMain.checkBatchNormRows(bn1d, 300, 4, 2, "d");
        SparkTrainMain.checkBatchNormRows(bn1d, 300, 2, 1, "d");
        var bn2d = io.jgrad.nn.spec.NetworkSpec.resolve(new int[] {1, 4, 4}, List.of(io.jgrad.nn.spec.LayerSpec.of("conv2d",
                "out_channels", 2, "kernel_size", 3), io.jgrad.nn.spec.LayerSpec.of("batchnorm2d"),
                io.jgrad.nn.spec.LayerSpec.of("flatten"), io.jgrad.nn.spec.LayerSpec.of("linear", "out_features", 3)), null, "layers");
        SparkTrainMain.checkBatchNormRows(bn2d, 300, 1, 2, "d"); // [2, 2, 2] gives 4 values per channel from one row

        // run checks it before training: no epoch line, no directory
        Path idx = Files.createDirectories(dir.resolve("idx"));
        for (String name : List.of("train-images-idx3-ubyte", "train-labels-idx1-ubyte")) {
            idxPrefix(idx, name, 100);
        }
        for (String name : List.of("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")) {
            idxPrefix(idx, name, 10);
        }
        Path model = Files.writeString(dir.resolve("bn.json"), "{\"layers\": [{\"type\": \"flatten\"}, {\"type\": \"linear\","
                + " \"out_features\": 8}, {\"type\": \"batchnorm1d\"}, {\"type\": \"linear\", \"out_features\": 10}]}");
        Path run = dir.resolve("run");
        String said = standardErrorOf(() -> assertTrue(oneLineError(session(), Map.of("--out", run.toString(), "--epochs", "1"),
                "--data", idx.toString(), "--model", model.toString(), "--batch-size", "2", "--partitions", "2")
                .startsWith("--batch-size 2: each batch has 2 of the 100 training samples, spread over the 2 partitions")));
        assertFalse(said.contains("epoch"), said);
        assertFalse(Files.exists(run), "a refused run leaves no directory");
        // 2 rows per partition on average: a shuffled batch of 4 puts 1 row on a partition (half of them do), and the task
        // that meets it says so naming the flags, where the layer's own words named neither
        for (String local : List.of("1", "2")) {
            Map<String, String> f = Map.of("--out", run.toString(), "--epochs", "1", "--data", idx.toString(), "--model",
                    model.toString(), "--batch-size", "4", "--partitions", "2", "--local-steps", local);
            Throwable failed = assertThrows(Exception.class, () -> SparkTrainMain.run(session(), f));
            Throwable mistake = SparkTrainMain.userMistake(failed); // inside Spark's "Job aborted", where main finds it
            assertNotNull(mistake, failed::toString);
            String error = mistake.getMessage();
            assertTrue(error.matches("--batch-size 4: batch \\d+ of the epoch put 1 of its rows on partition [01] \\(a shuffled"
                    + " batch's rows fall on the partitions that hold them\\), and layers\\[2\\] \\(batchnorm1d\\) needs 2 or"
                    + " more values per channel in training to compute a variance, but its input \\[N, 8\\] gives 1 per sample;"
                    + " use a larger --batch-size \\(more rows per partition\\) or fewer --partitions"), error);
            assertFalse(Files.exists(run), "a run that failed in its first epoch leaves no directory");
        }
    }

    private static void idxPrefix(Path dir, String name, int n) throws java.io.IOException {
        byte[] all;
        try (var in = new java.util.zip.GZIPInputStream(Files.newInputStream(Path.of("..", "data", "mnist-10k", name + ".gz")))) {
            all = in.readAllBytes();
        }
        boolean images = name.contains("images");
        int header = images ? 16 : 8, size = images ? 28 * 28 : 1;
        byte[] out = java.util.Arrays.copyOf(all, header + n * size);
        java.nio.ByteBuffer.wrap(out).putInt(4, n); // the sample count after the magic number
        Files.write(dir.resolve(name), out);
    }

    /**
     * --model cnn on Spark (it was refused as single-machine only): on 200 MNIST images and 2 partitions, one epoch
     * writes a run of the default CNN, in the format of jgrad train's (format_version 2, the layers, the batch norm
     * buffers under PyTorch's names), which jgrad eval reads, finding the held-out loss that the run measured (eval mode,
     * on the averaged running statistics), and which jgrad train --resume continues on one machine. A network of images
     * on a CSV file is refused naming --model, and --augment where jgrad train refuses it (it was single-machine only).
     */
    @Test
    @SuppressWarnings("unchecked")
    void theDefaultCnnTrainsOnSparkIntoARunThatEvalAndResumeRead(@TempDir Path dir) throws Throwable {
        Path idx = Files.createDirectories(dir.resolve("idx"));
        for (String name : List.of("train-images-idx3-ubyte", "train-labels-idx1-ubyte")) {
            idxPrefix(idx, name, 200);
        }
        for (String name : List.of("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")) {
            idxPrefix(idx, name, 100);
        }
        Path run = dir.resolve("run");
        String said = standardErrorOf(() -> SparkTrainMain.run(session(), Map.of("--data", idx.toString(), "--model", "cnn",
                "--epochs", "1", "--batch-size", "50", "--partitions", "2", "--out", run.toString())));
        assertTrue(said.contains("jgrad-spark: 1x28x28 conv32k3p1-bn2d-relu-maxpool2-conv64k3p1-bn2d-relu-maxpool2-dropout0.25-"
                + "flatten-linear128-relu-dropout0.5-linear10 on " + idx + " (200 train in 2 partitions, 100 test)"), said);
        Map<String, Object> config = (Map<String, Object>) Json.read(run.resolve("config.json"));
        assertEquals(2L, config.get("format_version"));
        assertEquals(List.of(1L, 28L, 28L), ((Map<String, Object>) config.get("model")).get("input_shape"));
        Map<String, Tensor> saved = Safetensors.read(run.resolve("model.safetensors")).tensors();
        assertEquals(32, saved.get("1.running_mean").numel());
        assertEquals(64, saved.get("5.running_var").numel());
        assertEquals(4.0, saved.get("1.num_batches_tracked").item(), "4 steps of 50 rows");
        String eval = jgrad("eval", "--model", run.toString());
        var loss = java.util.regex.Pattern.compile("(?m)^loss +([0-9.]+)").matcher(eval);
        assertTrue(loss.find(), eval);
        String[] metrics = Files.readAllLines(run.resolve("metrics.csv")).get(1).split(",");
        assertEquals(Double.parseDouble(metrics[3]), Double.parseDouble(loss.group(1)), 1e-5, "eval's test loss is the run's");
        jgrad("train", "--threads", "1", "--no-report", "--resume", run.toString(), "--epochs", "2", "--out",
                dir.resolve("resumed").toString());
        assertEquals(3, Files.readAllLines(dir.resolve("resumed").resolve("metrics.csv")).size(), "epoch 2 on one machine");
        Path csv = Files.writeString(dir.resolve("t.csv"), "a,b,label\n1,2,0\n2,1,1\n3,3,0\n1,1,1\n");
        // in jgrad train's words (ModelFileTest), naming --model as it does
        assertEquals("--model cnn: the network is convolutional: it takes images [N, C, H, W], but --data " + csv + " holds"
                + " rows of features; give --data an IDX directory of images, or use a network without image layers (conv2d,"
                + " batchnorm2d, maxpool2d, avgpool2d, adaptiveavgpool2d, dropout2d), e.g. --model mlp",
                oneLineError(session(), Map.of("--out", dir.resolve("refused").toString(), "--epochs", "1"), "--data", csv.toString(),
                        "--model", "cnn"));
        Path conv = Files.writeString(dir.resolve("conv.json"), "{\"layers\": [{\"type\": \"linear\", \"out_features\": 4},"
                + " {\"type\": \"maxpool2d\", \"kernel_size\": 2}]}");
        assertEquals("--model " + conv + ": its layers[1] (maxpool2d) works on images [N, C, H, W], but --data " + csv + " holds"
                + " rows of features; give --data an IDX directory of images, or use a network without image layers (conv2d,"
                + " batchnorm2d, maxpool2d, avgpool2d, adaptiveavgpool2d, dropout2d), e.g. --model mlp",
                oneLineError(session(), Map.of("--out", dir.resolve("refused").toString(), "--epochs", "1"), "--data", csv.toString(),
                        "--model", conv.toString()));
        assertFalse(Files.exists(dir.resolve("refused")), "a refused run leaves no directory");
        // --augment as jgrad train checks it: images only, a shift that leaves most of the image, its spec's words
        assertEquals("--augment flip changes images, but --model mlp takes flat feature vectors; use --model cnn or a model file"
                + " with convolutions", errorOf(session(), dir, "--data", idx.toString(), "--augment", "flip"));
        assertEquals("--augment: \"tilt\" is not understood in \"tilt\"; expected none, flip, shift:N or flip,shift:N (N a pixel"
                + " count, e.g. flip,shift:2)", errorOf(session(), dir, "--data", idx.toString(), "--augment", "tilt"));
        assertEquals("--augment shift:14: a shift of 14 pixels would move the 28x28 images mostly out of view; expected shift:N"
                + " with N < 14 (e.g. shift:2)", oneLineError(session(), Map.of("--out", dir.resolve("refused").toString(),
                "--epochs", "1"), "--data", idx.toString(), "--model", "cnn", "--augment", "shift:14"));
        assertEquals("none", ((Map<String, Object>) config.get("training")).get("augment"), "recorded as jgrad train records it");
    }

    @Test
    void sparkWithoutAMasterUrlSaysSo() {
        // 'jgrad train --spark --data DIR' used to take --data as the master URL and then reject DIR as an unknown option
        for (String[] args : List.of(new String[] {"--spark", "--data", "d"}, new String[] {"--data", "d", "--spark"},
                new String[] {"--spark=", "--data", "d"})) {
            var e = assertThrows(UserMistake.class, () -> SparkTrainMain.parse(args));
            assertTrue(e.getMessage().startsWith("--spark needs a master URL such as local[2]"), e.getMessage());
        }
        var e = assertThrows(UserMistake.class, () -> SparkTrainMain.parse(new String[] {"--lr", "--epochs", "1"}));
        assertEquals("--lr needs a value", e.getMessage());
    }

    /**
     * Every option of {@code jgrad train} (read from its source, the CLI module being no dependency of this one) is
     * either taken on Spark or refused as single-machine only, never "unknown option": --model, --augment and
     * --grad-norms were unknown, as if misspelt.
     */
    @Test
    void everyOptionOfJgradTrainIsTakenOrNamedAsSingleMachineOnly() throws Exception {
        String source = Files.readString(Path.of("..", "jgrad-cli", "src", "main", "java", "io", "jgrad", "cli", "TrainCommand.java"));
        var m = java.util.regex.Pattern.compile("@Option\\(names = \"(--[a-z-]+)\"").matcher(source);
        int options = 0;
        for (; m.find(); options++) {
            String flag = m.group(1);
            try {
                SparkTrainMain.parse(new String[] {flag, "1"});
                assertTrue(SparkTrainMain.FLAGS.contains(flag), flag);
            } catch (UserMistake e) {
                assertFalse(e.getMessage().startsWith("unknown option"), e.getMessage());
            }
        }
        assertTrue(options > 25, "read " + options + " options from TrainCommand.java");
    }

    /**
     * --layers '' is no hidden layer, as jgrad train documents it; it was refused as "--layers needs a value". The sizes
     * follow jgrad train's rule and wording (one rule, jgrad-core's TrainFlags): a blank value is no layer, a word is not a
     * layer size, and commas alone are empty sizes (" , " was no hidden layer here after jgrad train came to refuse it).
     */
    @Test
    void anEmptyLayersFlagIsNoHiddenLayerAsInJgradTrain() {
        assertEquals(Map.of("--layers", ""), SparkTrainMain.parse(new String[] {"--layers", ""}));
        assertEquals(Map.of("--layers", "", "--epochs", "1"), SparkTrainMain.parse(new String[] {"--layers=", "--epochs", "1"}));
        assertArrayEquals(new int[0], SparkTrainMain.hiddenSizes(""));
        assertArrayEquals(new int[0], SparkTrainMain.hiddenSizes("  "));
        var commas = assertThrows(UserMistake.class, () -> SparkTrainMain.hiddenSizes(" , "));
        assertEquals("--layers: \" , \" has an empty size; expected positive integers like 256,128, or '' for no hidden layer",
                commas.getMessage());
        assertArrayEquals(new int[] {8, 4}, SparkTrainMain.hiddenSizes(" 8, 4"));
        var e = assertThrows(UserMistake.class, () -> SparkTrainMain.hiddenSizes("8,abc"));
        assertEquals("--layers: \"abc\" is not a layer size; expected positive integers like 256,128", e.getMessage());
        var missing = assertThrows(UserMistake.class, () -> SparkTrainMain.parse(new String[] {"--layers"}));
        assertEquals("--layers needs a value", missing.getMessage());
    }

    @Test
    void aNumberThatIsNotOneNamesItsFlag() {
        var e = assertThrows(UserMistake.class,
                () -> SparkTrainMain.integer(Map.of("--local-steps", "abc"), "--local-steps", 1));
        assertEquals("--local-steps: expected an integer, got 'abc'", e.getMessage());
        e = assertThrows(UserMistake.class, () -> SparkTrainMain.integer(Map.of("--epochs", "2.5"), "--epochs", 10));
        assertEquals("--epochs: expected an integer, got '2.5'", e.getMessage());
        e = assertThrows(UserMistake.class, () -> SparkTrainMain.number(Map.of("--lr", "fast"), "--lr", 1e-3));
        assertEquals("--lr: expected a number, got 'fast'", e.getMessage());
        assertEquals(7, SparkTrainMain.integer(Map.of("--epochs", "7"), "--epochs", 10));
        assertEquals(10, SparkTrainMain.integer(Map.of(), "--epochs", 10));
        assertEquals(0.05, SparkTrainMain.number(Map.of("--lr", "0.05"), "--lr", 1e-3));
    }

    @Test
    @SuppressWarnings("unchecked")
    void writesTheSameRunDirectoryAsJgradTrain(@TempDir Path dir) throws Exception {
        StringBuilder csv = new StringBuilder("x1,x2,x3,label\n");
        for (int i = 0; i < 60; i++) {
            csv.append(i % 7).append(',').append(i % 5).append(',').append(i % 3).append(',').append(i % 2).append('\n');
        }
        Path data = dir.resolve("train.csv");
        Files.writeString(data, csv);
        Path out = dir.resolve("run");
        SparkTrainMain.main(new String[] {"--master", "local[2]", "--data", data.toString(), "--layers", "8",
            "--optimizer", "sgd", "--lr", "0.1", "--batch-size", "16", "--epochs", "2", "--seed", "3", "--out", out.toString(),
            "--partitions", "2"});
        var model = Safetensors.read(out.resolve("model.safetensors")).tensors();
        assertEquals(List.of("0.weight", "0.bias", "2.weight", "2.bias"), List.copyOf(model.keySet()));
        assertEquals(List.of(8, 3), java.util.Arrays.stream(model.get("0.weight").shape()).boxed().toList());
        assertTrue(Files.isRegularFile(out.resolve("optimizer.safetensors")));
        Map<String, Object> cfg = (Map<String, Object>) Json.read(out.resolve("config.json"));
        assertEquals("jgrad-run", cfg.get("format"));
        assertEquals(2L, ((Number) ((Map<String, Object>) cfg.get("state")).get("epochs_completed")).longValue());
        assertEquals(3L, ((Number) ((Map<String, Object>) cfg.get("model")).get("input_size")).longValue());
        assertEquals(2L, ((Number) cfg.get("num_classes")).longValue());
        assertEquals(6, ((List<Object>) ((Map<String, Object>) cfg.get("state")).get("shuffle_generator")).size());
        // as jgrad train records a CSV file's columns: jgrad predict --csv then picks them by name (it took every column)
        assertEquals(List.of("x1", "x2", "x3"), ((Map<String, Object>) cfg.get("data")).get("feature_columns"));
        List<String> metrics = Files.readAllLines(out.resolve("metrics.csv"));
        assertEquals(3, metrics.size());
        assertTrue(metrics.get(0).startsWith("epoch,train_loss,train_accuracy,val_loss,val_accuracy,lr,seconds,grad_norm:0.weight"));
        assertTrue(metrics.get(2).startsWith("2,"));
    }

    /** A CSV with its label first: --target-column and --val-data must reach config.json, or jgrad eval picks column 'c'. */
    @Test
    @SuppressWarnings("unchecked")
    void recordsTheTargetColumnAndValidationFileForJgradEval(@TempDir Path dir) throws Exception {
        StringBuilder csv = new StringBuilder("label,a,b,c\n");
        for (int i = 0; i < 40; i++) {
            csv.append(i % 2).append(',').append(i % 7).append(',').append(i % 5).append(',').append(i * 0.25).append('\n');
        }
        Path train = dir.resolve("train.csv"), val = dir.resolve("val.csv");
        Files.writeString(train, csv);
        Files.writeString(val, csv);
        Path out = dir.resolve("run");
        SparkTrainMain.main(new String[] {"--master", "local[2]", "--data", train.toString(), "--val-data", val.toString(),
            "--target-column", "label", "--layers", "4", "--batch-size", "8", "--epochs", "1", "--out", out.toString()});
        Map<String, Object> data = (Map<String, Object>) ((Map<String, Object>) Json.read(out.resolve("config.json"))).get("data");
        assertEquals("label", data.get("target_column"));
        assertEquals(val.toString(), data.get("val_data"));
        assertEquals(0.0, ((Number) data.get("val_split")).doubleValue());
    }

    /**
     * A CSV file of columns on different scales (a around 1,200, b around 0.03) and a constant one (c), its label
     * decided by a and b: what --normalize is for. {@code rows} rows from {@code first}.
     */
    private static Path scaledCsv(Path file, int first, int rows) throws java.io.IOException {
        StringBuilder csv = new StringBuilder("a,b,c,label\n");
        for (int i = first; i < first + rows; i++) {
            int a = 1000 + 37 * (i % 11), b = i % 7;
            csv.append(a).append(',').append(b * 0.01).append(",5,").append(a > 1185 == b > 3 ? 1 : 0).append('\n');
        }
        return Files.writeString(file, csv);
    }

    /**
     * {@code jgrad ARGS} (the single-machine CLI, in this JVM), asserted to exit with 0; returns its standard output.
     * The kernel thread count that train's --threads sets is put back for the tests after it.
     */
    private static String jgrad(String... args) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.PrintStream stdout = System.out;
        int threads = io.jgrad.tensor.Backends.threads(), code;
        try {
            System.setOut(new java.io.PrintStream(out, true, StandardCharsets.UTF_8));
            code = io.jgrad.cli.Main.execute(args);
        } finally {
            System.setOut(stdout);
            io.jgrad.tensor.Backends.setThreads(threads);
        }
        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, String.join(" ", args) + "\n" + text);
        return text;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> dataOf(Path run) throws java.io.IOException {
        return (Map<String, Object>) ((Map<String, Object>) Json.read(run.resolve("config.json"))).get("data");
    }

    /**
     * --normalize and --normalize columns compute, over the training file, the statistics jgrad train computes over the
     * same file, and config.json records them as jgrad train does: two numbers, or a list of one per column (the
     * constant column's std 1, as StandardScaler's). They were refused on Spark. Equal up to the order of the double
     * sums (per partition, then combined), hence 1e-12 relative, not bit for bit.
     */
    @Test
    @SuppressWarnings("unchecked")
    void normalizeComputesJgradTrainsStatisticsOverTheTrainingData(@TempDir Path dir) throws Throwable {
        Path csv = scaledCsv(dir.resolve("train.csv"), 0, 60);
        // the flag alone is all, as in jgrad train; an empty value is its mode's error, as jgrad train's --normalize=
        assertEquals(Map.of("--normalize", "all", "--epochs", "1"), SparkTrainMain.parse(new String[] {"--normalize", "--epochs", "1"}));
        assertEquals("columns", Standardization.mode(SparkTrainMain.parse(new String[] {"--normalize=Columns"}).get("--normalize")));
        var empty = assertThrows(IllegalArgumentException.class,
                () -> Standardization.mode(SparkTrainMain.parse(new String[] {"--normalize="}).get("--normalize")));
        assertEquals("--normalize must be all or columns (or the flag alone, for all), got ", empty.getMessage());
        for (String mode : List.of("all", "columns")) {
            Path spark = dir.resolve("spark-" + mode), single = dir.resolve("single-" + mode);
            SparkTrainMain.run(session(), new java.util.HashMap<>(Map.of("--data", csv.toString(), "--layers", "4",
                    "--batch-size", "8", "--epochs", "1", "--partitions", "3", "--normalize", mode, "--out", spark.toString())));
            jgrad("train", "--threads", "1", "--no-report", "--data", csv.toString(), "--layers", "4", "--epochs", "1",
                    "--normalize", mode, "--out", single.toString());
            // which eval and predict read a CSV file by (a model trained on IDX images takes it as pixels), as jgrad train
            assertEquals("csv", dataOf(spark).get("kind"));
            assertEquals(dataOf(single).get("kind"), dataOf(spark).get("kind"));
            // the target column also where it was the default, the last column, which inspect and the report show
            assertEquals(dataOf(single).get("target_column"), dataOf(spark).get("target_column"));
            for (String field : List.of("normalize_mean", "normalize_std")) {
                Object got = dataOf(spark).get(field), expected = dataOf(single).get(field);
                List<Object> g = got instanceof List<?> l ? (List<Object>) l : List.of(got);
                List<Object> e = expected instanceof List<?> l ? (List<Object>) l : List.of(expected);
                assertEquals(expected instanceof List<?>, got instanceof List<?>, mode + " " + field + ": " + got + " against " + expected);
                assertEquals(mode.equals("columns") ? 3 : 1, g.size(), mode + " " + field + ": " + got);
                assertEquals(e.size(), g.size(), mode + " " + field);
                for (int j = 0; j < g.size(); j++) {
                    double x = ((Number) g.get(j)).doubleValue(), y = ((Number) e.get(j)).doubleValue();
                    assertEquals(y, x, 1e-12 * Math.max(1, Math.abs(y)), mode + " " + field + "[" + j + "]: " + got + " against " + expected);
                }
            }
        }
        assertEquals(1.0, ((List<?>) dataOf(dir.resolve("spark-columns")).get("normalize_std")).get(2), "the constant column");
        // an IDX directory: one mean and std of all the training images' pixels (scaled to [0,1]), as jgrad train's
        String mnist = Path.of("..", "data", "mnist-10k").toAbsolutePath().normalize().toString();
        Path spark = dir.resolve("spark-idx"), single = dir.resolve("single-idx");
        String onSpark = standardErrorOf(() -> SparkTrainMain.run(session(), new java.util.HashMap<>(Map.of("--data", mnist,
                "--layers", "2", "--batch-size", "1024", "--epochs", "1", "--normalize", "all", "--out", spark.toString()))));
        String onOne = standardErrorOf(() -> jgrad("train", "--threads", "1", "--no-report", "--data", mnist, "--layers", "2",
                "--batch-size", "1024", "--epochs", "1", "--normalize", "--out", single.toString()));
        // the held-out part of an IDX directory is its t10k files, "test" in both headers
        assertTrue(rowCounts(onOne).endsWith(" test"), onOne);
        assertEquals(rowCounts(onOne), rowCounts(onSpark), onSpark);
        // jgrad train sums 6.3 million values in one double each (and takes E[x^2] - E[x]^2), which is off from the exact
        // std by 1.6e-12 relative here; Spark's two passes, sums of 4,002 rows per column and partition, by 1.5e-14
        double[] exact = exactMeanAndStd(io.jgrad.data.IdxDataset.load(Path.of(mnist), true, true).features().toFloatArray());
        assertEquals("idx", dataOf(spark).get("kind"));
        assertEquals(dataOf(single).get("kind"), dataOf(spark).get("kind"));
        assertEquals(dataOf(single).get("target_column"), dataOf(spark).get("target_column")); // none: labels are a file
        for (int k = 0; k < 2; k++) {
            String field = k == 0 ? "normalize_mean" : "normalize_std";
            double got = ((Number) dataOf(spark).get(field)).doubleValue();
            assertEquals(((Number) dataOf(single).get(field)).doubleValue(), got, 1e-11 * exact[k], field + ": jgrad train's");
            assertEquals(exact[k], got, 1e-13 * exact[k], field + ": the exact value");
        }
    }

    /** The mean and population std of {@code x}, values p/255f, exactly (a count per value, then BigDecimal sums), to double. */
    private static double[] exactMeanAndStd(float[] x) {
        long[] count = new long[256];
        for (float v : x) {
            count[Block.pixelCode(v)]++;
        }
        var mc = java.math.MathContext.DECIMAL128;
        java.math.BigDecimal sum = java.math.BigDecimal.ZERO, n = java.math.BigDecimal.valueOf(x.length);
        for (int p = 0; p < 256; p++) {
            sum = sum.add(new java.math.BigDecimal(p / 255f).multiply(java.math.BigDecimal.valueOf(count[p])));
        }
        java.math.BigDecimal mean = sum.divide(n, mc), squares = java.math.BigDecimal.ZERO;
        for (int p = 0; p < 256; p++) {
            java.math.BigDecimal d = new java.math.BigDecimal(p / 255f).subtract(mean);
            squares = squares.add(d.multiply(d).multiply(java.math.BigDecimal.valueOf(count[p])));
        }
        return new double[] {mean.doubleValue(), squares.divide(n, mc).sqrt(mc).doubleValue()};
    }

    /**
     * jgrad eval and predict of a Spark run trained with --normalize columns standardize the data as the run did:
     * eval's loss and accuracy on the validation file are the run's last validation loss and accuracy (metrics.csv),
     * and predict's classes for that file are right as often. (With config.json's 0 and 1 they saw raw values of
     * a around 1,200.) inspect and --resume read the directory too.
     */
    @Test
    void evalAndPredictOfANormalizedSparkRunStandardizeAsItDid(@TempDir Path dir) throws Exception {
        Path train = scaledCsv(dir.resolve("train.csv"), 0, 80), val = scaledCsv(dir.resolve("val.csv"), 1000, 40);
        Path run = dir.resolve("run");
        SparkTrainMain.run(session(), new java.util.HashMap<>(Map.of("--data", train.toString(), "--val-data", val.toString(),
                "--layers", "8", "--batch-size", "8", "--epochs", "2", "--lr", "0.01", "--normalize", "columns", "--out", run.toString())));
        assertEquals(3, ((List<?>) dataOf(run).get("normalize_mean")).size(), "a mean per column");
        assertEquals(true, ((Map<?, ?>) ((Map<?, ?>) Json.read(run.resolve("config.json"))).get("training")).get("report"));
        String[] last = Files.readAllLines(run.resolve("metrics.csv")).getLast().split(",");
        double valLoss = Double.parseDouble(last[3]), valAccuracy = Double.parseDouble(last[4]);
        String eval = jgrad("eval", "--model", run.toString());
        var loss = java.util.regex.Pattern.compile("(?m)^loss +([0-9.]+)").matcher(eval);
        var accuracy = java.util.regex.Pattern.compile("(?m)^accuracy +([0-9.]+)").matcher(eval);
        assertTrue(loss.find() && accuracy.find(), eval);
        assertTrue(eval.contains("40 samples"), eval);
        assertEquals(valLoss, Double.parseDouble(loss.group(1)), 2e-6, eval); // float32 sums in other batches, 6 decimals shown
        assertEquals(valAccuracy, Double.parseDouble(accuracy.group(1)), 1e-4, eval);
        Path predictions = dir.resolve("predictions.csv");
        jgrad("predict", "--model", run.toString(), "--csv", val.toString(), "--output", predictions.toString());
        List<String> labels = Files.readAllLines(val), predicted = Files.readAllLines(predictions);
        int right = 0;
        for (int i = 1; i < labels.size(); i++) {
            right += labels.get(i).substring(labels.get(i).lastIndexOf(',') + 1).equals(predicted.get(i).split(",")[1]) ? 1 : 0;
        }
        assertEquals(Math.round(valAccuracy * 40), right, String.join("\n", predicted));
        String inspect = jgrad("inspect", run.toString()); // it reads the recorded statistics, and shows them
        // the target column, recorded as jgrad train records it, in inspect's words for jgrad train's runs
        assertTrue(inspect.contains("data        " + train + ", target column 'label' (normalized: per column, 3 columns);"
                + " validation rows: --val-data "
                + val + "\n"), inspect);
        Map<String, Object> before = dataOf(run);
        jgrad("train", "--resume", run.toString(), "--epochs", "3", "--threads", "1", "--no-report");
        assertEquals(4, Files.readAllLines(run.resolve("metrics.csv")).size(), "three epochs, the last on one machine");
        assertEquals(before.get("normalize_mean"), dataOf(run).get("normalize_mean"), "--resume keeps the statistics");
        assertEquals(before.get("normalize_std"), dataOf(run).get("normalize_std"), "--resume keeps the statistics");
    }

    /** A Parquet data set is a directory: without --val-data there is no validation set, not an IDX t10k split to load. */
    @Test
    void aParquetDirectoryTrainsWithoutValidationData(@TempDir Path dir) throws Exception {
        SparkSession spark = SparkSession.builder().master("local[2]").config("spark.ui.enabled", "false").getOrCreate();
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            rows.add(RowFactory.create(new double[] {i % 7, i % 5}, i % 2));
        }
        StructType schema = new StructType().add("features", DataTypes.createArrayType(DataTypes.DoubleType))
                .add("label", DataTypes.IntegerType);
        Path parquet = dir.resolve("train.parquet");
        spark.createDataFrame(rows, schema).write().parquet(parquet.toString());
        Path out = dir.resolve("run");
        SparkTrainMain.main(new String[] {"--master", "local[2]", "--data", parquet.toString(), "--layers", "4", "--batch-size", "8",
            "--epochs", "1", "--out", out.toString()});
        assertTrue(Files.isRegularFile(out.resolve("model.safetensors")));
        // it records no columns (a features column): eval and predict tell it from an IDX run by this alone once it moves
        assertEquals("parquet", dataOf(out).get("kind"));
    }

    /** 40 rows of int, long, float and double features and a label, as the schema {@code types} (label last unless named first). */
    private static Path parquet(SparkSession spark, Path file, boolean labelFirst, org.apache.spark.sql.types.DataType... types) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            List<Object> values = new ArrayList<>(List.of(i % 7, (long) (i % 5) * 3, (i % 3) * 0.25f, i * 0.125).subList(0, types.length));
            for (int c = 0; c < types.length; c++) {
                if (types[c] == DataTypes.StringType) {
                    values.set(c, "v" + values.get(c));
                }
            }
            values.add(labelFirst ? 0 : values.size(), i % 3 == 0 ? 1 : 0);
            rows.add(RowFactory.create(values.toArray()));
        }
        StructType schema = new StructType();
        String[] names = {"a", "b", "c", "d"};
        if (labelFirst) {
            schema = schema.add("label", DataTypes.IntegerType);
        }
        for (int c = 0; c < types.length; c++) {
            schema = schema.add(names[c], types[c]);
        }
        if (!labelFirst) {
            schema = schema.add("label", DataTypes.IntegerType);
        }
        spark.createDataFrame(rows, schema).coalesce(1).write().parquet(file.toString());
        return file;
    }

    private static final org.apache.spark.sql.types.DataType[] NUMBERS = {DataTypes.IntegerType, DataTypes.LongType,
        DataTypes.FloatType, DataTypes.DoubleType};

    /**
     * Parquet without a features column is read as a CSV file is: its plain numeric columns (int, long, float, double)
     * are the features, the last one the label; the same rows as CSV train to the same weights. It was refused: "no
     * features column 'features'".
     */
    @Test
    void parquetWithNumericColumnsTrainsAsTheSameCsvDoes(@TempDir Path dir) throws Exception {
        Path pq = parquet(session(), dir.resolve("train.parquet"), false, NUMBERS);
        StringBuilder csv = new StringBuilder("a,b,c,d,label\n");
        for (int i = 0; i < 40; i++) {
            csv.append(i % 7).append(',').append((i % 5) * 3).append(',').append((i % 3) * 0.25).append(',').append(i * 0.125)
                    .append(',').append(i % 3 == 0 ? 1 : 0).append('\n');
        }
        Path csvFile = Files.writeString(dir.resolve("train.csv"), csv);
        Map<String, float[]> weights = new java.util.HashMap<>();
        for (Path data : List.of(pq, csvFile)) {
            Path out = dir.resolve("run-" + data.getFileName());
            SparkTrainMain.main(new String[] {"--master", "local[2]", "--data", data.toString(), "--layers", "4", "--batch-size", "8",
                "--epochs", "1", "--seed", "5", "--partitions", "2", "--out", out.toString()});
            var model = Safetensors.read(out.resolve("model.safetensors")).tensors();
            assertEquals(List.of(4, 4), java.util.Arrays.stream(model.get("0.weight").shape()).boxed().toList());
            for (var e : model.entrySet()) {
                float[] v = e.getValue().toFloatArray();
                float[] before = weights.putIfAbsent(e.getKey(), v);
                if (before != null) {
                    assertTrue(java.util.Arrays.equals(before, v), e.getKey() + " differs between Parquet and CSV");
                }
            }
        }
        assertEquals(4, weights.size());
    }

    /** A string column of a Parquet table is refused by its type, in one line naming it; --target-column picks the label. */
    @Test
    void parquetColumnsAreNumbersAndTheTargetColumnIsTheLabel(@TempDir Path dir) throws Exception {
        SparkSession spark = session();
        Path words = parquet(spark, dir.resolve("words.parquet"), false, DataTypes.IntegerType, DataTypes.StringType,
                DataTypes.FloatType);
        assertEquals("--data " + words + ": column 'b' holds values of type string, not numbers; the features are every column"
                + " but the label column 'label'", errorOf(spark, dir, "--data", words.toString()));
        Path nulls = dir.resolve("nulls.parquet");
        spark.createDataFrame(List.of(RowFactory.create(1, 0.5, 0), RowFactory.create(2, null, 1)), new StructType()
                .add("a", DataTypes.IntegerType).add("b", DataTypes.DoubleType).add("label", DataTypes.IntegerType))
                .coalesce(1).write().parquet(nulls.toString());
        assertEquals("--data " + nulls + ": row 2, column 'b' holds null, not a number", errorOf(spark, dir, "--data", nulls.toString()));
        Path textLabels = dir.resolve("text-labels.parquet");
        spark.createDataFrame(List.of(RowFactory.create(1, "0"), RowFactory.create(2, "1")), new StructType()
                .add("a", DataTypes.IntegerType).add("label", DataTypes.StringType)).coalesce(1).write().parquet(textLabels.toString());
        // it said "row 0 has label 0 in column 'label'; labels must be class indices 0, 1, 2, ...", of label 0 (rows of
        // Parquet, which has no lines, count from 1)
        assertEquals("--data " + textLabels + ": row 1 has label \"0\" in column 'label', a string; labels must be class indices"
                + " 0, 1, 2, ... of a numeric type", errorOf(spark, dir, "--data", textLabels.toString()));
        Path first = parquet(spark, dir.resolve("first.parquet"), true, NUMBERS);
        // by default the last column, 'd' (i * 0.125), is the label, as for CSV
        String lastIsLabel = errorOf(spark, dir, "--data", first.toString());
        assertTrue(lastIsLabel.matches("--data \\Q" + first + "\\E: row \\d+ has label \\d\\.\\d+ in column 'd'; labels must be class"
                + " indices 0, 1, 2, \\.\\.\\."), lastIsLabel);
        assertFalse(Files.exists(dir.resolve("run")), "nothing written");
        Path out = dir.resolve("named");
        SparkTrainMain.run(spark, new java.util.HashMap<>(Map.of("--data", first.toString(), "--target-column", "label",
                "--layers", "2", "--epochs", "1", "--out", out.toString())));
        assertEquals(List.of(2, 4), java.util.Arrays.stream(Safetensors.read(out.resolve("model.safetensors")).tensors()
                .get("0.weight").shape()).boxed().toList());
        DistributedDataset ds = DistributedDataset.read(spark, first.toString(), null, "label", 2);
        assertEquals(List.of("a", "b", "c", "d"), ds.featureColumns());
        assertEquals("label", ds.labelColumn());
        assertEquals(2, ds.numClasses());
        assertEquals(40, ds.size());
        ds.unpersist();
    }

    /** --val-data Parquet must have the training Parquet's columns, as CSV must. */
    @Test
    void parquetValidationDataNeedsTheTrainingColumns(@TempDir Path dir) throws Exception {
        SparkSession spark = session();
        Path train = parquet(spark, dir.resolve("train.parquet"), false, NUMBERS);
        Path fewer = parquet(spark, dir.resolve("fewer.parquet"), false, DataTypes.IntegerType, DataTypes.LongType, DataTypes.FloatType);
        assertEquals("--val-data " + fewer + ": feature columns [a, b, c] (3) differ from the training file's [a, b, c, d] (4);"
                + " validation data must have the same columns", errorOf(spark, dir, "--data", train.toString(), "--val-data",
                fewer.toString()));
        Path csv = Files.writeString(dir.resolve("val.csv"), "a,b,c,d,label\n1,3,0.25,0.5,0\n2,6,0.5,1.5,1\n");
        Path out = dir.resolve("ok");
        SparkTrainMain.run(spark, new java.util.HashMap<>(Map.of("--data", train.toString(), "--val-data", csv.toString(),
                "--layers", "2", "--epochs", "1", "--out", out.toString())));
        assertTrue(Files.isRegularFile(out.resolve("model.safetensors")), "a CSV file of the same columns validates a Parquet run");
    }

    /**
     * --patience with --restore-best on Spark, with a step decay: validated on the training rows with their labels
     * flipped, the validation loss rises as training learns, so the run stops early and ends with the weights of its
     * best epoch. The run directory records it as jgrad train's does (config.json's restored_epoch and stopping flags,
     * the tag of the rewritten checkpoint, the last epoch's optimizer state and schedule counters), and the restored
     * weights are those the best epoch's row of metrics.csv measured. jgrad train --spark refused all three flags.
     */
    @Test
    @SuppressWarnings("unchecked")
    void earlyStoppingEndsWithTheBestEpochsWeightsAsJgradTrainRecordsThem(@TempDir Path dir) throws Throwable {
        StringBuilder train = new StringBuilder("a,b,label\n"), flipped = new StringBuilder("a,b,label\n");
        for (int i = 0; i < 80; i++) {
            int a = i % 9, b = i * 7 % 11, label = a >= 4 ? 1 : 0;
            train.append(a).append(',').append(b).append(',').append(label).append('\n');
            flipped.append(a).append(',').append(b).append(',').append(1 - label).append('\n');
        }
        Path data = Files.writeString(dir.resolve("train.csv"), train), val = Files.writeString(dir.resolve("val.csv"), flipped);
        Path out = dir.resolve("run");
        String err = standardErrorOf(() -> SparkTrainMain.run(session(), Map.ofEntries(Map.entry("--data", data.toString()),
                Map.entry("--val-data", val.toString()), Map.entry("--layers", "4"), Map.entry("--optimizer", "sgd"),
                Map.entry("--lr", "0.1"), Map.entry("--batch-size", "16"), Map.entry("--epochs", "8"), Map.entry("--patience", "2"),
                Map.entry("--restore-best", ""), Map.entry("--schedule", "step:1:0.5"), Map.entry("--local-steps", "2"),
                Map.entry("--partitions", "2"), Map.entry("--out", out.toString()))));
        List<io.jgrad.train.EpochMetrics> epochs = io.jgrad.train.MetricsCsv.read(out.resolve("metrics.csv"));
        int last = epochs.size();
        int best = epochs.stream().min(java.util.Comparator.comparingDouble(io.jgrad.train.EpochMetrics::valLoss)).orElseThrow().epoch();
        for (var m : epochs) {
            assertEquals(0.1 * Math.pow(0.5, m.epoch() - 1), m.learningRate(), 1e-15, "epoch " + m.epoch() + "'s rate");
        }
        assertTrue(last < 8 && last == best + 2, "stopped 2 epochs after the best, " + best + ": " + err);
        assertTrue(err.lines().anyMatch(l -> l.equals("early stop after epoch " + last + ": validation loss did not improve for 2"
                + " epochs; restored the weights of epoch " + best + ", the best")), err);
        Map<String, Object> cfg = (Map<String, Object>) Json.read(out.resolve("config.json"));
        Map<String, Object> state = (Map<String, Object>) cfg.get("state"), training = (Map<String, Object>) cfg.get("training");
        assertEquals((long) last, state.get("epochs_completed"));
        assertEquals((long) best, state.get("restored_epoch"));
        assertEquals(2L, training.get("patience"));
        assertEquals(true, training.get("restore_best"));
        assertEquals("step:1:0.5", training.get("schedule"));
        assertEquals(null, training.get("target_loss"));
        // the local steps, which jgrad inspect shows as jgrad report does
        assertEquals(2L, ((Map<String, Object>) cfg.get("spark")).get("local_steps"));
        String inspect = jgrad("inspect", out.toString());
        assertTrue(inspect.contains("\nspark       2 partitions, local SGD (--local-steps 2: each partition takes 2 steps, then the"
                + " weights are averaged)\n"), inspect);
        // and the schedule and stopping rules, as for a run of jgrad train
        assertTrue(inspect.contains("\ntraining    sgd lr 0.1, --schedule step:1:0.5, batch 16, " + last + " of 8 epochs done (the"
                + " weights are epoch " + best + "'s, the best: --restore-best), seed 42\nstopping    --patience 2, --restore-best\n"),
                inspect);
        var model = Safetensors.read(out.resolve("model.safetensors"));
        assertEquals(last + ":0:restored" + best, model.metadata().get("checkpoint"));
        for (var e : model.tensors().entrySet()) {
            double norm = 0;
            for (float v : e.getValue().toFloatArray()) {
                norm += (double) v * v;
            }
            assertEquals(epochs.get(best - 1).weightNorms().get(e.getKey()), Math.sqrt(norm), 1e-9, e.getKey());
            assertTrue(Math.abs(epochs.get(last - 1).weightNorms().get(e.getKey()) - Math.sqrt(norm)) > 1e-6, "not the last epoch's");
        }
        var optimizer = Safetensors.read(out.resolve("optimizer.safetensors"));
        assertEquals(last + ":0:restored" + best, optimizer.metadata().get("checkpoint"));
        // the last epoch's state, the rate stepped after it, as jgrad train --resume continues it
        assertEquals(0.1 * Math.pow(0.5, last), optimizer.tensors().get("lr").item(), 1e-15);
        assertEquals(Double.toString(last), optimizer.metadata().get("scheduler.last_epoch"));
    }

    /**
     * --resume on Spark: a run of 4 epochs stopped after 2 and resumed ends with the same weights, bit for bit, as one
     * that ran through, and the same optimizer state and metrics: the weights, Adam's state, the shuffle generator, the
     * step schedule's counters, early stopping's earlier epochs and --normalize's numbers all carry over, and
     * --val-split holds out the same rows again (local SGD adds its partitions' states in partition order, and a
     * synchronous step its gradients, so nothing depends on task timing). Leaving out the shuffle generator's state,
     * the schedule's or the normalization makes the resumed run differ, and so does a seed read through a double
     * (2^53 + 1 became 2^53, and the split other rows).
     */
    @Test
    void aSparkRunResumedOnSparkEndsWithTheWeightsOfOneThatRanThrough(@TempDir Path dir) throws Throwable {
        Path data = resumeCsv(dir.resolve("train.csv"));
        Path whole = dir.resolve("whole"), parts = dir.resolve("parts");
        Map<String, String> flags = new java.util.HashMap<>(Map.of("--data", data.toString(), "--val-split", "0.3",
                "--layers", "4", "--lr", "0.05", "--batch-size", "8", "--schedule", "step:1:0.7", "--patience", "5",
                "--local-steps", "2", "--partitions", "2"));
        flags.put("--normalize", "columns");
        flags.put("--seed", "9007199254740993"); // 2^53 + 1: config.json's seed is read whole, not through a double
        flags.put("--epochs", "4");
        flags.put("--out", whole.toString());
        SparkSession spark = session();
        SparkTrainMain.run(spark, flags);
        flags.put("--epochs", "2");
        flags.put("--out", parts.toString());
        SparkTrainMain.run(spark, flags);
        String err = standardErrorOf(() -> SparkTrainMain.run(spark, Map.of("--resume", parts.toString(), "--epochs", "4")));
        assertTrue(err.contains("epoch 3:") && !err.contains("epoch 2:") && err.contains("(63 train in 2 partitions, 27 validation; normalized: per column)"), err);
        assertSameRun(whole, parts, 4);
        @SuppressWarnings("unchecked")
        Map<String, Object> recorded = (Map<String, Object>) ((Map<String, Object>) Json.read(parts.resolve("config.json"))).get("data");
        assertEquals(0.3, recorded.get("val_split"));
        assertEquals(((Map<?, ?>) Json.read(whole.resolve("config.json"))).get("data"), recorded); // --normalize's numbers too
    }

    /**
     * The run in {@code actual} ended as the one in {@code expected}, bit for bit: the weights, the optimizer's state
     * and both files' metadata, every metric of its {@code epochs} epochs but the seconds, and config.json's state.
     */
    @SuppressWarnings("unchecked")
    private static void assertSameRun(Path expected, Path actual, int epochs) throws java.io.IOException {
        for (String file : List.of("model.safetensors", "optimizer.safetensors")) {
            var want = Safetensors.read(expected.resolve(file)).tensors();
            var got = Safetensors.read(actual.resolve(file)).tensors();
            assertEquals(want.keySet(), got.keySet(), file);
            for (var e : want.entrySet()) {
                assertArrayEquals(e.getValue().toDoubleArray(), got.get(e.getKey()).toDoubleArray(), file + " " + e.getKey());
            }
            assertEquals(Safetensors.header(expected.resolve(file)).metadata(), Safetensors.header(actual.resolve(file)).metadata(), file);
        }
        List<io.jgrad.train.EpochMetrics> want = io.jgrad.train.MetricsCsv.read(expected.resolve("metrics.csv"));
        List<io.jgrad.train.EpochMetrics> got = io.jgrad.train.MetricsCsv.read(actual.resolve("metrics.csv"));
        assertEquals(epochs, got.size());
        for (int i = 0; i < epochs; i++) { // every column but the seconds
            assertEquals(want.get(i).trainLoss(), got.get(i).trainLoss(), "epoch " + (i + 1));
            assertEquals(want.get(i).trainAccuracy(), got.get(i).trainAccuracy(), "epoch " + (i + 1));
            assertEquals(want.get(i).valLoss(), got.get(i).valLoss(), "epoch " + (i + 1));
            assertEquals(want.get(i).learningRate(), got.get(i).learningRate(), "epoch " + (i + 1));
            assertEquals(want.get(i).gradNorms(), got.get(i).gradNorms(), "epoch " + (i + 1));
            assertEquals(want.get(i).weightNorms(), got.get(i).weightNorms(), "epoch " + (i + 1));
        }
        assertEquals(((Map<String, Object>) Json.read(expected.resolve("config.json"))).get("state"),
                ((Map<String, Object>) Json.read(actual.resolve("config.json"))).get("state"));
    }

    /** The 90 rows of two features and two classes that the resume tests train on. */
    private static Path resumeCsv(Path file) throws java.io.IOException {
        StringBuilder train = new StringBuilder("a,b,label\n");
        for (int i = 0; i < 90; i++) {
            train.append(i % 9).append(',').append(i * 7 % 11).append(',').append(i % 9 >= 4 ? 1 : 0).append('\n');
        }
        return Files.writeString(file, train);
    }

    /**
     * --checkpoint-every STEPS on Spark, as jgrad train's: besides each epoch's checkpoint, one every STEPS steps inside
     * an epoch (with --local-steps K, after the round in which a multiple of STEPS is reached), tagged "EPOCHS:STEP", its
     * progress in config.json's state.epoch_in_progress. A run stopped right after the checkpoint at step 6 of epoch 2
     * (by an error, where a crash would stop it) holds that checkpoint, and --resume from it ends with the weights, the
     * optimizer state and the metrics of a run that went through, bit for bit: synchronous and with local SGD. Resumed
     * on data with fewer rows (its own moved), a step past the epoch's end is named. Spark refused --checkpoint-every.
     */
    @Test
    @SuppressWarnings("unchecked")
    void aRunStoppedInsideAnEpochResumesFromItsLastCheckpoint(@TempDir Path dir) throws Throwable {
        Path data = resumeCsv(dir.resolve("train.csv"));
        SparkSession spark = session();
        for (String local : List.of("1", "2")) {
            Path whole = dir.resolve("whole" + local), parts = dir.resolve("parts" + local);
            Map<String, String> flags = new java.util.HashMap<>(Map.of("--data", data.toString(), "--val-split", "0.3",
                    "--layers", "4", "--lr", "0.05", "--batch-size", "8", "--schedule", "step:1:0.7", "--epochs", "3",
                    "--local-steps", local, "--partitions", "2"));
            flags.put("--checkpoint-every", "3");
            flags.put("--out", whole.toString());
            SparkTrainMain.run(spark, flags);
            flags.put("--out", parts.toString());
            io.jgrad.train.Callback crash = new io.jgrad.train.Callback() {
                @Override
                public void onBatchEnd(int epoch, int step, int stepsPerEpoch, double loss, int batchSize) {
                    if (epoch == 2 && step == 6) { // after the run's own callback wrote the checkpoint of step 6
                        throw new IllegalStateException("crash");
                    }
                }
            };
            assertEquals("crash", assertThrows(IllegalStateException.class, () -> SparkTrainMain.run(spark, flags, crash)).getMessage());
            Map<String, Object> cfg = (Map<String, Object>) Json.read(parts.resolve("config.json"));
            assertEquals(3L, ((Map<String, Object>) cfg.get("training")).get("checkpoint_every"), local);
            Map<String, Object> state = (Map<String, Object>) cfg.get("state");
            assertEquals(1L, state.get("epochs_completed"), local);
            Map<String, Object> progress = (Map<String, Object>) state.get("epoch_in_progress");
            assertEquals(List.of(2L, 6L, 48L), List.of(progress.get("epoch"), progress.get("step"), progress.get("seen")), local);
            for (String file : List.of("model.safetensors", "optimizer.safetensors")) {
                assertEquals("1:6", Safetensors.header(parts.resolve(file)).metadata().get("checkpoint"), local + " " + file);
            }
            assertEquals(2, Files.readAllLines(parts.resolve("metrics.csv")).size(), "a header and epoch 1");
            if (local.equals("2")) { // its data moved, and --data gives a file with fewer rows: step 6 is past its epoch's end
                Path moved = Files.move(data, dir.resolve("moved.csv")), fewer = dir.resolve("fewer.csv");
                Files.write(fewer, Files.readAllLines(moved).subList(0, 41));
                assertEquals(parts.resolve("config.json") + ": state.epoch_in_progress.step: expected the end of a round of 2 steps"
                        + " inside an epoch of 4 steps of " + fewer + ", got 6; the directory was changed by hand or by another"
                        + " program", resumeError(spark, parts, "--data", fewer.toString()));
                Files.move(moved, data);
            }
            String err = standardErrorOf(() -> SparkTrainMain.run(spark, Map.of("--resume", parts.toString())));
            assertTrue(!err.contains("epoch 1:") && err.contains("epoch 2:") && err.contains("epoch 3:"), err);
            assertSameRun(whole, parts, 3);
        }
    }

    /**
     * --no-shuffle on Spark takes the rows in the data's order every epoch, as jgrad train --no-shuffle does: the same
     * global batches, so the same weights up to the order of the float sums over partitions, and a shuffle generator
     * that is never drawn from (config.json's state.shuffle_generator is jgrad train's). A Spark run that shuffles ends
     * elsewhere. config.json records it (training.shuffle false); --resume keeps it, and refuses --no-shuffle for a run
     * that shuffles, in jgrad train --resume's words. Spark refused --no-shuffle.
     */
    @Test
    @SuppressWarnings("unchecked")
    void noShuffleTakesTheRowsInTheirOrderAsJgradTrainDoes(@TempDir Path dir) throws Throwable {
        Path data = resumeCsv(dir.resolve("train.csv"));
        Path ordered = dir.resolve("ordered"), shuffled = dir.resolve("shuffled"), single = dir.resolve("single");
        SparkSession spark = session();
        Map<String, String> flags = new java.util.HashMap<>(Map.of("--data", data.toString(), "--layers", "4",
                "--optimizer", "sgd", "--lr", "0.1", "--batch-size", "8", "--epochs", "2", "--seed", "5", "--partitions", "3",
                "--out", shuffled.toString()));
        SparkTrainMain.run(spark, flags);
        flags.put("--out", ordered.toString());
        flags.put("--no-shuffle", "");
        String onSpark = standardErrorOf(() -> SparkTrainMain.run(spark, flags));
        String onOne = standardErrorOf(() -> jgrad("train", "--threads", "1", "--no-report", "--data", data.toString(), "--layers",
                "4", "--optimizer", "sgd", "--lr", "0.1", "--batch-size", "8", "--epochs", "2", "--seed", "5", "--no-shuffle",
                "--out", single.toString()));
        // without held-out data the header says so in jgrad train's words (Spark said "90 rows in 3 partitions")
        assertEquals("90 train, no held-out data", rowCounts(onOne), onOne);
        assertEquals(rowCounts(onOne), rowCounts(onSpark), onSpark);
        var want = Safetensors.read(single.resolve("model.safetensors")).tensors();
        var got = Safetensors.read(ordered.resolve("model.safetensors")).tensors();
        var other = Safetensors.read(shuffled.resolve("model.safetensors")).tensors();
        double fromSingle = 0, fromShuffled = 0;
        for (var e : want.entrySet()) {
            double[] w = e.getValue().toDoubleArray(), g = got.get(e.getKey()).toDoubleArray(), o = other.get(e.getKey()).toDoubleArray();
            for (int i = 0; i < w.length; i++) {
                fromSingle = Math.max(fromSingle, Math.abs(w[i] - g[i]));
                fromShuffled = Math.max(fromShuffled, Math.abs(o[i] - g[i]));
            }
        }
        assertTrue(fromSingle < 1e-5, "jgrad train --no-shuffle's weights, up to the float sums: off by " + fromSingle);
        assertTrue(fromShuffled > 1e-3, "a shuffled run's weights differ: by " + fromShuffled);
        Map<String, Object> cfg = (Map<String, Object>) Json.read(ordered.resolve("config.json"));
        Map<String, Object> singleCfg = (Map<String, Object>) Json.read(single.resolve("config.json"));
        assertEquals(false, ((Map<String, Object>) cfg.get("training")).get("shuffle"));
        assertEquals(true, ((Map<String, Object>) ((Map<String, Object>) Json.read(shuffled.resolve("config.json"))).get("training")).get("shuffle"));
        assertTrue(jgrad("inspect", ordered.toString()).contains(", --no-shuffle, "), "jgrad inspect's training line");
        assertFalse(jgrad("inspect", shuffled.toString()).contains("--no-shuffle"), "jgrad inspect's training line");
        assertEquals(((Map<String, Object>) singleCfg.get("state")).get("shuffle_generator"),
                ((Map<String, Object>) cfg.get("state")).get("shuffle_generator"));
        SparkTrainMain.run(spark, Map.of("--resume", ordered.toString(), "--epochs", "3", "--no-shuffle", ""));
        Map<String, Object> resumed = (Map<String, Object>) Json.read(ordered.resolve("config.json"));
        assertEquals(false, ((Map<String, Object>) resumed.get("training")).get("shuffle"));
        assertEquals(3L, ((Map<String, Object>) resumed.get("state")).get("epochs_completed"));
        assertEquals(((Map<String, Object>) cfg.get("state")).get("shuffle_generator"),
                ((Map<String, Object>) resumed.get("state")).get("shuffle_generator"));
        assertEquals("--no-shuffle is fixed by the run in " + shuffled.resolve("config.json") + "; leave it out (the run has false,"
                + " --no-shuffle gives true)", resumeError(spark, shuffled, "--epochs", "3", "--no-shuffle", ""));
        // turning it off is a change too (it was read as left out, and the run went on in order without a word)
        assertEquals("--no-shuffle is fixed by the run in " + ordered.resolve("config.json") + "; leave it out (the run has true,"
                + " --no-shuffle gives false)", resumeError(spark, ordered, "--epochs", "4", "--no-shuffle", "false"));
    }

    /**
     * --threads N on Spark is each task's share of cores, spark.task.cpus, on which PartitionWorker runs the task's
     * kernels; --resume takes it, as jgrad train --resume does (it changes no result). Refused, in one line naming the
     * flag: not a positive integer, or more than jgrad train takes; more than a local master's cores, where no task
     * could run (Spark's own error came with a stack trace); a spark.task.cpus set to another number; and, given a
     * session started without it (this test's), any other number than that session's. It was refused as single-machine
     * only.
     */
    @Test
    void threadsAreEachTasksCoresAndRefusedWhereNoTaskCouldRun(@TempDir Path dir) throws Exception {
        assertEquals(Map.of("--threads", "2"), SparkTrainMain.parse(new String[] {"--threads", "2"}));
        assertEquals(2, SparkTrainMain.threads(Map.of("--threads", "2"), "local[2]", null));
        assertEquals(4, SparkTrainMain.threads(Map.of("--threads", "4"), "spark://host:7077", "4"));
        assertEquals(null, SparkTrainMain.threads(Map.of(), "local", "2"));
        String[][] refused = {
            {"local", null, "2", "--threads 2 gives each Spark task 2 cores (spark.task.cpus), but --spark local has 1 core, so no"
                    + " task could run; give --threads 1 or less, or a master with more cores (local[2])"},
            {"local[3,2]", null, "4", "--threads 4 gives each Spark task 4 cores (spark.task.cpus), but --spark local[3,2] has 3"
                    + " cores, so no task could run; give --threads 3 or less, or a master with more cores (local[4])"},
            {"local-cluster[2,1,1024]", null, "2", "--threads 2 gives each Spark task 2 cores (spark.task.cpus), but --spark"
                    + " local-cluster[2,1,1024] has 1 core, so no task could run; give --threads 1 or less, or a master with more"
                    + " cores (local[2])"},
            {null, "3", "2", "--threads 2 sets spark.task.cpus, which is already set to 3 (spark-submit --conf or"
                    + " -Dspark.task.cpus); give one of them"},
            {null, null, "0", "--threads must be a positive integer, got 0"},
            {null, null, "5000", "--threads must be at most 1024, got 5000"},
            {null, null, "two", "--threads: expected an integer, got 'two'"}};
        for (String[] r : refused) {
            var e = assertThrows(UserMistake.class, () -> SparkTrainMain.threads(Map.of("--threads", r[2]), r[0], r[1]));
            assertEquals(r[3], e.getMessage());
        }
        Path csv = Files.writeString(dir.resolve("train.csv"), "a,label\n1,0\n2,1\n");
        assertEquals("--threads 2: this Spark session gives each task spark.task.cpus=1, fixed when it started; give --threads 1,"
                + " or leave --threads out", errorOf(session(), dir, "--data", csv.toString(), "--threads", "2"));
    }

    /**
     * --resume takes what jgrad train --resume takes and refuses the rest in its words, before the data is read (the
     * run's files stay as they were): the network's flags, a setting that differs from the run's, no epochs left, a
     * data set that is still there, and a run that jgrad train wrote on one machine. --init starts from the given
     * weights (with a rate too small to move them, the run ends with them bit for bit), and weights of another
     * network are refused naming the file and the tensor.
     */
    @Test
    void resumeRefusesWhatJgradTrainRefusesAndInitStartsFromTheGivenWeights(@TempDir Path dir) throws Throwable {
        SparkSession spark = session();
        Path train = Files.writeString(dir.resolve("train.csv"), "a,b,label\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n");
        Path run = dir.resolve("run");
        SparkTrainMain.run(spark, Map.of("--data", train.toString(), "--out", run.toString(), "--layers", "3", "--epochs", "2",
                "--optimizer", "sgd", "--lr", "0.1"));
        Map<String, byte[]> before = new java.util.TreeMap<>();
        for (String name : List.of("config.json", "model.safetensors", "optimizer.safetensors", "metrics.csv")) {
            before.put(name, Files.readAllBytes(run.resolve(name)));
        }
        String cfg = run.resolve("config.json").toString();
        assertEquals("--layers is fixed by the run in " + cfg + "; leave it out (--resume continues with the run's own network and"
                + " weights)", resumeError(spark, run, "--layers", "3"));
        assertEquals("--lr is fixed by the run in " + cfg + "; leave it out (the run has 0.1, --lr gives 0.2)",
                resumeError(spark, run, "--lr", "0.2"));
        assertEquals("--local-steps is fixed by the run in " + cfg + "; leave it out (the run has 1, --local-steps gives 4)",
                resumeError(spark, run, "--local-steps", "4"));
        assertEquals("--normalize is fixed by the run in " + cfg + "; leave it out (the run has off, --normalize gives all)",
                resumeError(spark, run, "--normalize", "all"));
        assertEquals(run + " already has 2 epochs; give --epochs greater than 2", resumeError(spark, run));
        assertEquals(run + " already has 2 epochs; give --epochs greater than 2 (got 1)", resumeError(spark, run, "--epochs", "1"));
        Path other = Files.writeString(dir.resolve("other.csv"), "a,b,label\n1,2,0\n3,4,1\n");
        assertEquals("--data is fixed by the run in " + cfg + "; leave it out (the run's data set is " + train + ", which still"
                + " exists; --data is only for a run whose data set has moved)", resumeError(spark, run, "--data", other.toString()));
        assertEquals("--patience compares the epochs' loss on held-out data, but the run in " + run + " has no held-out data"
                + " (neither --val-split nor --val-data was given); leave --patience out",
                resumeError(spark, run, "--epochs", "3", "--patience", "2"));
        assertEquals("--val-split is fixed by the run in " + cfg + "; leave it out (the run has 0.0, --val-split gives 0.5)",
                resumeError(spark, run, "--epochs", "3", "--val-split", "0.5"));
        for (var e : before.entrySet()) {
            assertArrayEquals(e.getValue(), Files.readAllBytes(run.resolve(e.getKey())), e.getKey() + " changed");
        }
        // data moved since: in jgrad train --resume's words, naming config.json's field; Spark's own error named
        // --data, which was not given ("--data train.csv: [PATH_NOT_FOUND] Path does not exist: ... SQLSTATE: 42K03")
        Path moved = Files.createDirectory(dir.resolve("moved"));
        for (String name : before.keySet()) {
            Files.write(moved.resolve(name), name.equals("config.json")
                    ? new String(before.get(name), java.nio.charset.StandardCharsets.UTF_8)
                            .replace(train.toString(), dir.resolve("gone.csv").toString()).getBytes(java.nio.charset.StandardCharsets.UTF_8)
                    : before.get(name));
        }
        assertEquals(moved.resolve("config.json") + ": data.path " + dir.resolve("gone.csv") + ": no such file or directory; run"
                + " from the directory where the run was trained, or give --data with its new location",
                resumeError(spark, moved, "--epochs", "3"));
        // metrics.csv is part of the checkpoint, as jgrad train --resume holds: short or missing, it is refused in its
        // words before the data is read, and nothing changes; a Spark run went on without the rows
        Path cut = Files.createDirectory(dir.resolve("cut"));
        for (String name : before.keySet()) {
            Files.write(cut.resolve(name), name.equals("metrics.csv")
                    ? String.join("\n", Files.readAllLines(run.resolve(name)).subList(0, 2)).concat("\n")
                            .getBytes(java.nio.charset.StandardCharsets.UTF_8)
                    : before.get(name));
        }
        String advice = "; --resume goes on from each completed epoch's row (the run's history, and early stopping's earlier"
                + " epochs): restore the file or start a new run (--init " + cut.resolve("model.safetensors") + " starts one from"
                + " these weights)";
        assertEquals(cut.resolve("metrics.csv") + ": 1 epoch, but " + cut.resolve("config.json") + " records 2 completed" + advice,
                resumeError(spark, cut, "--epochs", "3"));
        Files.delete(cut.resolve("metrics.csv"));
        assertEquals(cut.resolve("metrics.csv") + ": no such file, but " + cut.resolve("config.json") + " records 2 completed"
                + " epochs" + advice, resumeError(spark, cut, "--epochs", "3", "--out", dir.resolve("elsewhere").toString()));
        assertFalse(Files.exists(dir.resolve("elsewhere")), "a refused resume created its --out");
        assertArrayEquals(before.get("config.json"), Files.readAllBytes(cut.resolve("config.json")), "config.json changed");
        Path single = Files.createDirectory(dir.resolve("single"));
        Files.writeString(single.resolve("config.json"), Files.readString(run.resolve("config.json"))
                .replaceAll("(?s),\\s*\"spark\"\\s*:\\s*\\{[^}]*}", ""));
        assertEquals("--resume " + single + ": the run was last written by jgrad train on one machine (" + single.resolve("config.json")
                + " has no \"spark\" section); continue it with jgrad train --resume " + single + " (without --spark)",
                resumeError(spark, single, "--epochs", "3"));

        Path init = run.resolve("model.safetensors"), started = dir.resolve("started");
        String said = standardErrorOf(() -> SparkTrainMain.run(spark, Map.of("--data", train.toString(), "--out", started.toString(),
                "--layers", "3", "--epochs", "1", "--optimizer", "sgd", "--lr", "1e-30", "--seed", "9", "--init", init.toString(),
                "--partitions", "1")));
        // was "1 partitions", then "4 rows": jgrad train's words are "4 train, no held-out data"
        assertTrue(said.contains(" on " + train + " (4 train in 1 partition, no held-out data), sgd"), said);
        // config.json records --init as jgrad train does (training.init), and only then
        assertEquals(init.toString(), ((Map<?, ?>) ((Map<?, ?>) Json.read(started.resolve("config.json"))).get("training")).get("init"));
        assertFalse(((Map<?, ?>) ((Map<?, ?>) Json.read(run.resolve("config.json"))).get("training")).containsKey("init"));
        var given = Safetensors.read(init).tensors();
        var ended = Safetensors.read(started.resolve("model.safetensors")).tensors();
        for (var e : given.entrySet()) {
            assertArrayEquals(e.getValue().toDoubleArray(), ended.get(e.getKey()).toDoubleArray(), e.getKey());
        }
        // refused before --out is created: an empty directory was left behind
        Path refused = dir.resolve("refused");
        assertEquals(init + ": tensors: does not fit the network: 0.weight: checkpoint has [3, 2], model has [5, 2]; 0.bias:"
                + " checkpoint has [3], model has [5]; 2.weight: checkpoint has [2, 3], model has [2, 5]; --init's weights were made"
                + " for another network: give the --model and --layers (and data) they were trained with, or leave out --init",
                errorOf(spark, dir, "--data", train.toString(), "--layers", "5", "--init", init.toString(), "--out", refused.toString()));
        assertFalse(Files.exists(refused), "--out of a refused --init was created");
        // weights that are not finite are refused as jgrad train refuses them (another program's file may hold one)
        Path nan = dir.resolve("nan.safetensors");
        var withNan = new java.util.LinkedHashMap<>(given);
        float[] w = withNan.get("0.weight").toFloatArray();
        w[3] = Float.POSITIVE_INFINITY; // [1, 1] of a [3, 2] weight
        withNan.put("0.weight", Tensor.of(w, withNan.get("0.weight").shape()));
        Safetensors.write(nan, withNan, Safetensors.read(init).metadata());
        assertEquals(nan + ": tensor '0.weight': element [1, 1] is Infinity; expected finite weights",
                errorOf(spark, dir, "--data", train.toString(), "--layers", "3", "--init", nan.toString(), "--out", refused.toString()));
        assertFalse(Files.exists(refused), "--out of a refused --init was created");
        assertEquals("--init " + dir + ": is a directory; expected a .safetensors file of weights",
                errorOf(spark, dir, "--data", train.toString(), "--init", dir.toString()));
        assertEquals("--init " + dir.resolve("absent.safetensors") + ": no such file",
                errorOf(spark, dir, "--data", train.toString(), "--init", dir.resolve("absent.safetensors").toString()));
        assertEquals("--val-split must be in [0, 1), got 1.0", errorOf(spark, dir, "--data", train.toString(), "--val-split", "1"));
        assertEquals("--val-split and --val-data both give validation data; use one of them",
                errorOf(spark, dir, "--data", train.toString(), "--val-split", "0.5", "--val-data", train.toString()));
        assertEquals("--val-split 0.1 leaves none of the 4 rows of " + train + " for validation; expected at least one (e.g. 0.2)",
                errorOf(spark, dir, "--data", train.toString(), "--val-split", "0.1"));
    }

    /** The one-line error of resuming {@code run} with {@code flags}. */
    private static String resumeError(SparkSession spark, Path run, String... flags) {
        return oneLineError(spark, Map.of("--resume", run.toString()), flags);
    }

    /**
     * The stopping and schedule flags are checked as jgrad train checks them, in its words and naming the flag, before
     * the data is read (here it is missing); main prints such an error as one line with exit status 2.
     */
    @Test
    void stoppingAndScheduleFlagsAreRefusedInJgradTrainsWords(@TempDir Path dir) {
        SparkSession spark = session();
        String missing = dir.resolve("absent.csv").toString();
        assertEquals("--restore-best restores the best epoch found by early stopping, so it needs --patience (e.g. --patience 3)",
                errorOf(spark, dir, "--data", missing, "--restore-best", ""));
        assertEquals("--restore-best restores the best epoch found by early stopping, so it needs --patience (e.g. --patience 3),"
                + " not --patience 0", errorOf(spark, dir, "--data", missing, "--restore-best", "", "--patience", "0"));
        assertEquals("--patience must be an integer >= 0, got -1", errorOf(spark, dir, "--data", missing, "--patience", "-1"));
        assertEquals("--patience: expected an integer, got 'x'", errorOf(spark, dir, "--data", missing, "--patience", "x"));
        assertEquals("--target-loss must be a number >= 0 (a mean training loss, e.g. 0.001), got -1.0; no loss is negative, so"
                + " the target would never be reached", errorOf(spark, dir, "--data", missing, "--target-loss", "-1"));
        assertEquals("--target-loss must be a finite number (a mean training loss, e.g. 0.001), got NaN",
                errorOf(spark, dir, "--data", missing, "--target-loss", "NaN"));
        assertEquals("--schedule bogus: unknown schedule; expected none, step:N[:gamma], exponential:gamma, cosine[:min_lr] or"
                + " plateau[:patience]", errorOf(spark, dir, "--data", missing, "--schedule", "bogus"));
        assertTrue(errorOf(spark, dir, "--data", missing, "--schedule", "step:0").startsWith("--schedule step:0: StepLR: stepSize = 0"));
        assertEquals("--patience compares the epochs' loss on held-out data, but there is no held-out data; give --val-split"
                + " (e.g. 0.2) or --val-data FILE.csv (or Parquet), or --data an IDX directory, whose t10k files are held out",
                errorOf(spark, dir, "--data", missing, "--patience", "2"));
        assertFalse(Files.exists(dir.resolve("run")), "nothing written");
        // --restore-best is a switch, as in jgrad train
        assertEquals(Map.of("--patience", "3", "--restore-best", "", "--epochs", "2"),
                SparkTrainMain.parse(new String[] {"--patience", "3", "--restore-best", "--epochs", "2"}));
        var valued = assertThrows(UserMistake.class, () -> SparkTrainMain.parse(new String[] {"--restore-best", "1"}));
        assertEquals("Unmatched argument at index 2: '1'", valued.getMessage());
    }

    /**
     * --weight-init is jgrad train's: checked by the same code, in its words, before the data is read (here it is
     * missing), and refused beside --init; a run starts from the weights jgrad train draws for the seed (its build, then
     * the scheme from the same generator), records the scheme in config.json, and --resume takes it again in another
     * spelling and refuses another. At a learning rate too small to move a float32 weight, model.safetensors holds the
     * drawn weights.
     */
    @Test
    @SuppressWarnings("unchecked")
    void weightInitIsCheckedDrawnAndRecordedAsJgradTrainDoes(@TempDir Path dir) throws Throwable {
        SparkSession spark = session();
        String missing = dir.resolve("absent.csv").toString();
        String expected = "expected default, xavier-uniform, xavier-normal, kaiming-uniform, kaiming-normal, normal:STD"
                + " (STD > 0, e.g. normal:0.01) or uniform:A (A > 0, e.g. uniform:0.05)";
        assertEquals("--weight-init normal:0: the standard deviation must be a positive number, got 0; " + expected,
                errorOf(spark, dir, "--data", missing, "--weight-init", "normal:0"));
        assertEquals("--weight-init glorot: unknown scheme 'glorot'; " + expected,
                errorOf(spark, dir, "--data", missing, "--weight-init", "glorot"));
        Path train = Files.writeString(dir.resolve("train.csv"), "a,b,label\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n");
        assertEquals("--weight-init xavier-normal and --init " + train + " both give the initial weights; use one of them"
                + " (--init loads every weight from the file, so nothing would be left to draw)",
                errorOf(spark, dir, "--data", missing, "--weight-init", "xavier-normal", "--init", train.toString()));
        assertFalse(Files.exists(dir.resolve("run")), "nothing written");

        Path run = dir.resolve("run");
        SparkTrainMain.run(spark, Map.of("--data", train.toString(), "--out", run.toString(), "--layers", "64", "--activation",
                "leaky-relu:0.2", "--epochs", "1", "--optimizer", "sgd", "--lr", "1e-30", "--seed", "9", "--weight-init",
                "kaiming-uniform"));
        var spec = io.jgrad.nn.spec.NetworkSpec.mlp(2, new int[] {64}, 2, "leaky-relu:0.2", "none");
        io.jgrad.tensor.Generator gen = new io.jgrad.tensor.Generator(9);
        var expectedNet = spec.build(gen);
        io.jgrad.nn.spec.WeightInit.parse("kaiming-uniform").apply(spec, expectedNet, gen);
        var drawn = Safetensors.read(run.resolve("model.safetensors")).tensors();
        for (var e : expectedNet.stateDict().entrySet()) {
            assertArrayEquals(e.getValue().toDoubleArray(), drawn.get(e.getKey()).toDoubleArray(), e.getKey());
        }
        Map<String, Object> training = (Map<String, Object>) ((Map<String, Object>) Json.read(run.resolve("config.json")))
                .get("training");
        assertEquals("kaiming-uniform", training.get("weight_init"));
        assertEquals("--weight-init is fixed by the run in " + run.resolve("config.json") + "; leave it out (the run has"
                + " kaiming-uniform, --weight-init gives xavier-uniform)",
                resumeError(spark, run, "--epochs", "2", "--weight-init", "xavier-uniform"));
        SparkTrainMain.run(spark, Map.of("--resume", run.toString(), "--epochs", "2", "--weight-init", "Kaiming-Uniform"));
        training = (Map<String, Object>) ((Map<String, Object>) Json.read(run.resolve("config.json"))).get("training");
        assertEquals("kaiming-uniform", training.get("weight_init"), "kept by --resume");
    }

    /** Counts are checked before the data is read (a missing path would be the error otherwise), and --epochs 0 is one. */
    @Test
    void countsThatCannotTrainAreRejectedBeforeReadingTheData(@TempDir Path dir) throws Exception {
        SparkSession spark = SparkSession.builder().master("local[2]").config("spark.ui.enabled", "false").getOrCreate();
        String missing = dir.resolve("absent.csv").toString();
        for (String[] bad : List.of(new String[] {"--epochs", "0"}, new String[] {"--batch-size", "0"},
                new String[] {"--local-steps", "0"}, new String[] {"--partitions", "0"}, new String[] {"--epochs", "-2"})) {
            Map<String, String> f = new java.util.HashMap<>(Map.of("--data", missing, "--out", dir.resolve("run").toString()));
            f.put(bad[0], bad[1]);
            var e = assertThrows(UserMistake.class, () -> SparkTrainMain.run(spark, f), String.join(" ", bad));
            assertTrue(e.getMessage().startsWith(bad[0] + " must be"), e.getMessage());
        }
        assertFalse(Files.exists(dir.resolve("run")), "nothing written");
    }

    /**
     * --momentum with an optimizer that has none was ignored in silence; as in jgrad train it is refused, before the data
     * is read, in jgrad train's words (Spark's said "..., as in jgrad train" and left out what Adam has instead).
     */
    @Test
    void momentumForAnOptimizerWithoutOneIsRefused(@TempDir Path dir) {
        String missing = dir.resolve("absent.csv").toString();
        assertEquals("--momentum 0.9: --optimizer adam has no momentum (only sgd and rmsprop take it; Adam's first-moment"
                + " decay, beta1, is fixed at 0.9)", errorOf(session(), dir, "--data", missing, "--optimizer", "adam", "--momentum", "0.9"));
        assertEquals("--momentum 1.0: --optimizer adagrad has no momentum (only sgd and rmsprop take it)",
                errorOf(session(), dir, "--data", missing, "--optimizer", "adagrad", "--momentum", "1"));
        assertTrue(errorOf(session(), dir, "--data", missing, "--optimizer", "sgd", "--momentum", "0.9").startsWith("--data " + missing),
                "sgd takes it: the error is the missing data");
    }

    private static SparkSession session() {
        return SparkSession.builder().master("local[2]").config("spark.ui.enabled", "false").getOrCreate();
    }

    /**
     * A checkpoint written as jgrad train writes one: the weights and optimizer state tagged with the epoch config.json
     * names, and a write that fails before config.json (here: metrics.csv blocked by a directory) leaves the previous
     * epoch's files as they were and nothing else. The files were replaced one by one, so a run killed between them
     * left weights of one epoch beside the config.json of the one before, which --resume took without a word.
     */
    @Test
    void aCheckpointIsCommittedByConfigJsonAlone(@TempDir Path dir) throws Exception {
        SparkSession spark = session();
        Path train = Files.writeString(dir.resolve("train.csv"), "a,b,label\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n");
        Path out = dir.resolve("run");
        // a first write that fails before config.json (blocked by a directory) leaves nothing beside the blocker
        Path blocked = Files.createDirectories(dir.resolve("blocked").resolve("config.json")).getParent();
        assertThrows(RuntimeException.class, () -> SparkTrainMain.run(spark, Map.of("--data", train.toString(), "--out",
                blocked.toString(), "--layers", "2", "--epochs", "1")));
        try (var files = Files.list(blocked)) {
            assertEquals(List.of("config.json"), files.map(f -> f.getFileName().toString()).toList());
        }
        SparkTrainMain.run(spark, Map.of("--data", train.toString(), "--out", out.toString(), "--layers", "2", "--epochs", "1"));
        for (String name : List.of("model.safetensors", "optimizer.safetensors")) {
            assertEquals("1:0", Safetensors.header(out.resolve(name)).metadata().get("checkpoint"), name);
        }
        Map<String, byte[]> before = new java.util.TreeMap<>();
        for (String name : List.of("config.json", "model.safetensors", "optimizer.safetensors")) {
            before.put(name, Files.readAllBytes(out.resolve(name)));
        }
        Files.delete(out.resolve("metrics.csv"));
        Files.createDirectory(out.resolve("metrics.csv"));
        assertThrows(RuntimeException.class, () -> SparkTrainMain.run(spark, Map.of("--data", train.toString(), "--out",
                out.toString(), "--layers", "2", "--epochs", "1", "--seed", "7")));
        for (var e : before.entrySet()) {
            assertArrayEquals(e.getValue(), Files.readAllBytes(out.resolve(e.getKey())), e.getKey() + " changed");
        }
        try (var files = Files.list(out)) {
            assertEquals(List.of("config.json", "metrics.csv", "model.safetensors", "optimizer.safetensors"),
                    files.map(f -> f.getFileName().toString()).sorted().toList());
        }
    }

    /**
     * A run into a directory whose last checkpoint stopped between its commit point and its renames (config.json
     * naming the .next files) finishes the renames first, as jgrad train does: its own first write replaced the .next
     * files before its commit point, so when it failed (here metrics.csv is blocked) config.json named weights that
     * existed nowhere.
     */
    @Test
    void aRunFinishesTheRenamesOfACheckpointStoppedAfterItsCommit(@TempDir Path dir) throws Exception {
        SparkSession spark = session();
        Path train = Files.writeString(dir.resolve("train.csv"), "a,b,label\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n");
        Path one = dir.resolve("one"), out = dir.resolve("run");
        SparkTrainMain.run(spark, Map.of("--data", train.toString(), "--out", one.toString(), "--layers", "2", "--epochs", "1"));
        SparkTrainMain.run(spark, Map.of("--data", train.toString(), "--out", out.toString(), "--layers", "2", "--epochs", "2"));
        byte[] model = Files.readAllBytes(out.resolve("model.safetensors"));
        for (String name : List.of("model.safetensors", "optimizer.safetensors")) { // stopped before the renames
            Files.move(out.resolve(name), out.resolve(name + ".next"));
            Files.copy(one.resolve(name), out.resolve(name));
        }
        Files.writeString(out.resolve(".model.safetensors.123.abc.tmp"), "a killed write's temporary file");
        Files.delete(out.resolve("metrics.csv"));
        Files.createDirectory(out.resolve("metrics.csv"));
        assertThrows(RuntimeException.class, () -> SparkTrainMain.run(spark, Map.of("--data", train.toString(), "--out",
                out.toString(), "--layers", "2", "--epochs", "1", "--seed", "7")));
        assertArrayEquals(model, Files.readAllBytes(out.resolve("model.safetensors")), "the epoch config.json names");
        assertEquals("2:0", Safetensors.header(out.resolve("optimizer.safetensors")).metadata().get("checkpoint"));
        try (var files = Files.list(out)) {
            assertEquals(List.of("config.json", "metrics.csv", "model.safetensors", "optimizer.safetensors"),
                    files.map(f -> f.getFileName().toString()).sorted().toList());
        }
    }

    /** What {@code body} writes to standard error. */
    private static String standardErrorOf(org.junit.jupiter.api.function.Executable body) throws Throwable {
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        java.io.PrintStream stderr = System.err;
        System.setErr(new java.io.PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            body.execute();
        } finally {
            System.setErr(stderr);
        }
        return err.toString(StandardCharsets.UTF_8);
    }

    /**
     * The row counts of the header line in {@code said} (jgrad train's or a Spark run's), without Spark's partitions:
     * "63 train, 27 validation", "90 train, no held-out data".
     */
    private static String rowCounts(String said) {
        var m = java.util.regex.Pattern.compile("^jgrad(?:-spark)?: .* on .* \\(([\\d,]+ train)(?: in \\d+ partitions?)?(, [^;)]+)[;)]",
                java.util.regex.Pattern.MULTILINE).matcher(said);
        assertTrue(m.find(), said);
        return m.group(1) + m.group(2);
    }

    /** Runs {@code run} on {@code flags} and returns its one-line error (failing if it succeeds or throws anything else). */
    private static String errorOf(SparkSession spark, Path dir, String... flags) {
        return oneLineError(spark, Map.of("--out", dir.resolve("run").toString(), "--layers", "2", "--epochs", "1"), flags);
    }

    /**
     * An IllegalArgumentException raised in a task is a user's mistake only as a {@link UserMistake} (a row of the data, a
     * batch's share of rows): Scala's {@code require}, a JDK method's argument check or one of jgrad's shape checks tripped
     * by a bug is an internal error, which main rethrows with the task's stack trace (exit status 1), and which
     * {@link SparkTrainMain#dataError} does not take for a data error. Any IllegalArgumentException in the cause chain was
     * printed as a mistake, exit status 2, its stack trace nowhere (the launcher's log4j2 configuration hides Spark's).
     */
    @Test
    void anIllegalArgumentExceptionInATaskIsAMistakeOnlyAsAUserMistake() {
        var rows = org.apache.spark.api.java.JavaSparkContext.fromSparkContext(session().sparkContext()).parallelize(List.of(0, 1), 2);
        Exception internal = assertThrows(Exception.class, () -> rows.foreach(i -> scala.Predef.require(i > 1)));
        Throwable required = internal;
        while (!(required instanceof IllegalArgumentException) && required.getCause() != null) {
            required = required.getCause();
        }
        assertEquals("requirement failed", required.getMessage(), "the task's own exception is in the chain");
        assertNull(SparkTrainMain.userMistake(internal), internal::toString);
        assertNull(SparkTrainMain.dataError(internal), internal::toString);
        assertNull(SparkTrainMain.userMistake(new IllegalStateException("wrapped", new IllegalArgumentException("bug"))));

        Exception mistake = assertThrows(Exception.class, () -> rows.foreach(i -> {
            if (i == 1) {
                throw new UserMistake("DistributedDataset: line 3 has label 0.5 in column 'label'");
            }
        }));
        assertEquals("DistributedDataset: line 3 has label 0.5 in column 'label'", SparkTrainMain.userMistake(mistake).getMessage());
        assertEquals("line 3 has label 0.5 in column 'label'", SparkTrainMain.dataError(mistake));
        // the driver's own refusals of flags, files and data are UserMistakes too; any other IllegalArgumentException
        // thrown on the driver is a bug's (it was printed as a mistake, one line and exit status 2)
        var flag = new UserMistake("--patience must be an integer >= 0, got -1");
        assertEquals(flag, SparkTrainMain.userMistake(flag));
        var bug = new IllegalArgumentException("Tensor.view: shape [3] does not fit 4 values");
        assertNull(SparkTrainMain.userMistake(bug));
        assertNull(SparkTrainMain.dataError(bug), "nor is it the data's");
    }

    /**
     * As {@code jgrad train --spark} runs it: a user's mistake is one line and exit status 2, and an
     * IllegalArgumentException of a bug on the driver, outside any Spark job (here: Spark SQL's analysis of the query
     * that reads --data, failed by {@link FailingAnalysis}), is an internal error with its stack trace, exit status 1. It
     * was the one line "--data FILE: ..." and exit status 2, as if the data were wrong.
     */
    @Test
    void anIllegalArgumentExceptionOfABugOnTheDriverIsAnInternalError(@TempDir Path dir) throws Exception {
        Path data = Files.writeString(dir.resolve("ok.csv"), "a,b,label\n1,2,0\n3,4,1\n");
        List<String> failing = List.of("-Dspark.sql.extensions=" + FailingAnalysis.class.getName());
        Process mistake = launcherJvm(failing, "--data", data.toString(), "--epochs", "0", "--out", dir.resolve("run").toString());
        mistake.getOutputStream().close();
        String out = new String(mistake.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(mistake.waitFor(120, TimeUnit.SECONDS));
        assertEquals(2, mistake.exitValue(), out);
        assertFalse(out.contains("\tat ") || out.contains("Exception"), out);
        assertEquals("jgrad-spark: --epochs must be a positive integer, got 0", out.lines().toList().getLast(), out);

        Process bug = launcherJvm(failing, "--data", data.toString(), "--epochs", "1", "--out", dir.resolve("run").toString());
        bug.getOutputStream().close();
        out = new String(bug.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(bug.waitFor(120, TimeUnit.SECONDS));
        assertEquals(1, bug.exitValue(), out);
        assertTrue(out.contains("java.lang.IllegalArgumentException: " + FailingAnalysis.MESSAGE), out);
        assertTrue(out.contains("\tat io.jgrad.spark.DistributedDataset."), out);
        assertFalse(out.contains("jgrad-spark: --data"), out);
        assertFalse(Files.exists(dir.resolve("run")), "nothing written");
    }

    /** spark.sql.extensions whose check of every analysed query throws as a bug of jgrad's own code on the driver would. */
    public static final class FailingAnalysis implements scala.Function1<org.apache.spark.sql.SparkSessionExtensions,
            scala.runtime.BoxedUnit> {
        static final String MESSAGE = "a bug's argument check, injected by SparkTrainMainTest";

        @Override
        public scala.runtime.BoxedUnit apply(org.apache.spark.sql.SparkSessionExtensions extensions) {
            extensions.injectCheckRule(session -> plan -> {
                throw new IllegalArgumentException(MESSAGE);
            });
            return scala.runtime.BoxedUnit.UNIT;
        }
    }

    /** The one-line error of {@code run} on the flags {@code base} with {@code flags} (flag, value, ...) put over them. */
    private static String oneLineError(SparkSession spark, Map<String, String> base, String... flags) {
        Map<String, String> f = new java.util.HashMap<>(base);
        for (int i = 0; i < flags.length; i += 2) {
            f.put(flags[i], flags[i + 1]);
        }
        var e = assertThrows(UserMistake.class, () -> SparkTrainMain.run(spark, f), String.join(" ", flags));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    /**
     * Bad data named by its flag and file in one line: an empty file and a file that is not Parquet were stack traces
     * (exit 1); a word in a numeric column blamed another row's number ("row 0, column 'b' holds 2"); a row with an
     * extra value was silently cut short.
     */
    @Test
    void badDataIsOneLineNamingTheFlagAndFile(@TempDir Path dir) throws Exception {
        SparkSession spark = session();
        Path empty = Files.writeString(dir.resolve("empty.csv"), "");
        assertEquals("--data " + empty + ": the file is empty; expected a header row naming the columns",
                errorOf(spark, dir, "--data", empty.toString()));
        Path text = Files.writeString(dir.resolve("notes.txt"), "hello\n");
        String notParquet = errorOf(spark, dir, "--data", text.toString());
        assertTrue(notParquet.startsWith("--data " + text + ": ") && notParquet.contains("is not a Parquet file"), notParquet);
        Path word = Files.writeString(dir.resolve("word.csv"), "a,b,label\n1,2,0\n3,x,1\n");
        assertEquals("--data " + word + ": column 'b' holds \"x\", not a number", errorOf(spark, dir, "--data", word.toString()));
        Path ok = Files.writeString(dir.resolve("ok.csv"), "a,b,label\n1,2,0\n3,4,1\n");
        // a name (which makes the training file's labels names) where the training labels are class indices
        Path label = Files.writeString(dir.resolve("label.csv"), "a,b,label\n1,2,0\n3,4,cat\n");
        assertEquals("--val-data " + label + ": column 'label' holds \"cat\", a class name, but the training data's labels are"
                + " class indices 0, 1, 2, ...; expected class indices",
                errorOf(spark, dir, "--data", ok.toString(), "--val-data", label.toString()));
        Path extra = Files.writeString(dir.resolve("extra.csv"), "a,b,label\n1,2,0\n3,4,1,5\n");
        String malformed = errorOf(spark, dir, "--data", ok.toString(), "--val-data", extra.toString());
        assertTrue(malformed.startsWith("--val-data " + extra + ": ") && malformed.contains("Malformed CSV record: 3,4,1,5"), malformed);
        Path negative = Files.writeString(dir.resolve("negative.csv"), "a,b,label\n1,2,0\n3,4,-1\n");
        // a CSV file's row named by its line, as jgrad train names it (the header is line 1): it said "row 1"
        assertEquals("--data " + negative + ": line 3 has label -1 in column 'label'; labels must be class indices 0, 1, 2, ...",
                errorOf(spark, dir, "--data", negative.toString()));
        // Spark's AnalysisException is the data's where it says the path is not there or holds no data files, named by
        // the flag; one about a query this code built is a bug's, exit status 1 (any was printed as the user's mistake)
        Path absent = dir.resolve("absent.csv");
        String notThere = errorOf(spark, dir, "--data", ok.toString(), "--val-data", absent.toString());
        assertTrue(notThere.startsWith("--val-data " + absent + ": [PATH_NOT_FOUND] Path does not exist"), notThere);
        Path noFiles = Files.createDirectories(dir.resolve("no-files"));
        String noData = errorOf(spark, dir, "--data", noFiles.toString());
        assertTrue(noData.startsWith("--data " + noFiles + ": [UNABLE_TO_INFER_SCHEMA] "), noData);
        var unresolved = assertThrows(org.apache.spark.sql.AnalysisException.class, () -> spark.range(1).select("absent"));
        assertNull(SparkTrainMain.userMistake(unresolved));
        assertNull(SparkTrainMain.dataError(unresolved));
        assertFalse(Files.exists(dir.resolve("run")), "nothing written");
        // such a bug: a label column whose name holds a dot or a backtick was read as Spark's column syntax ("la.bel" as
        // the field bel of a column la), and refused as the data's mistake, "[UNRESOLVED_COLUMN.WITH_SUGGESTION] ..."
        Path dotted = Files.writeString(dir.resolve("dotted.csv"), "a.b,c,la.b`el\n1,2,cat\n3,4,dog\n5,6,cat\n");
        DistributedDataset named = DistributedDataset.read(spark, dotted.toString(), null, null, 2);
        assertEquals(List.of("cat", "dog"), named.classNames());
        assertEquals("la.b`el", named.labelColumn());
        Path word2 = Files.writeString(dir.resolve("word2.csv"), "a.b,c,label\n1,2,0\nx,4,1\n");
        assertEquals("--data " + word2 + ": column 'a.b' holds \"x\", not a number", errorOf(spark, dir, "--data", word2.toString()));
    }

    /**
     * As jgrad train: a feature that is not finite in float32 and a label past the last class index jgrad accepts are
     * refused in one line naming the row and column. NaN and Infinity trained to a NaN loss with exit status 0, and a
     * label of 1e12 overflowed the class count ("MlpSpec: input and output sizes must be positive, got 2 and 0").
     */
    @Test
    void nonFiniteValuesAndLabelsPastTheLastClassAreRefused(@TempDir Path dir) throws Exception {
        SparkSession spark = session();
        for (String[] c : List.of(new String[] {"NaN", "line 3, column 'b' holds NaN, not a finite number"},
                new String[] {"-Infinity", "line 3, column 'b' holds -Infinity, not a finite number"},
                new String[] {"1e39", "line 3, column 'b' holds 1.0E39, not a finite number in float32 (beyond +-3.4e38)"})) {
            Path file = Files.writeString(dir.resolve("b" + c[0] + ".csv"), "a,b,label\n1,2,0\n3," + c[0] + ",1\n");
            assertEquals("--data " + file + ": " + c[1], errorOf(spark, dir, "--data", file.toString()));
        }
        for (String label : List.of("1.0E12", "65536")) {
            Path file = Files.writeString(dir.resolve("label" + label + ".csv"), "a,b,label\n1,2,0\n3,4," + label + "\n");
            assertEquals("--data " + file + ": line 3 has label " + label + " in column 'label'; labels must be class indices 0..65535",
                    errorOf(spark, dir, "--data", file.toString()));
        }
        Path array = dir.resolve("array.parquet");
        spark.createDataFrame(List.of(RowFactory.create(new double[] {1, 2}, 0), RowFactory.create(new double[] {3, Double.NaN}, 1)),
                new StructType().add("features", DataTypes.createArrayType(DataTypes.DoubleType)).add("label", DataTypes.IntegerType))
                .coalesce(1).write().parquet(array.toString());
        assertEquals("--data " + array + ": row 2 has a features array holding NaN, not a finite number",
                errorOf(spark, dir, "--data", array.toString()));
        assertFalse(Files.exists(dir.resolve("run")), "nothing written");
    }

    /**
     * As jgrad train: a CSV header naming a column twice (Spark also when only the case differs) or naming none is
     * refused. Spark renamed them (a0, a1; _c1), the run trained, and config.json recorded feature columns the file
     * does not have, which jgrad eval and predict then looked for.
     */
    @Test
    void csvHeaderNamesMustBeUniqueAndPresent(@TempDir Path dir) throws Exception {
        SparkSession spark = session();
        Path twice = Files.writeString(dir.resolve("twice.csv"), "a,a,label\n1,2,0\n3,4,1\n");
        assertEquals("--data " + twice + ": column name 'a' appears twice (columns 1 and 2); names must be unique",
                errorOf(spark, dir, "--data", twice.toString()));
        Path cased = Files.writeString(dir.resolve("cased.csv"), "x,A,b,a,label\n0,1,2,3,0\n4,5,6,7,1\n");
        assertEquals("--data " + cased + ": column name 'A' appears twice (columns 2 and 4); names must be unique, also ignoring"
                + " case (as Spark reads them)", errorOf(spark, dir, "--data", cased.toString()));
        // a file without a header (as df.write().csv(dir) writes): its first row was taken as the names and dropped, or,
        // with a value twice in it, refused as "column name '0' appears twice"
        Path headless = Files.writeString(dir.resolve("headless.csv"), "0,0,1\n1,2,0\n3,4,1\n");
        assertEquals("--data " + headless + ": every column name in the header (0,0,1) is a number: a file without a header"
                + " row, whose first row would be read as the names and not trained on; expected a header row naming the"
                + " columns (Spark writes one with .option(\"header\", \"true\"))", errorOf(spark, dir, "--data", headless.toString()));
        Path unnamed = Files.writeString(dir.resolve("unnamed.csv"), "a,,label\n1,2,0\n3,4,1\n");
        assertEquals("--data " + unnamed + ": the header names no column 2; every column needs a name",
                errorOf(spark, dir, "--data", unnamed.toString()));
        assertFalse(Files.exists(dir.resolve("run")), "nothing written");
    }

    /** As jgrad train: validation rows must have the training file's columns, and no class the network lacks. */
    @Test
    void validationDataNeedsTheTrainingColumnsAndClasses(@TempDir Path dir) throws Exception {
        SparkSession spark = session();
        Path train = Files.writeString(dir.resolve("train.csv"), "a,b,label\n1,2,0\n3,4,1\n5,6,0\n");
        // the same values under swapped names: read in file order they were silently fed to the wrong inputs
        Path swapped = Files.writeString(dir.resolve("swapped.csv"), "b,a,label\n2,1,0\n4,3,1\n");
        assertEquals("--val-data " + swapped + ": feature columns [b, a] (2) differ from the training file's [a, b] (2);"
                + " validation data must have the same columns", errorOf(spark, dir, "--data", train.toString(), "--val-data",
                swapped.toString()));
        Path target = Files.writeString(dir.resolve("target.csv"), "a,b,y\n2,1,0\n4,3,1\n");
        assertEquals("--val-data " + target + ": the target column is 'y' where the training file's is 'label';"
                + " validation data must have the same columns", errorOf(spark, dir, "--data", train.toString(), "--val-data",
                target.toString()));
        // label 7 used to widen the network to 8 outputs, which jgrad train refuses
        Path seven = Files.writeString(dir.resolve("seven.csv"), "a,b,label\n1,2,0\n3,4,7\n");
        assertEquals("--val-data " + seven + ": has label 7, but the training data has 2 classes (labels 0..1); a label the"
                + " network was not built for cannot be evaluated", errorOf(spark, dir, "--data", train.toString(), "--val-data",
                seven.toString()));
        assertFalse(Files.exists(dir.resolve("run")), "nothing written");
    }

    /**
     * A CSV file as Spark's DataFrameWriter writes it with its default options (a quote inside a quoted value as \",
     * a backslash as \\) is read by jgrad-spark as by jgrad train: the same class names, and the same features and
     * class for each row; so is an RFC 4180 file whose values hold backslashes. A file that reads both ways and says
     * not which, or says both, is refused by both, in the same words. Spark read the first with RFC 4180's escape and
     * called a row malformed, jgrad train found 'q' after a closing quote.
     */
    @Test
    void csvFilesWithBackslashEscapesAreReadAsJgradTrainReadsThem(@TempDir Path dir) throws Exception {
        SparkSession spark = session();
        List<String> names = List.of("Z \"q\", r", "5\"", "a3\\b", "x, a\\", "a\\\"b", "b");
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            rows.add(RowFactory.create((double) i, (double) (i % 5), names.get(i % names.size())));
        }
        Path written = dir.resolve("written");
        spark.createDataFrame(rows, new StructType().add("x", DataTypes.DoubleType).add("y", DataTypes.DoubleType)
                .add("kind", DataTypes.StringType)).coalesce(1).write().option("header", "true").csv(written.toString());
        Path part;
        try (var files = Files.list(written)) {
            part = files.filter(f -> f.toString().endsWith(".csv")).findFirst().orElseThrow();
        }
        String text = Files.readString(part);
        assertTrue(text.contains(",\"Z \\\"q\\\", r\"\n") && text.contains(",\"x, a\\\\\"\n"), text); // Spark's escapes
        Path rfc = Files.writeString(dir.resolve("rfc.csv"), "x,y,kind\n1,2,\"x, a\\\"\n3,4,\"a\\\"\"b\"\n5,6,\"\\\\srv, d\"\n7,8,b\n");
        List<List<String>> classNames = new ArrayList<>();
        for (Path file : List.of(written, rfc)) {
            io.jgrad.data.CsvDataset single = io.jgrad.data.CsvDataset.load(file == written ? part : file, null, true);
            DistributedDataset read = DistributedDataset.read(spark, file.toString(), null, null, 2);
            classNames.add(read.classNames());
            assertEquals(single.classNames(), read.classNames(), file.toString());
            assertArrayEquals(single.tensorDataset().targets().toFloatArray(), labelsInRowOrder(read), file.toString());
            float[] features = new float[read.size() * 2];
            for (Block b : read.blocks().collect()) {
                for (int j = 0; j < b.rows(); j++) {
                    System.arraycopy(b.features(), j * 2, features, b.index()[j] * 2, 2);
                }
            }
            assertArrayEquals(single.tensorDataset().features().toFloatArray(), features, file.toString());
        }
        assertEquals(List.of(List.of("5\"", "Z \"q\", r", "a3\\b", "a\\\"b", "b", "x, a\\"),
                List.of("\\\\srv, d", "a\\\"b", "b", "x, a\\")), classNames);
        // refused alike, in the same words: "x, a\\" alone is one backslash or two; line 2 reads doubled only, line 3 not;
        // text after a closing quote, with either escape (Spark read "x"y as the class name "x"y)
        for (String refused : List.of("x,kind\n1,b\n2,\"x, a\\\\\"\n", "x,kind\n1,\"Z \"\"q\"\", r\"\n2,\"Z \\\"q\\\", r\"\n",
                "x,kind\n1,b\n2,\"x\"y\n3,c\n", "x,kind\n1,\"a\\\"b\"\n\"4\"7,c\n")) {
            Path f = Files.writeString(dir.resolve("refused.csv"), refused);
            var single = assertThrows(io.jgrad.io.JgradFormatException.class, () -> io.jgrad.data.CsvDataset.load(f, null, true));
            var spread = assertThrows(UserMistake.class, () -> DistributedDataset.read(spark, f.toString(), null, null, 2));
            assertTrue(single.getMessage().startsWith(f + ": line 3: "), single.getMessage());
            assertEquals(single.getMessage().substring((f + ": ").length()), SparkTrainMain.dataError(spread));
        }
    }

    /**
     * A quoted value that goes over a line break (RFC 4180 allows it; jgrad train reads it as one value) is refused,
     * naming the file and the record's first line, and saying what is expected: Spark's reader, which takes a line as a
     * record, split the row, and the error was about a piece of it ("column 'x' holds "note"", not a number"), or, where
     * the pieces read as rows, there was none ("1,2,"a" and "3,4,b"" trained as two rows, of classes 'a' and 'b"').
     * In a header name and in a class name alike; jgrad train reads these files.
     */
    @Test
    void aQuotedValueOverALineBreakIsRefusedNamingItsLine(@TempDir Path dir) throws Exception {
        SparkSession spark = session();
        String expected = ": a quoted value goes on past the end of the line (a line break inside quotes, which RFC 4180"
                + " allows and jgrad train reads as part of the value), but jgrad train --spark reads each line as a record;"
                + " expected each record on one line, without line breaks inside quoted values (or train with jgrad train)";
        Path header = Files.writeString(dir.resolve("header.csv"), "x,\"text\nnote\",label\n1,2,0\n3,4,1\n");
        assertEquals("--data " + header + ": line 1" + expected, errorOf(spark, dir, "--data", header.toString()));
        Path name = Files.writeString(dir.resolve("name.csv"), "x,y,label\n1,2,yes\n3,4,\"n\no\"\n5,6,yes\n");
        assertEquals("--data " + name + ": line 3" + expected, errorOf(spark, dir, "--data", name.toString()));
        Path split = Files.writeString(dir.resolve("split.csv"), "x,y,label\n1,2,\"a\n3,4,b\"\n5,6,a\n7,8,b\n");
        assertEquals("--data " + split + ": line 2" + expected, errorOf(spark, dir, "--data", split.toString()));
        // jgrad train reads the value whole
        assertEquals(List.of("x", "text\nnote"), io.jgrad.data.CsvDataset.load(header, null, true).featureNames());
        assertEquals(List.of("n\no", "yes"), io.jgrad.data.CsvDataset.load(name, null, true).classNames());
        assertEquals(List.of("a", "a\n3,4,b", "b"), io.jgrad.data.CsvDataset.load(split, null, true).classNames());
        assertFalse(Files.exists(dir.resolve("run")), "nothing written");
    }

    /**
     * As jgrad train: a CSV label column of class names is numbered in sorted (code point) order, blanks around a name
     * ignored, and config.json records the names (data.class_names: eval, predict, inspect and the report show them);
     * --class-weights balanced is n / (K * n_c) over the training rows, recorded as training.class_weights (eval and
     * --resume weigh the loss by it, also --resume on Spark). Spark refused both: names with "map them first, e.g. with
     * Spark ML's StringIndexer", --class-weights as single-machine only. A Parquet string label column holds names too.
     */
    @Test
    @SuppressWarnings("unchecked")
    void classNamesAndClassWeightsAreReadAndRecordedAsJgradTrainDoes(@TempDir Path dir) throws Throwable {
        SparkSession spark = session();
        // 3 rows of 'b', 2 of 'a', 1 of 'Z "q", r': by code point Z < a < b, so classes 0, 1, 2 are Z "q", r, a, b. The
        // quoted name is read by RFC 4180, as jgrad train reads it: Spark's default escape (\) kept its doubled quotes
        Path train = Files.writeString(dir.resolve("train.csv"),
                "x,y,kind\n1,2,b\n3,4, a\n5,6,b\n7,8,\"Z \"\"q\"\", r\"\n9,10,a \n11,12,b\n");
        Path val = Files.writeString(dir.resolve("val.csv"), "x,y,kind\n1,2,a\n3,4,b\n");
        Path out = dir.resolve("run");
        String said = standardErrorOf(() -> SparkTrainMain.run(spark, Map.of("--data", train.toString(), "--val-data", val.toString(),
                "--layers", "2", "--epochs", "1", "--class-weights", "balanced", "--out", out.toString(), "--no-report", "")));
        assertTrue(said.contains("note: " + train + ": column 'kind' holds class names; classes 0..2 are 'Z \"q\", r', 'a', 'b'"
                + " (sorted), as config.json records\n"), said);
        Map<String, Object> cfg = (Map<String, Object>) Json.read(out.resolve("config.json"));
        assertEquals(3L, ((Number) cfg.get("num_classes")).longValue());
        assertEquals(List.of("Z \"q\", r", "a", "b"), ((Map<String, Object>) cfg.get("data")).get("class_names"));
        assertEquals(List.of(6 / 3.0, 6 / (3 * 2.0), 6 / (3 * 3.0)), ((Map<String, Object>) cfg.get("training")).get("class_weights"));
        String inspect = jgrad("inspect", out.toString()); // as for a jgrad train run: the weights, and the held-out rows
        assertTrue(inspect.contains(", seed 42; class weights 2.000, 1.000, 0.6667\n"), inspect);
        // --resume on Spark goes on with the run's names and weights; other weights are refused, as jgrad train --resume does
        SparkTrainMain.run(spark, Map.of("--resume", out.toString(), "--epochs", "2"));
        Map<String, Object> resumed = (Map<String, Object>) Json.read(out.resolve("config.json"));
        assertEquals(2L, ((Map<String, Object>) resumed.get("state")).get("epochs_completed"));
        assertEquals(((Map<String, Object>) cfg.get("data")).get("class_names"), ((Map<String, Object>) resumed.get("data")).get("class_names"));
        assertEquals(((Map<String, Object>) cfg.get("training")).get("class_weights"),
                ((Map<String, Object>) resumed.get("training")).get("class_weights"));
        // --no-report is recorded as jgrad train records it, and --resume keeps it (./jgrad reads it to skip the report)
        assertEquals(false, ((Map<String, Object>) cfg.get("training")).get("report"));
        assertEquals(false, ((Map<String, Object>) resumed.get("training")).get("report"));
        var changed = assertThrows(UserMistake.class, () -> SparkTrainMain.run(spark, Map.of("--resume", out.toString(),
                "--epochs", "3", "--class-weights", "1,1,1")));
        assertEquals("--class-weights is fixed by the run in " + out.resolve("config.json") + "; leave it out (the run's loss weighs"
                + " its classes [2.0, 1.0, 0.6666666666666666])", changed.getMessage());
        // each row's class, by its global index
        DistributedDataset read = DistributedDataset.read(spark, train.toString(), null, null, 2);
        assertEquals(List.of("Z \"q\", r", "a", "b"), read.classNames());
        assertArrayEquals(new float[] {2, 1, 2, 0, 1, 2}, labelsInRowOrder(read));
        DistributedDataset mapped = DistributedDataset.read(spark, val.toString(), null, null, 2, read.classNames());
        assertEquals(3, mapped.numClasses(), "the training data's classes, also where a validation file lacks some");
        assertArrayEquals(new float[] {1, 2}, labelsInRowOrder(mapped));
        Path parquet = dir.resolve("named.parquet");
        spark.createDataFrame(List.of(RowFactory.create(1.0, "dog"), RowFactory.create(2.0, "cat"), RowFactory.create(3.0, "dog")),
                new StructType().add("x", DataTypes.DoubleType).add("animal", DataTypes.StringType))
                .coalesce(1).write().parquet(parquet.toString());
        DistributedDataset animals = DistributedDataset.read(spark, parquet.toString(), null, null, 2);
        assertEquals(List.of("cat", "dog"), animals.classNames());
        assertArrayEquals(new float[] {1, 0, 1}, labelsInRowOrder(animals));
        for (DistributedDataset d : List.of(read, mapped, animals)) {
            d.unpersist();
        }
    }

    /**
     * --clip-grad-norm and --grad-norms on Spark, as jgrad train takes them (both were refused as single-machine only):
     * config.json records training.clip_grad_norm (null without), which jgrad report states among the run's facts and
     * --resume keeps, on Spark and on one machine (another value is refused in jgrad train --resume's words); --grad-norms
     * prints, after each epoch's line, each weight's gradient norm as metrics.csv records it, first layer to last, and is
     * a display only: --resume takes it, and leaves it out unless given again.
     */
    @Test
    @SuppressWarnings("unchecked")
    void clipGradNormIsRecordedAndKeptAndGradNormsArePrintedAsJgradTrainDoes(@TempDir Path dir) throws Throwable {
        SparkSession spark = session();
        Path train = scaledCsv(dir.resolve("train.csv"), 0, 40);
        Path out = dir.resolve("run");
        String said = standardErrorOf(() -> SparkTrainMain.run(spark, Map.of("--data", train.toString(), "--layers", "4,3",
                "--epochs", "1", "--clip-grad-norm", "0.5", "--grad-norms", "", "--partitions", "2", "--out", out.toString())));
        Map<String, Double> norms = io.jgrad.train.MetricsCsv.read(out.resolve("metrics.csv")).get(0).gradNorms();
        String line = String.format("  gradient norms: 0.weight %.3g, 2.weight %.3g, 4.weight %.3g", norms.get("0.weight"),
                norms.get("2.weight"), norms.get("4.weight"));
        assertTrue(said.matches("(?s).*\nepoch 1: [^\n]*\n" + java.util.regex.Pattern.quote(line) + "\n.*"), said);
        Map<String, Object> training = (Map<String, Object>) ((Map<String, Object>) Json.read(out.resolve("config.json"))).get("training");
        assertEquals(0.5, training.get("clip_grad_norm"));
        jgrad("report", out.toString());
        assertTrue(jgrad("inspect", out.toString()).contains(", --clip-grad-norm 0.5, batch "), "jgrad inspect's training line");
        assertTrue(Files.readString(out.resolve("report.html")).contains("--clip-grad-norm 0.5 (global L2 norm)"));
        assertEquals("--clip-grad-norm is fixed by the run in " + out.resolve("config.json") + "; leave it out (the run has 0.5,"
                + " --clip-grad-norm gives 1.0)", resumeError(spark, out, "--epochs", "3", "--clip-grad-norm", "1"));
        String resumed = standardErrorOf(() -> SparkTrainMain.run(spark, Map.of("--resume", out.toString(), "--epochs", "2",
                "--clip-grad-norm", "0.5")));
        assertTrue(resumed.contains("epoch 2: ") && !resumed.contains("gradient norms"), resumed);
        assertEquals(true, training.get("report"));
        resumed = standardErrorOf(() -> SparkTrainMain.run(spark, Map.of("--resume", out.toString(), "--epochs", "3", "--grad-norms", "",
                "--no-report", "")));
        assertTrue(resumed.matches("(?s).*\nepoch 3: [^\n]*\n  gradient norms: 0\\.weight .*"), resumed);
        training = (Map<String, Object>) ((Map<String, Object>) Json.read(out.resolve("config.json"))).get("training");
        assertEquals(0.5, training.get("clip_grad_norm"));
        // --resume --no-report is recorded, as jgrad train --resume records it, so that a later --resume skips the report
        // too (README): it used to be dropped with the flags the run fixes, and config.json kept "report": true
        assertEquals(false, training.get("report"));
        jgrad("train", "--resume", out.toString(), "--epochs", "4", "--no-report"); // on one machine, with the run's clipping
        training = (Map<String, Object>) ((Map<String, Object>) Json.read(out.resolve("config.json"))).get("training");
        assertEquals(0.5, training.get("clip_grad_norm"));
        assertEquals("--clip-grad-norm must be a positive number, got 0.0",
                errorOf(spark, dir, "--data", train.toString(), "--clip-grad-norm", "0"));
        Path plain = dir.resolve("plain");
        SparkTrainMain.run(spark, Map.of("--data", train.toString(), "--layers", "2", "--epochs", "1", "--out", plain.toString()));
        training = (Map<String, Object>) ((Map<String, Object>) Json.read(plain.resolve("config.json"))).get("training");
        assertTrue(training.containsKey("clip_grad_norm") && training.get("clip_grad_norm") == null, training.toString());
    }

    /**
     * A loss that overflows stops a Spark run as it stops jgrad train: the Trainer's TrainingDivergedException, at the
     * same epoch and step with synchronous steps (jgrad train prints its commandLineMessage after 'jgrad train: ', and
     * jgrad-spark after 'jgrad-spark: '), leaving the checkpoint of the epoch before, as jgrad train --no-report leaves
     * it; with --local-steps, at the first local step of a partition whose loss or gradient is not finite. Spark
     * recorded a NaN loss and trained on with NaN weights. The last row's feature, 1e36, makes the weights huge, and
     * the loss of its batch overflows in epoch 3 (step 5 of 5); with --lr 1e33 in epoch 1, and the directory the run
     * made goes, as jgrad train's. Where the directory holds epochs to report, the run writes the divergence's words
     * into the file the launcher names (-Djgrad.diverged), and 'jgrad report DIR --diverged WORDS', which the launcher
     * then runs, names the divergence as jgrad train's report does ("2 of 3 (diverged at epoch 3, step 5: ...)"), also
     * for a resumed run that diverges before its first checkpoint; the Spark run's report said "interrupted, or
     * diverged (the run directory does not record which)". Both directories record it too (config.json's
     * state.diverged, as jgrad train writes it), so that 'jgrad report DIR' says it without --diverged.
     */
    @Test
    @SuppressWarnings("unchecked")
    void aRunWhoseLossOverflowsStopsAsJgradTrainDoes(@TempDir Path dir) throws Throwable {
        SparkSession spark = session();
        StringBuilder csv = new StringBuilder("a,b,label\n");
        for (int i = 0; i < 40; i++) {
            csv.append(i == 39 ? "1e36" : Integer.toString(1000 + 37 * (i % 11))).append(',').append(i % 7).append(',')
                    .append(i % 2).append('\n');
        }
        Path data = Files.writeString(dir.resolve("big.csv"), csv);
        Path local = dir.resolve("local"), onSpark = dir.resolve("spark"), rounds = dir.resolve("rounds");
        List<String> flags = List.of("--data", data.toString(), "--layers", "", "--optimizer", "sgd", "--lr", "0.1",
                "--batch-size", "8", "--epochs", "3");
        List<String> args = new ArrayList<>(List.of("train", "--no-shuffle", "--out", local.toString()));
        args.addAll(flags);
        int[] code = new int[1];
        String said = standardErrorOf(() -> code[0] = io.jgrad.cli.Main.execute(args.toArray(String[]::new)));
        assertEquals(2, code[0], said);
        Map<String, String> f = new java.util.HashMap<>(Map.of("--partitions", "2", "--out", onSpark.toString()));
        for (int i = 0; i < flags.size(); i += 2) {
            f.put(flags.get(i), flags.get(i + 1));
        }
        f.put("--no-shuffle", "");
        Path words = Files.writeString(dir.resolve("diverged"), ""); // as the launcher makes it
        System.setProperty("jgrad.diverged", words.toString());
        try {
            var diverged = assertThrows(io.jgrad.train.TrainingDivergedException.class, () -> SparkTrainMain.run(spark, f));
            assertEquals(3, diverged.epoch());
            assertTrue(said.contains("\njgrad train: " + diverged.commandLineMessage() + "\n"), said);
            assertEquals(2L, ((Number) ((Map<String, Object>) ((Map<String, Object>) Json.read(onSpark.resolve("config.json")))
                    .get("state")).get("epochs_completed")).longValue());
            assertEquals(3, Files.readAllLines(onSpark.resolve("metrics.csv")).size(), "the header and epochs 1 and 2");
            String divergence = "epoch 3, step 5: " + diverged.what();
            assertEquals(divergence, Files.readString(words));
            String stopped = "2 of 3 (diverged at " + divergence + "; the charts of predictions use the weights of the last checkpoint)";
            assertTrue(Files.readString(local.resolve("report.html")).contains(stopped), "jgrad train's report");
            // both directories record it (config.json's state.diverged), so that a later report says it unasked
            Map<String, Object> recorded = Map.of("epoch", 3L, "step", 5L, "what", diverged.what());
            assertEquals(recorded, ((Map<String, Object>) ((Map<String, Object>) Json.read(onSpark.resolve("config.json")))
                    .get("state")).get("diverged"));
            assertEquals(recorded, ((Map<String, Object>) ((Map<String, Object>) Json.read(local.resolve("config.json")))
                    .get("state")).get("diverged"));
            assertEquals(0, io.jgrad.cli.Main.execute("report", onSpark.toString()));
            assertTrue(Files.readString(onSpark.resolve("report.html")).contains(stopped), "the Spark run's report");
            assertEquals(fileNames(local), fileNames(onSpark));
            // resumed, it diverges again in epoch 3, before a checkpoint of its own: the directory's 2 epochs are reported
            Files.writeString(words, "");
            Files.delete(onSpark.resolve("report.html"));
            io.jgrad.train.TrainingDivergedException[] thrown = new io.jgrad.train.TrainingDivergedException[1];
            String resumedSaid = standardErrorOf(() -> thrown[0] = assertThrows(io.jgrad.train.TrainingDivergedException.class,
                    () -> SparkTrainMain.run(spark, Map.of("--resume", onSpark.toString(), "--epochs", "4"))));
            var again = thrown[0];
            assertTrue(resumedSaid.contains("note: " + onSpark + " diverged at " + divergence + " when it was last trained;"
                    + " --resume goes on from its checkpoint after epoch 2 of 3"), resumedSaid);
            assertEquals(divergence, "epoch " + again.epoch() + ", step " + again.step() + ": " + again.what());
            assertEquals(divergence, Files.readString(words));
            assertEquals(recorded, ((Map<String, Object>) ((Map<String, Object>) Json.read(onSpark.resolve("config.json")))
                    .get("state")).get("diverged"), "still the directory's checkpoint, still diverged");
            // a record that contradicts the checkpoint is refused naming its field, as jgrad train --resume refuses it
            // (Spark's --resume went on, with a note of a divergence in epoch 5 after a checkpoint of epoch 2)
            Path config = onSpark.resolve("config.json");
            Files.writeString(config, Files.readString(config).replaceFirst("\"epoch\": 3,", "\"epoch\": 5,"));
            var contradicted = assertThrows(UserMistake.class,
                    () -> SparkTrainMain.run(spark, Map.of("--resume", onSpark.toString(), "--epochs", "4")));
            assertEquals(config + ": state.diverged.epoch: is 5, but epochs_completed is 2; expected the epoch after it, 3",
                    contradicted.getMessage());
            Files.writeString(words, "");
            f.put("--out", dir.resolve("early").toString());
            f.put("--lr", "1e33");
            var first = assertThrows(io.jgrad.train.TrainingDivergedException.class, () -> SparkTrainMain.run(spark, f));
            assertEquals(1, first.epoch());
            assertEquals("", Files.readString(words), "a run that diverged in its first epoch has no epochs to report");
        } finally {
            System.clearProperty("jgrad.diverged");
        }

        assertFalse(Files.exists(dir.resolve("early")), "the directory the run made, with no checkpoint in it, is left behind");

        f.put("--lr", "0.1");
        f.put("--local-steps", "2");
        f.put("--out", rounds.toString());
        var local2 = assertThrows(io.jgrad.train.TrainingDivergedException.class, () -> SparkTrainMain.run(spark, f));
        assertTrue(local2.what().matches("the (loss is (NaN|Infinity)|gradient of \\d\\.(weight|bias) is not finite)"
                + " in a local step of partition [01]"), local2.what());
        assertEquals(local2.epoch() - 1L, ((Number) ((Map<String, Object>) ((Map<String, Object>)
                Json.read(rounds.resolve("config.json"))).get("state")).get("epochs_completed")).longValue());
        for (Tensor t : Safetensors.read(rounds.resolve("model.safetensors")).tensors().values()) {
            for (float v : t.toFloatArray()) {
                assertTrue(Float.isFinite(v), "the checkpoint before the divergence holds finite weights");
            }
        }
    }

    /**
     * One jgrad train at a time in a run directory, on Spark or on one machine (RunLock): a Spark run into the --out of a
     * running one is refused in jgrad train's words (exit status 2 from main) and writes nothing there, and a jgrad
     * train into the --out of a running Spark run (started here from its callback, after its first epoch's checkpoint)
     * is refused too. Spark runs took no lock, and the two wrote over each other's checkpoints. The lock file goes with
     * the run that held it.
     */
    @Test
    void aRunIntoTheDirectoryOfARunningOneIsRefusedOnSparkAndOnOneMachine(@TempDir Path dir) throws Throwable {
        SparkSession spark = session();
        Path train = scaledCsv(dir.resolve("train.csv"), 0, 40);
        Path out = Files.createDirectories(dir.resolve("run"));
        Map<String, String> f = Map.of("--data", train.toString(), "--layers", "2", "--epochs", "2", "--out", out.toString());
        Map<String, String> unreadable = new java.util.HashMap<>(f);
        unreadable.put("--data", Files.writeString(dir.resolve("bad.csv"), "a,b,label\n1,x,0\n").toString());
        try (RunLock held = RunLock.acquire(out)) {
            var refused = assertThrows(UserMistake.class, () -> SparkTrainMain.run(spark, f));
            assertEquals("--out " + out + ": another jgrad train is writing there (it holds " + out.resolve(RunLock.FILE)
                    + "); wait for it to end, or give another --out", refused.getMessage());
            assertEquals(List.of(RunLock.FILE), fileNames(out));
            // refused before its data is read (a refused run read all of it first): data that fails when read gets the
            // refusal, not its own error
            assertEquals(refused.getMessage(), assertThrows(UserMistake.class,
                    () -> SparkTrainMain.run(spark, unreadable)).getMessage());
            assertEquals(List.of(RunLock.FILE), fileNames(out));
        }
        // unlocked, the data's error; the directories the run created (locked before the read) are removed again
        unreadable.put("--out", dir.resolve("new").resolve("run").toString());
        assertTrue(assertThrows(UserMistake.class, () -> SparkTrainMain.run(spark, unreadable)).getMessage()
                .contains("bad.csv"));
        assertFalse(Files.exists(dir.resolve("new")), "a run whose data cannot be read leaves the directories it created");
        String[] said = new String[1];
        int[] code = new int[1];
        SparkTrainMain.run(spark, f, new io.jgrad.train.Callback() {
            @Override
            public boolean onEpochEnd(io.jgrad.train.EpochMetrics m) {
                if (m.epoch() == 1) {
                    try {
                        said[0] = standardErrorOf(() -> code[0] = io.jgrad.cli.Main.execute("train", "--data", train.toString(),
                                "--layers", "2", "--epochs", "1", "--no-report", "--out", out.toString()));
                    } catch (Throwable e) {
                        throw new AssertionError(e);
                    }
                }
                return false;
            }
        });
        assertEquals(2, code[0], said[0]);
        assertTrue(said[0].contains("jgrad train: --out " + out + ": another jgrad train is writing there (it holds "
                + out.resolve(RunLock.FILE) + ")"), said[0]);
        assertEquals(List.of("config.json", "metrics.csv", "model.safetensors", "optimizer.safetensors"), fileNames(out),
                "the Spark run's files, without its lock's");
        assertEquals(3, Files.readAllLines(out.resolve("metrics.csv")).size(), "the Spark run's two epochs");
    }

    /**
     * A run whose first layer's gradients end 2 or more decades below the last's ends with jgrad train's note about
     * vanishing gradients, by the same code (GradientSpread) on the norms metrics.csv records; Spark runs said nothing.
     * Five sigmoid layers (on jgrad train's MLP of them, 4.1 decades at epoch 1).
     */
    @Test
    void vanishingGradientsAreNotedAsJgradTrainNotesThem(@TempDir Path dir) throws Throwable {
        SparkSession spark = session();
        Path train = scaledCsv(dir.resolve("train.csv"), 0, 40);
        Path out = dir.resolve("run");
        String said = standardErrorOf(() -> SparkTrainMain.run(spark, Map.of("--data", train.toString(), "--layers",
                "8,8,8,8,8", "--activation", "sigmoid", "--normalize", "all", "--epochs", "1", "--partitions", "2", "--no-report",
                "", "--out", out.toString())));
        List<String> weights = List.of("0.weight", "2.weight", "4.weight", "6.weight", "8.weight", "10.weight");
        var spread = io.jgrad.train.GradientSpread.of(io.jgrad.train.MetricsCsv.read(out.resolve("metrics.csv")), weights);
        assertTrue(spread.vanishing(), spread.toString());
        assertTrue(said.contains("\nnote: " + spread.vanishingNote(false) + "\n"), said);
    }

    private static List<String> fileNames(Path dir) throws java.io.IOException {
        try (var files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** The labels of {@code data} in the order of the rows' global indices. */
    private static float[] labelsInRowOrder(DistributedDataset data) {
        float[] labels = new float[data.size()];
        for (Block b : data.blocks().collect()) {
            for (int j = 0; j < b.rows(); j++) {
                labels[b.index()[j]] = b.labels()[j];
            }
        }
        return labels;
    }

    /**
     * As jgrad train: a validation label the training data's names lack is an error naming it and them, and so is a
     * class index where they are names; --class-weights is checked in jgrad train's words, before the data is read where
     * the count of classes is not needed.
     */
    @Test
    void unknownValidationClassesAndBadClassWeightsAreNamed(@TempDir Path dir) throws Throwable {
        SparkSession spark = session();
        Path train = Files.writeString(dir.resolve("train.csv"), "x,y,kind\n1,2,b\n3,4,a\n5,6,Z\n");
        Path dog = Files.writeString(dir.resolve("dog.csv"), "x,y,kind\n1,2,a\n3,4,dog\n");
        String refused = errorOf(spark, dir, "--data", train.toString(), "--val-data", dog.toString());
        assertEquals("--val-data " + dog + ": line 3, column 'kind': \"dog\" is not one of the 3 classes of the training data,"
                + " ['Z', 'a', 'b']", refused);
        // jgrad train says it in the same words (it named the file but not the flag), exit 2, nothing written
        int[] code = new int[1];
        String said = standardErrorOf(() -> code[0] = io.jgrad.cli.Main.execute("train", "--threads", "1", "--data",
                train.toString(), "--val-data", dog.toString(), "--layers", "2", "--epochs", "1", "--out", dir.resolve("single").toString()));
        assertEquals(2, code[0], said);
        assertEquals("jgrad train: " + refused + "\n", said);
        assertFalse(Files.exists(dir.resolve("single")), "a refused run created its --out");
        // labels that read as numbers are names too when the training data's are: "1" is no class of it
        Path one = Files.writeString(dir.resolve("one.csv"), "x,y,kind\n1,2,1\n");
        assertEquals("--val-data " + one + ": line 2, column 'kind': \"1\" is not one of the 3 classes of the training data,"
                + " ['Z', 'a', 'b']", errorOf(spark, dir, "--data", train.toString(), "--val-data", one.toString()));
        String missing = dir.resolve("absent.csv").toString();
        assertEquals("--class-weights 1,x: weight 1 is the string \"x\"; expected a finite number >= 0",
                errorOf(spark, dir, "--data", missing, "--class-weights", "1,x"));
        assertEquals("--class-weights 0,0: every weight is 0, so no sample would count; expected one above 0",
                errorOf(spark, dir, "--data", missing, "--class-weights", "0,0"));
        assertEquals("--class-weights 1,-2: weight 1 is -2.0; expected a finite number >= 0",
                errorOf(spark, dir, "--data", missing, "--class-weights", "1,-2"));
        assertEquals("--class-weights 1,2: 2 weights for the 3 classes; expected one per class, in the order 'Z', 'a', 'b'",
                errorOf(spark, dir, "--data", train.toString(), "--class-weights", "1,2"));
        Path gap = Files.writeString(dir.resolve("gap.csv"), "x,y,label\n1,2,0\n3,4,2\n");
        assertEquals("--class-weights balanced: class 1 has no training sample, so its weight n / (K * n_c) would be infinite;"
                + " give one weight per class instead, e.g. 1,1,1", errorOf(spark, dir, "--data", gap.toString(), "--class-weights",
                "balanced"));
        assertFalse(Files.exists(dir.resolve("run")), "nothing written");
    }

    /**
     * A file the user may not read is "permission denied", as jgrad train without --spark says it: a CSV file was "the
     * file is empty" (Spark reads an unreadable file as no rows), which sent the user looking at its contents.
     */
    @Test
    void unreadableDataIsPermissionDenied(@TempDir Path dir) throws Exception {
        SparkSession spark = session();
        String denied = ": permission denied; expected a file that this user may read";
        Path good = Files.writeString(dir.resolve("good.csv"), "a,b,label\n1,2,0\n3,4,1\n");
        Path secret = unreadable(dir.resolve("secret.csv"), "a,b,label\n1,2,0\n3,4,1\n");
        assertEquals("--data " + secret + denied, errorOf(spark, dir, "--data", secret.toString()));
        assertEquals("--val-data " + secret + denied, errorOf(spark, dir, "--data", good.toString(), "--val-data", secret.toString()));
        // a directory of CSV files names the one it cannot read
        Path parts = Files.createDirectories(dir.resolve("parts.csv"));
        Files.writeString(parts.resolve("part-0.csv"), "a,b,label\n1,2,0\n");
        Path part = unreadable(parts.resolve("part-1.csv"), "a,b,label\n3,4,1\n");
        assertEquals("--data " + parts + ": " + part + denied, errorOf(spark, dir, "--data", parts.toString()));
        Path parquet = unreadable(dir.resolve("secret.parquet"), "PAR1");
        assertEquals("--data " + parquet + denied, errorOf(spark, dir, "--data", parquet.toString()));
        // an IDX directory whose labels file cannot be read (read on the driver, not by Spark)
        Path idx = Files.createDirectories(dir.resolve("idx"));
        Path mnist = Path.of("..", "data", "mnist-10k").toAbsolutePath().normalize();
        for (String name : List.of("train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")) {
            Files.createSymbolicLink(idx.resolve(name), mnist.resolve(name));
        }
        Path labels = unreadable(idx.resolve("train-labels-idx1-ubyte.gz"), "");
        assertEquals("--data " + idx + ": " + labels + denied, errorOf(spark, dir, "--data", idx.toString()));
        assertFalse(Files.exists(dir.resolve("run")), "nothing written");
    }

    /** {@code file} with {@code content}, made unreadable as jgrad-cli's CliRobustnessTest makes it (also as root). */
    private static Path unreadable(Path file, String content) throws java.io.IOException {
        Files.writeString(file, content);
        try {
            Files.setPosixFilePermissions(file, java.util.Set.of());
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: try the link
        }
        if (Files.isReadable(file)) { // root reads a file whatever its permissions, but not this one
            Files.delete(file);
            Files.createSymbolicLink(file, Path.of("/proc/sys/vm/drop_caches"));
        }
        org.junit.jupiter.api.Assumptions.assumeFalse(Files.isReadable(file), "no way to make a file unreadable here");
        return file;
    }

    /** Names and settings are checked before the data is read (the missing file would be the error otherwise). */
    @Test
    void badFlagsAreNamedBeforeTheDataIsRead(@TempDir Path dir) throws Exception {
        SparkSession spark = session();
        String missing = dir.resolve("absent.csv").toString();
        assertEquals("--optimizer foo: unknown optimizer 'foo'; expected sgd, adam, adamw, rmsprop or adagrad",
                errorOf(spark, dir, "--data", missing, "--optimizer", "foo"));
        assertTrue(errorOf(spark, dir, "--data", missing, "--activation", "foo")
                .startsWith("--activation foo: unknown activation 'foo'; expected one of relu"));
        assertTrue(errorOf(spark, dir, "--data", missing, "--output-activation", "soft")
                .startsWith("--output-activation soft: unknown output activation 'soft'; expected one of none"));
        assertEquals("--layers: sizes must be positive, got 0", errorOf(spark, dir, "--data", missing, "--layers", "4,0"));
        // a trailing empty size was dropped ("8," trained one layer of 8); jgrad train refuses it too
        for (String layers : List.of("8,", "8,,4", ",5")) {
            assertEquals("--layers: \"" + layers + "\" has an empty size; expected positive integers like 256,128, or '' for no"
                    + " hidden layer", errorOf(spark, dir, "--data", missing, "--layers", layers));
        }
        assertEquals("--lr must be a positive number, got -1.0", errorOf(spark, dir, "--data", missing, "--lr", "-1"));
        // as jgrad train words it
        assertEquals("--normalize must be all or columns (or the flag alone, for all), got bogus",
                errorOf(spark, dir, "--data", missing, "--normalize", "bogus"));
        assertTrue(errorOf(spark, dir, "--data", missing, "--optimizer", "sgd", "--momentum", "-0.5").contains("momentum"));
        Path file = Files.writeString(dir.resolve("file.txt"), "x");
        assertEquals("--out " + file + ": exists and is not a directory; expected a directory for the run's files",
                errorOf(spark, dir, "--data", missing, "--out", file.toString()));
        Path model = dir.resolve("absent.json"); // jgrad-core's words, as jgrad train's
        assertEquals("--model " + model + ": no such file; expected mlp, cnn or a JSON file of layers",
                errorOf(spark, dir, "--data", missing, "--model", model.toString()));
        assertFalse(Files.exists(dir.resolve("run")), "nothing written");
    }

    /**
     * Settings out of jgrad train's ranges are refused in its words, before the data is read: --lr 0 trained nothing,
     * an infinite --momentum or --weight-decay trained an epoch and then failed writing config.json ("Json.write:
     * Infinity has no JSON form"), and the optimizers' own errors named neither the flag nor the range.
     */
    @Test
    void settingsOutOfJgradTrainsRangesAreRefusedInItsWords(@TempDir Path dir) {
        SparkSession spark = session();
        String missing = dir.resolve("absent.csv").toString();
        for (String lr : List.of("0", "-0.5", "NaN", "Infinity")) {
            assertEquals("--lr must be a positive number, got " + Double.parseDouble(lr),
                    errorOf(spark, dir, "--data", missing, "--lr", lr));
        }
        for (String flag : List.of("--momentum", "--weight-decay")) {
            for (String v : List.of("-1", "NaN", "Infinity")) {
                assertEquals(flag + " must be a number >= 0, got " + Double.parseDouble(v),
                        errorOf(spark, dir, "--data", missing, "--optimizer", "sgd", flag, v));
            }
        }
        assertEquals("--batch-size must be a positive integer, got 0", errorOf(spark, dir, "--data", missing, "--batch-size", "0"));
        assertFalse(Files.exists(dir.resolve("run")), "nothing written");
    }

    /** --optimizer's name is read as jgrad train reads it, whatever its case: 'ADAM' was an unknown optimizer. */
    @Test
    void anOptimizerNameInCapitalsIsTheOptimizer(@TempDir Path dir) {
        SparkSession spark = session();
        String missing = dir.resolve("absent.csv").toString();
        assertTrue(errorOf(spark, dir, "--data", missing, "--optimizer", "ADAM").startsWith("--data " + missing),
                "the name is known: the error is the missing data");
        assertEquals("--momentum 0.9: --optimizer adamw has no momentum (only sgd and rmsprop take it; Adam's first-moment"
                + " decay, beta1, is fixed at 0.9)",
                errorOf(spark, dir, "--data", missing, "--optimizer", "AdamW", "--momentum", "0.9"));
        assertTrue(errorOf(spark, dir, "--data", missing, "--optimizer", "SGD", "--momentum", "0.9").startsWith("--data " + missing));
        assertEquals("--optimizer Foo: unknown optimizer 'Foo'; expected sgd, adam, adamw, rmsprop or adagrad",
                errorOf(spark, dir, "--data", missing, "--optimizer", "Foo"));
    }

    /**
     * A directory with some of an IDX directory's files is one, by jgrad train's rule (IdxDataset.isIdxDirectory): one
     * without its train labels was read as Parquet, and one whose IDX file was damaged ended in a stack trace (the
     * reader's JgradFormatException was not taken for a data error); each is now one line naming the directory and the
     * file, as jgrad train names it.
     */
    @Test
    void anIdxDirectoryMissingOrDamagingAFileIsRefusedNamingIt(@TempDir Path dir) throws Exception {
        SparkSession spark = session();
        Path idx = Files.createDirectory(dir.resolve("idx"));
        Path mnist = Path.of("..", "data", "mnist-10k").toAbsolutePath().normalize();
        for (String name : List.of("train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")) {
            Files.createSymbolicLink(idx.resolve(name), mnist.resolve(name));
        }
        assertEquals("--data " + idx + ": " + idx.resolve("train-labels-idx1-ubyte") + ": file not found (nor"
                + " train-labels-idx1-ubyte.gz); an IDX data directory must contain train-images-idx3-ubyte,"
                + " train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, each optionally ending in .gz",
                errorOf(spark, dir, "--data", idx.toString()));
        Path labels = Files.write(idx.resolve("train-labels-idx1-ubyte"), new byte[] {0x78, 0x78, 0, 1});
        assertEquals("--data " + idx + ": " + labels + ": byte 0: magic number starts with 0x7878; an IDX file starts with"
                + " two zero bytes (is this an IDX file?)", errorOf(spark, dir, "--data", idx.toString()));
        assertFalse(Files.exists(dir.resolve("run")), "nothing written");
    }

    /**
     * An IDX directory's labels and test set are its own files: --target-column and --val-data are refused for it, as
     * jgrad train refuses them, before anything is read (--target-column was ignored, --val-data replaced the t10k files);
     * so is --normalize columns, in jgrad train's words: pixels share one scale.
     */
    @Test
    void anIdxDirectoryTakesNoTargetColumnNorValidationFile(@TempDir Path dir) throws Exception {
        SparkSession spark = session();
        Path idx = Files.createDirectory(dir.resolve("idx"));
        Files.write(idx.resolve("train-labels-idx1-ubyte"), new byte[0]); // never read: the flags are refused first
        assertEquals("--target-column is for CSV or Parquet training data; the labels of the IDX directory " + idx
                + " are its train-labels-idx1-ubyte and t10k-labels-idx1-ubyte files",
                errorOf(spark, dir, "--data", idx.toString(), "--target-column", "label"));
        assertEquals("--val-data is for CSV or Parquet training data; the test set of the IDX directory " + idx
                + " is its t10k files", errorOf(spark, dir, "--data", idx.toString(), "--val-data", dir.resolve("v.csv").toString()));
        assertEquals("--normalize columns standardizes each column of a CSV file, but --data " + idx + " holds images, whose"
                + " pixels share one scale; use --normalize", errorOf(spark, dir, "--data", idx.toString(), "--normalize", "columns"));
        assertEquals("--val-split is for CSV or Parquet training data; the test set of the IDX directory " + idx
                + " is its t10k files", errorOf(spark, dir, "--data", idx.toString(), "--val-split", "0.2"));
        assertFalse(Files.exists(dir.resolve("run")), "nothing written");
    }

    /**
     * A softmax output layer is noted, as jgrad train notes it, since cross-entropy applies its own; it trained without a
     * word. (Over one output, data of one class, the run is refused: {@link #labelsOfOneClassAreRefused}.)
     */
    @Test
    void aSoftmaxOutputIsNoted(@TempDir Path dir) throws Throwable {
        SparkSession spark = session();
        String missing = dir.resolve("absent.csv").toString();
        String said = standardErrorOf(() -> errorOf(spark, dir, "--data", missing, "--output-activation", "Softmax"));
        assertTrue(said.contains("note: --loss cross-entropy applies the softmax itself, to raw scores, and the network already"
                + " ends with one, so it is applied twice: learning is slower and the loss higher than they should be; leave out"
                + " --output-activation softmax (or the model file's last softmax layer)\n"), said); // jgrad train's words
        assertEquals(1, said.split("applies the softmax itself", -1).length - 1, said);
    }

    /**
     * Labels that are all 0 are one class, and a classifier of one class has nothing to learn (cross-entropy over one
     * output is 0 whatever the weights): refused, as jgrad train refuses it; it trained at loss 0 without a word (and a
     * softmax output over that one class was the only case refused).
     */
    @Test
    void labelsOfOneClassAreRefused(@TempDir Path dir) throws Throwable {
        SparkSession spark = session();
        Path zeros = Files.writeString(dir.resolve("zeros.csv"), "a,b,label\n1,2,0\n3,4,0\n");
        for (String out : new String[] {"none", "softmax"}) {
            assertEquals("--data " + zeros + ": every label is 0, so the data has one class and a classifier has nothing to"
                    + " learn (cross-entropy is 0 whatever the weights); expected labels of two or more classes, 0..K-1",
                    errorOf(spark, dir, "--data", zeros.toString(), "--output-activation", out));
            assertFalse(Files.exists(dir.resolve("run")), "nothing written");
        }
    }

    /**
     * An --out under a file is refused as jgrad train refuses it, before the data is read; it failed after reading
     * and distributing the data, with the file system's exception in the line.
     */
    @Test
    void anOutDirectoryUnderAFileIsRefusedBeforeTheDataIsRead(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("file.txt"), "x");
        assertEquals("--out " + file.resolve("run") + ": " + file + " is a file, not a directory, so the output directory cannot"
                + " be created", errorOf(session(), dir, "--data", dir.resolve("absent.csv").toString(), "--out",
                file.resolve("run").toString()));
    }

    /**
     * Labels that leave most classes up to the largest without a sample (an id or a count taken for class indices) are
     * noted, as jgrad train notes them; the run built 51 outputs for two values without a word.
     */
    @Test
    void labelsThatAreNotClassIndicesAreNoted(@TempDir Path dir) throws Throwable {
        SparkSession spark = session();
        Path sparse = Files.writeString(dir.resolve("sparse.csv"), "a,b,label\n1,2,0\n3,4,50\n5,6,0\n7,8,50\n");
        Path dense = Files.writeString(dir.resolve("dense.csv"), "a,b,label\n1,2,0\n3,4,1\n5,6,2\n7,8,1\n");
        String said = standardErrorOf(() -> {
            SparkTrainMain.run(spark, Map.of("--data", sparse.toString(), "--layers", "2", "--epochs", "1", "--out",
                    dir.resolve("run").toString()));
            SparkTrainMain.run(spark, Map.of("--data", dense.toString(), "--layers", "2", "--epochs", "1", "--out",
                    dir.resolve("run2").toString()));
        });
        assertTrue(said.contains("note: " + sparse + ": the targets take 2 different values, but class labels are counted from"
                + " 0 up to the largest, 50, so the network gets 51 outputs, 49 of them for classes no sample has; class"
                + " labels must be 0..K-1 (a numeric target needs --loss mse, which jgrad train has on one machine)\n"), said);
        assertEquals(1, said.split("note: ", -1).length - 1, "one note, not one for labels 0, 1, 2: " + said);
    }

    /** A blank path is refused as jgrad train refuses it; --data ' ' was Spark's PATH_NOT_FOUND for the working directory. */
    @Test
    void aBlankPathIsRefusedAsEmpty(@TempDir Path dir) {
        SparkSession spark = session();
        String data = dir.resolve("absent.csv").toString();
        for (String flag : List.of("--data", "--val-data", "--out")) {
            assertEquals(flag + ": the path is empty; expected a file or directory name",
                    errorOf(spark, dir, "--data", data, flag, " "));
        }
    }

    /** A weight tensor too large for one array is refused in jgrad train's words, naming --layers. */
    @Test
    void aLayerTooLargeForOneArrayNamesLayers(@TempDir Path dir) throws Exception {
        Path csv = Files.writeString(dir.resolve("d.csv"), "a,b,label\n1,2,0\n3,4,1\n");
        assertEquals("layer 2 (linear50000) would have a weight tensor of 2,500,000,000 values; one tensor holds at most"
                + " 2,147,483,639: use smaller --layers", errorOf(session(), dir, "--data", csv.toString(), "--layers", "50000,50000"));
        assertFalse(Files.exists(dir.resolve("run")), "nothing written");
    }

    /**
     * A master URL that Spark cannot parse is one line; 'foo' (and 'yarn', whose module is not on this classpath) were
     * Spark's "Could not parse Master URL" with its stack trace, logged and thrown (exit status 1).
     */
    @Test
    void aMasterUrlThatSparkCannotParseIsNamed() {
        for (String ok : List.of("local", "local[2]", "local[*]", "local[2,4]", "local[*, 3]", "local-cluster[2,1,1024]",
                "spark://host:7077")) {
            SparkTrainMain.checkMaster(ok);
        }
        for (String bad : List.of("local[x]", "local[0]", "local[2", "local2", "local-cluster[2]", "foo", "yarn", "k8s://host:443")) {
            var e = assertThrows(UserMistake.class, () -> SparkTrainMain.checkMaster(bad), bad);
            assertTrue(e.getMessage().startsWith("--spark " + bad + ": not a master URL Spark can parse; expected local,"
                    + " local[N]"), e.getMessage());
            assertEquals(!bad.startsWith("local"), e.getMessage().endsWith(" (no cluster manager on the classpath takes '" + bad
                    + "': yarn and k8s:// need spark-submit of a Spark built with them)"), e.getMessage());
        }
    }

    /**
     * A heap too small for Spark's driver (JGRAD_SPARK_JAVA_OPTS=-Xmx200m) is one line saying how to give it more,
     * exit status 2: it was Spark's INVALID_DRIVER_MEMORY, logged and thrown with its stack trace (exit 1).
     */
    @Test
    void aHeapTooSmallForSparkIsOneLine() throws Exception {
        SparkTrainMain.checkHeap(SparkTrainMain.MIN_HEAP);
        var e = assertThrows(UserMistake.class, () -> SparkTrainMain.checkHeap(SparkTrainMain.MIN_HEAP - 1));
        assertEquals("the Java heap is 449 MB, but Spark needs at least 450 MB; give it more, e.g. JGRAD_SPARK_JAVA_OPTS=-Xmx1g"
                + " (jgrad train --spark) or --driver-memory 1g (spark-submit)", e.getMessage());
        Process p = launcherJvm(List.of("-Xmx200m"), "--data", "absent.csv");
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue(), out);
        assertFalse(out.contains("\tat ") || out.contains("Exception"), out);
        assertTrue(out.lines().toList().getLast().matches("jgrad-spark: the Java heap is \\d+ MB, but Spark needs at least 450 MB; .*"), out);
    }

    /**
     * A spark:// master that nothing answers at is one line naming --spark; Spark tried for a minute, logging a stack
     * trace every 20 s, then failed with "[INTERNAL_ERROR] The Spark SQL phase analysis failed" and its stack trace.
     */
    @Test
    void aSparkMasterThatNothingAnswersAtIsNamed() throws Exception {
        int closed;
        try (var probe = new java.net.ServerSocket(0)) {
            closed = probe.getLocalPort(); // free once closed: connections are refused
        }
        var e = assertThrows(UserMistake.class, () -> SparkTrainMain.checkReachable("spark://127.0.0.1:" + closed, 2000));
        assertTrue(e.getMessage().startsWith("--spark spark://127.0.0.1:" + closed + ": cannot reach the Spark master (127.0.0.1:"
                + closed + ": "), e.getMessage());
        assertTrue(e.getMessage().endsWith("); expected the URL of a running standalone master, spark://HOST:PORT (port 7077 by"
                + " default)"), e.getMessage());
        e = assertThrows(UserMistake.class, () -> SparkTrainMain.checkReachable("spark://127.0.0.1:x", 2000));
        assertTrue(e.getMessage().contains("('x' is not a port number)"), e.getMessage());
        try (var master = new java.net.ServerSocket(0)) {
            SparkTrainMain.checkReachable("spark://127.0.0.1:" + closed + ",127.0.0.1:" + master.getLocalPort(), 2000);
        }
        SparkTrainMain.checkReachable("local[2]", 2000);
        // as jgrad train --spark runs it: one line, exit status 2, no stack trace
        Process p = launcherJvm("--spark", "spark://127.0.0.1:" + closed, "--data", "absent.csv");
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue(), out);
        assertFalse(out.contains("\tat ") || out.contains("Exception"), out);
        assertTrue(out.lines().toList().getLast().startsWith("jgrad-spark: --spark spark://127.0.0.1:" + closed + ": cannot reach"), out);
    }

    /**
     * What {@code jgrad train --spark} prints (its JVM options and log4j2.properties, in a JVM of its own): a bad row
     * found inside a task is one line and exit status 2. Spark used to log the task's exception with its stack trace
     * three times (the executor, the lost task, a second task killed while writing its shuffle), and then always
     * "ERROR TaskSetManager: Task 0 in stage 7.0 failed 1 times; aborting job" before jgrad-spark's line.
     */
    @Test
    void theLauncherPrintsABadRowAsOneLine(@TempDir Path dir) throws Exception {
        Path data = Files.writeString(dir.resolve("bad.csv"), "a,b,label\n1,2,0\n3,4,0\n5,6,0.5\n7,8,1\n");
        Process p = launcherJvm("--data", data.toString(), "--out", dir.resolve("run").toString());
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue(), out);
        assertFalse(out.contains("\tat ") || out.contains("Exception"), out);
        assertFalse(out.contains(" ERROR "), out);
        List<String> lines = out.lines().toList();
        // line 4, as jgrad train names it ("bad.csv: line 4, column 'label': \"0.5\" is not a class index; ...")
        assertEquals("jgrad-spark: --data " + data + ": line 4 has label 0.5 in column 'label'; labels must be class indices 0, 1, 2, ...",
                lines.getLast(), out);
    }

    /** What {@code jgrad train --spark} prints for a --class-weights that does not fit the data: one line, exit status 2. */
    @Test
    void theLauncherNamesClassWeightsThatDoNotFitTheData(@TempDir Path dir) throws Exception {
        Path data = Files.writeString(dir.resolve("named.csv"), "a,b,kind\n1,2,cat\n3,4,dog\n5,6,emu\n");
        Process p = launcherJvm("--data", data.toString(), "--class-weights", "1,4", "--out", dir.resolve("run").toString());
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue(), out);
        assertFalse(out.contains("\tat ") || out.contains("Exception"), out);
        assertEquals("jgrad-spark: --class-weights 1,4: 2 weights for the 3 classes; expected one per class, in the order"
                + " 'cat', 'dog', 'emu'", out.lines().toList().getLast(), out);
        assertFalse(Files.exists(dir.resolve("run")), "nothing written");
    }

    /**
     * A SIGTERM (or Ctrl-C, which ./jgrad passes on as one) stops Spark's context under the run: the driver's failed
     * round is no stack trace, the epoch being written finishes, and the last line says which epoch the directory
     * holds, which its config.json and metrics.csv agree with. Before, the round's IllegalStateException ("SparkContext
     * has been shutdown") came out with its stack trace and nothing said what was left.
     */
    @Test
    void aTerminatedRunSaysWhichEpochItsDirectoryHolds(@TempDir Path dir) throws Exception {
        StringBuilder csv = new StringBuilder("a,b,c,label\n");
        var random = new java.util.Random(1);
        for (int i = 0; i < 4000; i++) {
            int label = random.nextInt(3);
            csv.append(random.nextGaussian() + label).append(',').append(random.nextGaussian()).append(',')
                    .append(random.nextGaussian() - label).append(',').append(label).append('\n');
        }
        Path data = Files.writeString(dir.resolve("data.csv"), csv);
        Path run = dir.resolve("run");
        Process p = launcherJvm("--data", data.toString(), "--epochs", "1000", "--batch-size", "16", "--out", run.toString());
        // SIGTERM (Process.destroy would also close the stream read here)
        List<String> lines = linesStoppedAtEpoch2(p, q -> q.toHandle().destroy());
        String out = String.join("\n", lines);
        assertEquals(143, p.exitValue(), out);
        assertFalse(out.contains("\tat ") || out.contains("Exception"), out);
        var m = java.util.regex.Pattern.compile("jgrad-spark: stopped; " + java.util.regex.Pattern.quote(run.toString())
                + " holds the run after epoch (\\d+) of 1000 \\('jgrad train --resume " + java.util.regex.Pattern.quote(run.toString())
                + "' continues it on one machine, 'jgrad train --spark MASTER --resume " + java.util.regex.Pattern.quote(run.toString())
                + "' on Spark\\)").matcher(lines.getLast());
        assertTrue(m.matches(), out);
        long epoch = Long.parseLong(m.group(1));
        assertTrue(epoch >= 2, out);
        @SuppressWarnings("unchecked")
        Map<String, Object> state = (Map<String, Object>) ((Map<String, Object>) Json.read(run.resolve("config.json"))).get("state");
        assertEquals(epoch, state.get("epochs_completed"), out);
        assertEquals(epoch + 1, Files.readAllLines(run.resolve("metrics.csv")).size(), out); // a header and a row per epoch
    }

    /**
     * The stop message offers 'jgrad train --resume' on one machine only where jgrad train can read the data there: for
     * a Parquet run it did too, and the resume then failed on the data. --resume with --spark continues any run.
     */
    @Test
    void theStopMessageOffersResumeOnlyForDataJgradTrainReads() {
        Path run = Path.of("runs", "x");
        assertEquals("jgrad-spark: stopped; runs/x holds the run after epoch 2 of 5 ('jgrad train --resume runs/x' continues it"
                + " on one machine, 'jgrad train --spark MASTER --resume runs/x' on Spark)", Interruption.message(run, 2, 0, 5, true, null));
        assertEquals("jgrad-spark: stopped; runs/x holds the run at step 6 of epoch 3 of 5 ('jgrad train --resume runs/x' continues"
                + " it on one machine, 'jgrad train --spark MASTER --resume runs/x' on Spark)", Interruption.message(run, 2, 6, 5, true, null));
        assertEquals("jgrad-spark: stopped; runs/x holds the run after epoch 2 of 5 ('jgrad train --spark MASTER --resume runs/x'"
                + " continues it on Spark; its data is Parquet or a directory of CSV files, which jgrad train does not read on one"
                + " machine)", Interruption.message(run, 2, 0, 5, false, null));
        assertEquals("jgrad-spark: stopped before the first epoch ended; nothing was written to runs/x",
                Interruption.message(run, -1, 0, 5, false, null));
    }

    /**
     * Stopped after the run diverged (while config.json records where), the message says where it diverged and that
     * --resume with the run's settings will most likely diverge there again, in jgrad train's words (Divergence.stopped):
     * it said only "stopped; DIR holds the run after epoch 2 of 5 (... continues it ...)", as for a run that had not
     * diverged, and the run stops before it ends with the divergence.
     */
    @Test
    void theStopMessageOfADivergedRunSaysWhereItDiverged() {
        Path run = Path.of("runs", "x");
        io.jgrad.train.Divergence d = new io.jgrad.train.Divergence(3, 5, "the loss is NaN");
        assertEquals("jgrad-spark: stopped after the run diverged at epoch 3, step 5: the loss is NaN; runs/x holds the"
                + " checkpoint after epoch 2 of 5, before the divergence: 'jgrad train --spark MASTER --resume runs/x' (or"
                + " 'jgrad train --resume runs/x' on one machine) goes on from it with the run's own settings, which will most"
                + " likely diverge there again; for a smaller --lr or --clip-grad-norm MAX, start a new run from its weights:"
                + " --init runs/x/model.safetensors", Interruption.message(run, 2, 0, 5, true, d));
        assertEquals("jgrad-spark: stopped after the run diverged at epoch 3, step 5: the loss is NaN; runs/x holds the"
                + " checkpoint at step 6 of epoch 3 of 5, before the divergence: 'jgrad train --spark MASTER --resume runs/x'"
                + " goes on from it with the run's own settings, which will most likely diverge there again; for a smaller --lr"
                + " or --clip-grad-norm MAX, start a new run from its weights: --init runs/x/model.safetensors",
                Interruption.message(run, 2, 6, 5, false, d));
        assertEquals("jgrad-spark: stopped after the run diverged at epoch 3, step 5: the loss is NaN, before the first epoch"
                + " ended; nothing was written to runs/x", Interruption.message(run, -1, 0, 5, false, d));
    }

    /** A run is resumable on one machine when jgrad train reads its --data and its --val-data (the latter was not checked). */
    @Test
    void aRunIsResumableWhenJgradTrainReadsAllItsData(@TempDir Path dir) throws Exception {
        String csv = Files.writeString(dir.resolve("train.csv"), "a,label\n1,0\n").toString();
        String parquet = Files.createDirectory(dir.resolve("val.parquet")).toString();
        String mnist = Path.of("..", "data", "mnist-10k").toAbsolutePath().normalize().toString();
        assertTrue(SparkTrainMain.resumable(csv, null));
        assertTrue(SparkTrainMain.resumable(mnist, null));
        assertTrue(SparkTrainMain.resumable(csv, csv));
        assertFalse(SparkTrainMain.resumable(parquet, null));
        assertFalse(SparkTrainMain.resumable(csv, parquet));
    }

    /**
     * A round whose task closure holds more than Spark's 1000 KiB (here 1.4 MB of weights, 3 times that with Adam's
     * state) logged "Broadcasting large task binary" once per round: by design, so the launcher's log4j2.properties
     * filters out that one DAGScheduler warning.
     */
    @Test
    void theLauncherDoesNotWarnOfTheWeightsInEveryRound(@TempDir Path dir) throws Exception {
        StringBuilder csv = new StringBuilder("a,b,label\n");
        for (int i = 0; i < 64; i++) {
            csv.append(i % 7).append(',').append(i % 5).append(',').append(i % 2).append('\n');
        }
        Path data = Files.writeString(dir.resolve("data.csv"), csv);
        Process p = launcherJvm("--data", data.toString(), "--layers", "600,600", "--epochs", "2", "--batch-size", "8",
                "--local-steps", "2", "--out", dir.resolve("run").toString());
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("epoch 2:"), out);
        // with --local-steps 2 the overhead is measured per round of two steps, and said so
        assertTrue(out.lines().anyMatch(l -> l.startsWith("epoch 2:") && l.matches(".* \\(\\d+\\.\\d{2} ms/round overhead\\)")), out);
        assertFalse(out.contains("Broadcasting large task binary"), out);
    }

    /**
     * An IDX directory's held-out part is its t10k test split: the epoch lines say "test loss" as the result line
     * does and as jgrad train's lines do (they said "val loss"), with jgrad train's loss format.
     */
    @Test
    void anIdxRunCallsItsHeldOutPartTheTestSet(@TempDir Path dir) throws Exception {
        Path mnist = Path.of("..", "data", "mnist-10k").toAbsolutePath().normalize();
        Process p = launcherJvm("--data", mnist.toString(), "--layers", "8", "--epochs", "1", "--batch-size", "256",
                "--out", dir.resolve("run").toString());
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.lines().anyMatch(l -> l.matches("epoch 1: train loss \\d+\\.\\d{4}, accuracy 0\\.\\d{4}, test loss \\d+\\.\\d{4},"
                + " accuracy 0\\.\\d{4}, .* \\(\\d+\\.\\d{2} ms/step overhead\\)")), out);
        assertTrue(out.lines().anyMatch(l -> l.matches("test loss \\d+\\.\\d{4}, accuracy \\d+\\.\\d{2}% on 1,996 samples")), out);
        assertFalse(out.contains("val loss"), out);
    }

    /**
     * What {@code jgrad train --spark local[2] --threads 2 --checkpoint-every 5} does in a JVM of its own: each task gets
     * 2 cores, and the header says its kernels' threads; killed with SIGKILL (no shutdown hook runs) after its second
     * epoch, at whatever point of its checkpoints' writes, it leaves a directory from which --resume ends with the
     * weights, optimizer state and metrics of a run that was not killed, bit for bit. (The network is too small for the
     * kernels to split their work over threads, so the thread counts change no bit either.)
     */
    @Test
    void aKilledRunResumesFromItsLastCheckpointToTheEndOfOneThatWasNot(@TempDir Path dir) throws Throwable {
        Path data = resumeCsv(dir.resolve("train.csv"));
        Path run = dir.resolve("run"), whole = dir.resolve("whole");
        Process p = launcherJvm("--data", data.toString(), "--layers", "4", "--batch-size", "8", "--epochs", "6",
                "--checkpoint-every", "5", "--threads", "2", "--out", run.toString());
        // SIGKILL, through the handle: Process.destroyForcibly would also close the stream read here
        List<String> lines = linesStoppedAtEpoch2(p, q -> q.toHandle().destroyForcibly());
        String out = String.join("\n", lines);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("jgrad-spark: ") && l.endsWith(", local steps 1, 2 threads per task")), out);
        assertTrue(out.contains("epoch 2:"), out);
        SparkSession spark = session();
        SparkTrainMain.run(spark, Map.of("--data", data.toString(), "--layers", "4", "--batch-size", "8", "--epochs", "6",
                "--checkpoint-every", "5", "--partitions", "2", "--out", whole.toString()));
        @SuppressWarnings("unchecked")
        Map<String, Object> state = (Map<String, Object>) ((Map<String, Object>) Json.read(run.resolve("config.json"))).get("state");
        if (!state.get("epochs_completed").equals(6L)) { // a run faster than this reader may have ended before the kill
            SparkTrainMain.run(spark, Map.of("--resume", run.toString()));
        }
        assertSameRun(whole, run, 6);
    }

    /**
     * What the launcher JVM p prints until it ends, stopped by {@code stop} (a signal) as soon as it prints its
     * "epoch 2:" line; asserts that it ends within a minute.
     */
    private static List<String> linesStoppedAtEpoch2(Process p, java.util.function.Consumer<Process> stop)
            throws java.io.IOException, InterruptedException {
        p.getOutputStream().close();
        var reader = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        List<String> lines = new ArrayList<>();
        boolean stopped = false;
        for (String line; (line = reader.readLine()) != null; ) {
            lines.add(line);
            if (!stopped && line.startsWith("epoch 2:")) {
                stop.accept(p);
                stopped = true;
            }
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return lines;
    }

    /**
     * SparkTrainMain in a JVM of its own, as {@code jgrad train --spark local[2] --partitions 2 ARGS} starts it (its JVM
     * options and log4j2.properties), standard error merged into standard output.
     */
    private static Process launcherJvm(String... args) throws java.io.IOException {
        return launcherJvm(List.of(), args);
    }

    /** As {@link #launcherJvm(String...)}, with {@code jvmOptions} after the launcher's (JGRAD_SPARK_JAVA_OPTS). */
    private static Process launcherJvm(List<String> jvmOptions, String... args) throws java.io.IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(List.of(System.getProperty("spark.jvm.options", "").trim().split("\\s+")));
        command.addAll(List.of("-Dlog4j2.configurationFile=" + Path.of("src/launcher/log4j2.properties").toAbsolutePath(),
                "-XX:+UseSerialGC", "-Xmx512m"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                "io.jgrad.spark.SparkTrainMain", "--spark", "local[2]", "--partitions", "2"));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }
}
