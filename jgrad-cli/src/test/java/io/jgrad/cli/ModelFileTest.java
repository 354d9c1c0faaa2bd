package io.jgrad.cli;

import static org.junit.jupiter.api.Assertions.*;

import io.jgrad.io.Json;
import io.jgrad.io.Safetensors;
import io.jgrad.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code jgrad train --model FILE.json}: any Sequential of the supported layers, and one clear error per mistake. */
class ModelFileTest {
    @TempDir
    static Path tmp;
    static Path data;

    @BeforeAll
    static void data() throws Exception {
        data = IdxFiles.write(tmp.resolve("data8"), 64, 16, 8, 3);
    }

    private static Cli train(String json, String... extra) throws Exception {
        Path file = Files.createTempDirectory(tmp, "m").resolve("model.json");
        Files.writeString(file, json);
        List<String> args = new java.util.ArrayList<>(List.of("train", "--model", file.toString(), "--data", data.toString(),
                "--epochs", "1", "--batch-size", "16", "--threads", "1", "--no-report", "--out", file.resolveSibling("run").toString()));
        args.addAll(List.of(extra));
        return Cli.run(args.toArray(new String[0]));
    }

    @Test
    @SuppressWarnings("unchecked")
    void buildsTheListedLayersWithInputSizesInferred() throws Exception {
        Cli c = train("""
                {"layers": [
                  {"type": "conv2d", "out_channels": 4, "kernel_size": 3, "padding": 1},
                  {"type": "batchnorm2d"}, {"type": "relu"}, {"type": "maxpool2d", "kernel_size": 2},
                  {"type": "dropout2d", "p": 0.1}, {"type": "flatten"},
                  {"type": "linear", "out_features": 16}, {"type": "batchnorm1d"}, {"type": "leaky_relu", "negative_slope": 0.1},
                  {"type": "dropout", "p": 0.2}, {"type": "linear", "out_features": 10}
                ]}""");
        assertEquals(0, c.exitCode(), c.err());
        Path run = Path.of(c.out().lines().filter(l -> l.startsWith("wrote ")).findFirst().orElseThrow().split(" ")[1]);
        Map<String, Object> model = (Map<String, Object>) ((Map<String, Object>) Json.parse(Files.readString(run.resolve("config.json"))))
                .get("model");
        List<Map<String, Object>> layers = (List<Map<String, Object>>) model.get("layers");
        assertEquals(List.of(1L, 8L, 8L), model.get("input_shape"));
        assertEquals(1L, layers.get(0).get("in_channels"));
        assertEquals(4L, layers.get(1).get("num_features"));
        assertEquals(4L * 4 * 4, layers.get(6).get("in_features"));
        assertEquals(16L, layers.get(7).get("num_features"));
        assertEquals("leakyrelu", layers.get(8).get("type"));
        assertEquals(0.1, layers.get(8).get("negative_slope"));
        Map<String, Tensor> w = Safetensors.read(run.resolve("model.safetensors")).tensors();
        assertArrayEquals(new int[] {4, 1, 3, 3}, w.get("0.weight").shape());
        assertArrayEquals(new int[] {4}, w.get("1.running_var").shape());
        assertArrayEquals(new int[] {16, 64}, w.get("6.weight").shape());
        assertEquals(4.0, w.get("7.num_batches_tracked").item(), "one epoch of 64 samples in batches of 16");
        assertArrayEquals(new int[] {10, 16}, w.get("10.weight").shape());
        Cli inspect = Cli.run("inspect", run.toString());
        assertEquals(0, inspect.exitCode(), inspect.err());
        assertTrue(inspect.out().contains("[N, 4, 4, 4]") && inspect.out().contains("[N, 64]"), inspect.out());
        assertEquals(0, Cli.run("eval", "--model", run.toString()).exitCode());
    }

    /** A model file saved with a UTF-8 byte-order mark (as Notepad writes it) was refused: "unexpected character U+FEFF". */
    @Test
    void aModelFileMayStartWithAByteOrderMark() throws Exception {
        Cli c = train("\uFEFF{\"layers\": [{\"type\": \"flatten\"}, {\"type\": \"linear\", \"out_features\": 10}]}");
        assertEquals(0, c.exitCode(), c.err());
    }

    @Test
    void aNetworkWithoutSpatialLayersTakesFlattenedImages() throws Exception {
        Cli c = train("{\"layers\": [{\"type\": \"linear\", \"out_features\": 10}, {\"type\": \"log_softmax\"}]}", "--loss", "cross-entropy");
        assertEquals(0, c.exitCode(), c.err());
        assertTrue(c.err().contains("64 linear10-logsoftmax on"), c.err());
    }

    /**
     * softmax/logsoftmax dim and flatten start_dim had to be positive, so PyTorch's "dim": -1 was refused. A negative one
     * counts back from the last dimension of the batched input [N, ...], as in PyTorch (nn.Flatten(-2) of [N, 4, 6, 6]
     * is [N, 4, 36]); config.json keeps the value as given.
     */
    @Test
    @SuppressWarnings("unchecked")
    void negativeDimsCountFromTheLastAsInPyTorch() throws Exception {
        Cli c = train("""
                {"layers": [
                  {"type": "conv2d", "out_channels": 4, "kernel_size": 3}, {"type": "softmax", "dim": -3},
                  {"type": "flatten", "start_dim": -2}, {"type": "flatten", "start_dim": -2},
                  {"type": "linear", "out_features": 10}, {"type": "log_softmax", "dim": -1}
                ]}""", "--loss", "cross-entropy");
        assertEquals(0, c.exitCode(), c.err());
        Path run = Path.of(c.out().lines().filter(l -> l.startsWith("wrote ")).findFirst().orElseThrow().split(" ")[1]);
        Map<String, Object> model = (Map<String, Object>) ((Map<String, Object>) Json.parse(Files.readString(run.resolve("config.json"))))
                .get("model");
        List<Map<String, Object>> layers = (List<Map<String, Object>>) model.get("layers");
        assertEquals(-2L, layers.get(2).get("start_dim"));
        assertEquals(4L * 6 * 6, layers.get(4).get("in_features"));
        Cli inspect = Cli.run("inspect", run.toString());
        assertEquals(0, inspect.exitCode(), inspect.err());
        assertTrue(inspect.out().contains("[N, 4, 36]") && inspect.out().contains("[N, 144]"), inspect.out());
        assertEquals(0, Cli.run("eval", "--model", run.toString()).exitCode());

        String lin = "{\"type\": \"flatten\"}, {\"type\": \"linear\", \"out_features\": 10}";
        train("{\"layers\": [" + lin + ", {\"type\": \"softmax\", \"dim\": -2}]}").assertUserError(
                "model.json: layers[2].dim: -2 is the batch dimension 0 of the input [N, 10]; expected 1, or -1 counting from the last");
        train("{\"layers\": [" + lin + ", {\"type\": \"softmax\", \"dim\": 0}]}").assertUserError(
                "layers[2].dim: 0 is the batch dimension 0 of the input [N, 10]");
        train("{\"layers\": [" + lin + ", {\"type\": \"logsoftmax\", \"dim\": -3}]}").assertUserError(
                "layers[2].dim: -3 is before the first dimension of the input [N, 10]");
        train("{\"layers\": [{\"type\": \"conv2d\", \"out_channels\": 4, \"kernel_size\": 3}, {\"type\": \"flatten\", \"start_dim\": 4},"
                + " {\"type\": \"linear\", \"out_features\": 10}]}").assertUserError("layers[1].start_dim: 4 is past the last dimension"
                        + " of the input [N, 4, 6, 6]; expected 1 to 3, or -3 to -1 counting from the last");
        train("{\"layers\": [{\"type\": \"flatten\", \"start_dim\": 1.5}, {\"type\": \"linear\", \"out_features\": 10}]}")
                .assertUserError("layers[0].start_dim: expected an integer (a negative one counts from the end, as in PyTorch), got 1.5");
    }

    static Stream<Arguments> mistakes() {
        String conv = "{\"type\": \"conv2d\", \"out_channels\": 4, \"kernel_size\": 3}";
        String head = "{\"type\": \"flatten\"}, {\"type\": \"linear\", \"out_features\": 10}";
        return Stream.of(
                Arguments.of("{\"layers\": [" + conv + ", {\"type\": \"relu\"}, {\"type\": \"relu\"}, {\"type\": \"maxpool2d\", \"kernel_size\": \"x\"}, "
                        + head + "]}", List.of("model.json: layers[3].kernel_size: expected a positive integer, got the string \"x\"")),
                Arguments.of("{\"layers\": [{\"type\": \"conv3d\"}]}", List.of("layers[0].type: unknown layer type \"conv3d\"",
                        "conv2d, linear, batchnorm1d, batchnorm2d, maxpool2d")),
                Arguments.of("{\"layers\": [{\"out_features\": 10}]}", List.of("layers[0].type: missing", "the layer types are conv2d")),
                Arguments.of("{\"layers\": [{\"type\": \"conv2d\", \"out_channels\": 4, \"kernal_size\": 3}]}",
                        List.of("layers[0].kernal_size: not a field of conv2d", "kernel_size")),
                Arguments.of("{\"layers\": [{\"type\": \"conv2d\", \"kernel_size\": 3}, " + head + "]}",
                        List.of("layers[0].out_channels: missing")),
                Arguments.of("{\"layers\": [{\"type\": \"conv2d\", \"in_channels\": 3, \"out_channels\": 4, \"kernel_size\": 3}, " + head + "]}",
                        List.of("layers[0].in_channels: is 3 but the input of this layer is [N, 1, 8, 8], so it must be 1")),
                Arguments.of("{\"layers\": [" + conv + ", " + head + ", {\"type\": \"batchnorm2d\"}]}",
                        List.of("layers[3]: batchnorm2d needs images [N, C, H, W], but its input is [N, 10]")),
                Arguments.of("{\"layers\": [" + conv + ", {\"type\": \"flatten\"}, {\"type\": \"linear\", \"out_features\": 5}]}",
                        List.of("layers[2]: the network outputs [N, 5], but the loss needs [N, 10]")),
                Arguments.of("{\"layers\": [{\"type\": \"conv2d\", \"out_channels\": 4, \"kernel_size\": 9}, " + head + "]}",
                        List.of("layers[0]: conv2d turns the input [N, 1, 8, 8] into [N, 4, 0, 0], which is empty")),
                Arguments.of("{\"layers\": [" + conv + ", {\"type\": \"dropout\", \"p\": 1.5}, " + head + "]}",
                        List.of("layers[1].p: expected a number in [0, 1], got 1.5")),
                Arguments.of("{\"layers\": [" + conv + ", {\"type\": \"maxpool2d\", \"kernel_size\": 2, \"padding\": 2}, " + head + "]}",
                        List.of("layers[1].padding: 2 is more than half of kernel_size 2")),
                Arguments.of("{\"layers\": []}", List.of("model.json: layers: the network has no layers")),
                Arguments.of("{\"layer\": []}", List.of("model.json: layer: not a field of a model file")),
                Arguments.of("{\"layers\": [" + conv + ", " + head + "], \"input_shape\": [1, 28, 28]}",
                        List.of("model.json: input_shape: not a field of a model file; it has only \"layers\"")),
                Arguments.of("{}", List.of("model.json: layers: missing field 'layers'")),
                // a weight too large for one tensor: the message named "layer 1 (linear100000000)", not the file, and advised
                // --layers, which --model FILE.json refuses
                Arguments.of("{\"layers\": [{\"type\": \"flatten\"}, {\"type\": \"linear\", \"out_features\": 100000000},"
                        + " {\"type\": \"linear\", \"out_features\": 10}]}", List.of("model.json: layers[1]: linear would have a weight"
                        + " tensor of 6,400,000,000 values; one tensor holds at most 2,147,483,639: use fewer features or channels")),
                // a network without weights reached the optimizer, whose error spoke of registerModule and parameters()
                Arguments.of("{\"layers\": [{\"type\": \"adaptiveavgpool2d\", \"output_size\": [10, 1]}, {\"type\": \"flatten\"}]}",
                        List.of("model.json: layers: the network has no weights to train; expected at least one layer with weights")),
                // sizes near 2^31 wrapped around in int: a "too small" image, or a memory estimate that overflowed long and
                // let the run start, to die allocating the first batch with a stack trace
                Arguments.of("{\"layers\": [{\"type\": \"conv2d\", \"out_channels\": 2000000000, \"kernel_size\": 1}, " + head + "]}",
                        List.of("model.json: layers[0]: conv2d turns the input [N, 1, 8, 8] into [N, 2000000000, 8, 8],"
                                + " 128,000,000,000 values per sample; one tensor holds at most 2,147,483,639")),
                Arguments.of("{\"layers\": [{\"type\": \"conv2d\", \"out_channels\": 4, \"kernel_size\": 3, \"padding\": 1100000000}, "
                        + head + "]}", List.of("layers[0]: conv2d turns the input [N, 1, 8, 8] into [N, 4, 2200000006, 2200000006],"
                                + " more than 2^63 values per sample")),
                Arguments.of("{\"layers\": [{\"type\": \"conv2d\", \"out_channels\": 10, \"kernel_size\": 1, \"padding\": 1000000000},"
                        + " {\"type\": \"adaptiveavgpool2d\", \"output_size\": 1}, {\"type\": \"flatten\"}]}",
                        List.of("layers[0]: conv2d turns the input [N, 1, 8, 8] into [N, 10, 2000000008, 2000000008]")),
                Arguments.of("{\"layers\": [" + conv + ",]}", List.of("model.json")));
    }

    @ParameterizedTest
    @MethodSource("mistakes")
    void eachMistakeIsOneLineNamingTheFileLayerAndField(String json, List<String> fragments) throws Exception {
        train(json).assertUserError(fragments.toArray(new String[0]));
    }

    @Test
    void bceNeedsANetworkThatEndsInASigmoid() throws Exception {
        Path csv = SyntheticData.blobsCsv(tmp.resolve("two.csv"), 40, 3, 2, 3);
        String[] ends = {"", ", {\"type\": \"softmax\"}", ", {\"type\": \"sigmoid\"}"};
        Cli[] runs = new Cli[ends.length];
        for (int i = 0; i < ends.length; i++) {
            Path file = Files.writeString(tmp.resolve("bce" + i + ".json"), "{\"layers\": [{\"type\": \"linear\", \"out_features\": 4},"
                    + " {\"type\": \"relu\"}, {\"type\": \"linear\", \"out_features\": 1}" + ends[i] + "]}");
            runs[i] = Cli.run("train", "--model", file.toString(), "--data", csv.toString(), "--loss", "bce", "--epochs", "1",
                    "--threads", "1", "--no-report", "--out", tmp.resolve("bce-run" + i).toString());
        }
        // raw scores trained to a NaN loss, reported as a divergence that blamed --lr; a softmax of one value is always 1
        runs[0].assertUserError("bce0.json: layers[2]: --loss bce needs probabilities", "ends with linear", "\"sigmoid\"", "bce-logits");
        runs[1].assertUserError("bce1.json: layers[3]: --loss bce needs probabilities", "ends with softmax");
        assertEquals(0, runs[2].exitCode(), runs[2].err());
        // a regression target is one value, not one per class
        Path linear = SyntheticData.linearCsv(tmp.resolve("linear.csv"), 20, 3);
        Path two = Files.writeString(tmp.resolve("two-outputs.json"), "{\"layers\": [{\"type\": \"linear\", \"out_features\": 2}]}");
        Cli.run("train", "--model", two.toString(), "--data", linear.toString(), "--loss", "mse", "--epochs", "1", "--no-report",
                "--out", tmp.resolve("mse-run").toString())
                .assertUserError("two-outputs.json: layers[0]: the network outputs [N, 2], but the loss needs [N, 1] (one value,"
                        + " the numeric target)");
    }

    /**
     * Batch normalization cannot normalize one value per channel in training (PyTorch raises "Expected more than 1 value
     * per channel"). A last batch of one sample (64 samples, --batch-size 21: 21, 21, 21, 1) stopped the run at the end
     * of its first epoch with BatchNorm's IllegalArgumentException and a stack trace (exit 1). It is refused before
     * training, naming the flag and the layer, with a batch size that works.
     */
    @Test
    void aLastBatchOfOneSampleIsRefusedForBatchNorm() throws Exception {
        String bn1d = "{\"layers\": [{\"type\": \"flatten\"}, {\"type\": \"linear\", \"out_features\": 6}, {\"type\": \"batchnorm1d\"},"
                + " {\"type\": \"relu\"}, {\"type\": \"linear\", \"out_features\": 10}]}";
        batch(bn1d, "21").assertUserError("--batch-size 21: the last batch of each epoch has 1 of the 64 training"
                + " samples, and layers[2] (batchnorm1d) needs 2 or more values per channel in training", "e.g. --batch-size 22");
        batch(bn1d, "1").assertUserError("--batch-size 1: each batch has 1 of the 64 training samples",
                "layers[2] (batchnorm1d)", "e.g. --batch-size 2");
        // images of 1x1 after pooling: batchnorm2d has one value per channel and sample too
        String bn2d = "{\"layers\": [{\"type\": \"conv2d\", \"out_channels\": 3, \"kernel_size\": 3}, {\"type\": \"maxpool2d\","
                + " \"kernel_size\": 6}, {\"type\": \"batchnorm2d\"}, {\"type\": \"flatten\"}, {\"type\": \"linear\", \"out_features\": 10}]}";
        batch(bn2d, "63").assertUserError("--batch-size 63", "layers[2] (batchnorm2d)");
        // one sample of several values per channel is enough, as in PyTorch
        String wide = "{\"layers\": [{\"type\": \"conv2d\", \"out_channels\": 3, \"kernel_size\": 3}, {\"type\": \"batchnorm2d\"},"
                + " {\"type\": \"flatten\"}, {\"type\": \"linear\", \"out_features\": 10}]}";
        assertEquals(0, batch(wide, "21").exitCode());
    }

    /**
     * A training set of one sample of one value per channel leaves batch normalization nothing to compute a variance
     * from, whatever the batch size. The refusal advised "e.g. --batch-size 17", and then, for --batch-size 17, "e.g.
     * --batch-size 18", without end; it names --data and what would help instead.
     */
    @Test
    void oneTrainingSampleForBatchNormNamesTheDataNotABatchSizeThatCannotHelp() throws Exception {
        Path csv = Files.writeString(Files.createTempDirectory(tmp, "one").resolve("one-row.csv"), "a,b,y\n0.5,1.5,2\n");
        Path file = Files.writeString(csv.resolveSibling("model.json"), "{\"layers\": [{\"type\": \"linear\", \"out_features\": 4},"
                + " {\"type\": \"batchnorm1d\"}, {\"type\": \"relu\"}, {\"type\": \"linear\", \"out_features\": 1}]}");
        Cli c = Cli.run("train", "--model", file.toString(), "--data", csv.toString(), "--loss", "mse", "--epochs", "1",
                "--batch-size", "16", "--threads", "1", "--no-report", "--out", csv.resolveSibling("run").toString());
        c.assertUserError("--data " + csv + ": the training set has 1 sample, and layers[1] (batchnorm1d) needs 2 or more"
                + " values per channel", "whatever the --batch-size", "more training data");
        assertFalse(c.err().contains("e.g. --batch-size"), c.err());
    }

    /**
     * A PyTorch state dict without a batch norm layer's num_batches_tracked (a checkpoint older than that buffer)
     * loads in PyTorch with strict=True, the counter set to 0; --init refused it as "missing keys".
     */
    @Test
    void initWithoutNumBatchesTrackedStartsTheCounterAtZero() throws Exception {
        String json = "{\"layers\": [{\"type\": \"conv2d\", \"out_channels\": 2, \"kernel_size\": 3}, {\"type\": \"batchnorm2d\"},"
                + " {\"type\": \"flatten\"}, {\"type\": \"linear\", \"out_features\": 10}]}";
        Cli first = train(json);
        assertEquals(0, first.exitCode(), first.err());
        Path run = Path.of(first.out().lines().filter(l -> l.startsWith("wrote ")).findFirst().orElseThrow().split(" ")[1]);
        Map<String, Tensor> w = new java.util.LinkedHashMap<>(Safetensors.read(run.resolve("model.safetensors")).tensors());
        assertEquals(4.0, w.remove("1.num_batches_tracked").item());
        Path init = tmp.resolve("old-torch.safetensors");
        Safetensors.write(init, w, Map.of());
        Cli second = train(json, "--init", init.toString());
        assertEquals(0, second.exitCode(), second.err());
        Path run2 = Path.of(second.out().lines().filter(l -> l.startsWith("wrote ")).findFirst().orElseThrow().split(" ")[1]);
        assertEquals(4.0, Safetensors.read(run2.resolve("model.safetensors")).tensors().get("1.num_batches_tracked").item(),
                "counted from 0, 4 batches of one epoch");
        w.remove("1.running_mean"); // any other key is still required
        Safetensors.write(init, w, Map.of());
        train(json, "--init", init.toString()).assertUserError("old-torch.safetensors", "missing keys [1.running_mean]");
    }

    /**
     * model.safetensors stores num_batches_tracked as I64, as PyTorch's state_dict holds it (it was F32); a run
     * directory written before, with an F32 counter, still resumes, and its counter goes on from where it was.
     */
    @Test
    void theBatchNormCounterIsStoredAsInt64AndAnOldF32OneStillResumes() throws Exception {
        Cli first = train("{\"layers\": [{\"type\": \"flatten\"}, {\"type\": \"linear\", \"out_features\": 6},"
                + " {\"type\": \"batchnorm1d\"}, {\"type\": \"linear\", \"out_features\": 10}]}");
        assertEquals(0, first.exitCode(), first.err());
        Path run = Path.of(first.out().lines().filter(l -> l.startsWith("wrote ")).findFirst().orElseThrow().split(" ")[1]);
        Path model = run.resolve("model.safetensors");
        assertEquals("I64", Safetensors.header(model).dtypes().get("2.num_batches_tracked"));
        assertEquals("F32", Safetensors.header(model).dtypes().get("2.running_mean"));
        var old = Safetensors.read(model);
        Map<String, Tensor> f32 = new java.util.LinkedHashMap<>(old.tensors());
        f32.put("2.num_batches_tracked", Tensor.scalar(4)); // float32, as jgrad wrote it before
        Safetensors.write(model, f32, old.metadata());
        assertEquals("F32", Safetensors.header(model).dtypes().get("2.num_batches_tracked"));
        Cli resumed = Cli.run("train", "--resume", run.toString(), "--epochs", "2", "--threads", "1", "--no-report");
        assertEquals(0, resumed.exitCode(), resumed.err());
        assertEquals("I64", Safetensors.header(model).dtypes().get("2.num_batches_tracked"));
        assertEquals(8.0, Safetensors.read(model).tensors().get("2.num_batches_tracked").item(), "4 batches more");
    }

    /** train as {@link #train}, with {@code --batch-size size} instead of 16. */
    private static Cli batch(String json, String size) throws Exception {
        Path file = Files.writeString(Files.createTempDirectory(tmp, "b").resolve("model.json"), json);
        return Cli.run("train", "--model", file.toString(), "--data", data.toString(), "--epochs", "1", "--batch-size", size,
                "--threads", "1", "--no-report", "--out", file.resolveSibling("run").toString());
    }

    /**
     * A network whose only image layers are batchnorm2d and dropout2d takes images too. Given a CSV file, train said
     * "(it has convolution or pooling layers)", and eval said that and advised "--model mlp", a flag eval does not have.
     * eval now takes a CSV file's rows as images, as predict --csv does, and refuses rows of another length.
     */
    @Test
    void aCsvFileForAnImageNetworkIsRefusedNamingTheLayerAndWhatEachCommandTakes() throws Exception {
        Path csv = tmp.resolve("flat.csv");
        Files.writeString(csv, "a,b,label\n0.1,0.2,0\n0.3,0.1,1\n0.5,0.9,1\n");
        String json = "{\"layers\": [{\"type\": \"batchnorm2d\"}, {\"type\": \"dropout2d\"}, {\"type\": \"flatten\"},"
                + " {\"type\": \"linear\", \"out_features\": 10}]}";
        Path file = Files.writeString(tmp.resolve("bn-only.json"), json);
        Cli t = Cli.run("train", "--model", file.toString(), "--data", csv.toString(), "--no-report", "--out", tmp.resolve("r6").toString());
        // named by --model and in the words of jgrad train --spark (SparkTrainMainTest), which named --data here
        t.assertUserError("--model " + file + ": its layers[0] (batchnorm2d) works on images [N, C, H, W], but --data " + csv
                + " holds rows of features; give --data an IDX directory of images, or use a network without image layers"
                + " (conv2d, batchnorm2d, maxpool2d, avgpool2d, adaptiveavgpool2d, dropout2d), e.g. --model mlp");
        assertFalse(t.err().contains("convolution or pooling"), t.err());
        Cli.run("train", "--model", "cnn", "--data", csv.toString(), "--no-report", "--out", tmp.resolve("r7").toString())
                .assertUserError("--model cnn: the network is convolutional: it takes images [N, C, H, W], but --data " + csv
                        + " holds rows of features; give --data an IDX directory of images, or use a network without image"
                        + " layers (conv2d, batchnorm2d, maxpool2d, avgpool2d, adaptiveavgpool2d, dropout2d), e.g. --model mlp");

        Cli trained = train(json);
        assertEquals(0, trained.exitCode(), trained.err());
        Path run = Path.of(trained.out().lines().filter(l -> l.startsWith("wrote ")).findFirst().orElseThrow().split(" ")[1]);
        Cli e = Cli.run("eval", "--model", run.toString(), "--data", csv.toString());
        e.assertUserError("--data " + csv + ": rows have 2 feature columns, but the model in " + run + " takes images"
                + " [1, 8, 8]: 64 values a row");
        assertFalse(e.err().contains("--model mlp") || e.err().contains("convolution or pooling"), e.err());
    }

    @Test
    void refusesWhatTheModelCannotTake() throws Exception {
        Path csv = tmp.resolve("points.csv");
        Files.writeString(csv, "a,b,label\n0.1,0.2,0\n0.3,0.1,1\n0.5,0.9,1\n");
        Path file = tmp.resolve("conv.json");
        Files.writeString(file, "{\"layers\": [{\"type\": \"conv2d\", \"out_channels\": 2, \"kernel_size\": 1}]}");
        Cli.run("train", "--model", file.toString(), "--data", csv.toString(), "--no-report", "--out", tmp.resolve("r1").toString())
                .assertUserError("--model " + file + ": its layers[0] (conv2d) works on images [N, C, H, W], but --data " + csv);
        Cli.run("train", "--model", "cnn", "--layers", "32", "--data", data.toString(), "--out", tmp.resolve("r2").toString())
                .assertUserError("--layers, --activation and --output-activation describe --model mlp");
        Cli.run("train", "--model", tmp.resolve("absent.json").toString(), "--data", data.toString(), "--out", tmp.resolve("r3").toString())
                .assertUserError("absent.json: no such file; expected mlp, cnn or a JSON file of layers");
        // as a path, "" is the current directory
        Cli.run("train", "--model", "", "--data", data.toString(), "--out", tmp.resolve("r5").toString())
                .assertUserError("--model: empty; expected mlp, cnn or a JSON file of layers");
        Path tiny = IdxFiles.write(tmp.resolve("data3"), 8, 4, 3, 4);
        Cli.run("train", "--model", "cnn", "--data", tiny.toString(), "--out", tmp.resolve("r4").toString())
                .assertUserError("--model cnn pools twice by 2, so it needs images of at least 4x4, got 3x3");
    }
}
