package io.jgrad.cli;

import static org.junit.jupiter.api.Assertions.*;

import io.jgrad.data.IdxDataset;
import io.jgrad.data.TensorDataset;
import io.jgrad.io.Json;
import io.jgrad.io.Safetensors;
import io.jgrad.nn.Flatten;
import io.jgrad.nn.Linear;
import io.jgrad.nn.Sequential;
import io.jgrad.tensor.Tensor;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --model cnn} end to end on tiny generated 28x28 data, and the MLP path that stays the default. */
class CnnCliTest {

    @SuppressWarnings("unchecked")
    private static Map<String, Object> config(Path run) throws Exception {
        return (Map<String, Object>) Json.parse(Files.readString(run.resolve("config.json")));
    }

    @Test
    @SuppressWarnings("unchecked")
    void cnnTrainsOn28x28ImagesAndEvalInspectPredictReadTheRunBack(@TempDir Path tmp) throws Exception {
        Path data = IdxFiles.write(tmp.resolve("data"), 64, 32, 28, 1);
        Path run = tmp.resolve("run");
        Cli train = Cli.run("train", "--model", "cnn", "--data", data.toString(), "--epochs", "1", "--batch-size", "16",
                "--threads", "2", "--augment", "flip,shift:2", "--out", run.toString());
        assertEquals(0, train.exitCode(), train.err());
        assertEquals("flip,shift:2", ((Map<String, Object>) config(run).get("training")).get("augment"));

        Map<String, Object> model = (Map<String, Object>) config(run).get("model");
        assertEquals(2L, config(run).get("format_version"));
        assertEquals(List.of(1L, 28L, 28L), model.get("input_shape"));
        List<Map<String, Object>> layers = (List<Map<String, Object>>) model.get("layers");
        assertEquals(14, layers.size());
        assertEquals(1L, layers.get(0).get("in_channels"));
        assertEquals(32L, layers.get(4).get("in_channels"));
        assertEquals(64L * 7 * 7, layers.get(10).get("in_features"));

        // PyTorch's state_dict names: the Sequential index, then the module's own names.
        Map<String, Tensor> weights = Safetensors.read(run.resolve("model.safetensors")).tensors();
        assertArrayEquals(new int[] {32, 1, 3, 3}, weights.get("0.weight").shape());
        assertArrayEquals(new int[] {32}, weights.get("1.running_mean").shape());
        assertArrayEquals(new int[] {64, 32, 3, 3}, weights.get("4.weight").shape());
        assertArrayEquals(new int[] {128, 3136}, weights.get("10.weight").shape());
        assertArrayEquals(new int[] {10, 128}, weights.get("13.weight").shape());
        assertTrue(Files.isRegularFile(run.resolve("report.html")));
        assertTrue(Files.isRegularFile(run.resolve("misclassified.png")), "random labels: some test images must be wrong");

        Cli eval = Cli.run("eval", "--model", run.toString());
        assertEquals(0, eval.exitCode(), eval.err());
        assertTrue(eval.out().contains("32 samples") && eval.out().contains("accuracy"), eval.out());

        Cli inspect = Cli.run("inspect", run.toString());
        assertEquals(0, inspect.exitCode(), inspect.err());
        // 320 + 64 + 18,496 + 128 + 401,536 + 1,290 parameters, counted by hand from the documented layers
        assertTrue(inspect.out().contains("parameters  421,834"), inspect.out());
        assertTrue(inspect.out().contains("0    [N, 32, 28, 28]               320  Conv2d(1, 32, kernel_size=(3, 3)"), inspect.out());
        for (String shape : List.of("[N, 1, 28, 28]", "[N, 32, 28, 28]", "[N, 32, 14, 14]", "[N, 64, 14, 14]", "[N, 64, 7, 7]",
                "[N, 3136]", "[N, 128]", "[N, 10]")) {
            assertTrue(inspect.out().contains(shape), shape + " missing:\n" + inspect.out());
        }

        Path idx = data.resolve("t10k-images-idx3-ubyte");
        Cli predictIdx = Cli.run("predict", "--model", run.toString(), "--idx", idx.toString(), "--limit", "3");
        assertEquals(0, predictIdx.exitCode(), predictIdx.err());
        String[] lines = predictIdx.out().strip().split("\n");
        assertEquals(3, lines.length, predictIdx.out());
        TrainedModel tm = TrainedModel.load(run);
        TensorDataset test = IdxDataset.load(data, false, false);
        Tensor logits;
        try (var s = Tensor.noGrad()) {
            logits = tm.network().forward(test.features().slice(0, 0, 3));
        }
        for (int i = 0; i < 3; i++) {
            int best = (int) logits.argmax(1, false).get(i);
            assertTrue(lines[i].startsWith("t10k-images-idx3-ubyte[" + i + "]: class " + best + " "), lines[i]);
        }

        BufferedImage img = new BufferedImage(40, 40, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 40, 40);
        g.setColor(Color.BLACK);
        g.fillRect(17, 5, 6, 30);
        g.dispose();
        Path png = tmp.resolve("one.png");
        ImageIO.write(img, "png", png.toFile());
        Cli predictPng = Cli.run("predict", "--model", run.toString(), png.toString());
        assertEquals(0, predictPng.exitCode(), predictPng.err());
        assertTrue(predictPng.out().startsWith(png + ": class "), predictPng.out());
    }

    @Test
    void reportFindsMisclassifiedImagesInImageAndFlatInputs() {
        float[] pixels = new float[4 * 16];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (i % 17) / 16f;
        }
        Tensor targets = Tensor.of(new float[] {0, 3, 0, 7});
        Linear head = new Linear(16, 10);
        try (var s = Tensor.noGrad()) {
            head.weight().zero_();
            head.bias().zero_();
            head.bias().set(5.0, 0); // always class 0: samples 1 and 3 are wrong
        }
        Sequential net = new Sequential(new Flatten(), head);
        for (int[] shape : List.of(new int[] {4, 1, 4, 4}, new int[] {4, 16})) {
            TensorDataset test = new TensorDataset(Tensor.wrap(pixels.clone(), shape), targets, 10);
            List<Misclassified> wrong = Reports.misclassified(net, test, new int[] {4, 4}, 0, 1,
                    Objective.of("cross-entropy", 10), "none");
            assertEquals(2, wrong.size(), "input " + java.util.Arrays.toString(shape));
            assertEquals(3, wrong.get(0).trueClass());
            assertEquals(7, wrong.get(1).trueClass());
            assertEquals(0, wrong.get(1).predictedClass());
            assertArrayEquals(java.util.Arrays.copyOfRange(pixels, 16, 32), wrong.get(0).pixels());
            assertArrayEquals(java.util.Arrays.copyOfRange(pixels, 48, 64), wrong.get(1).pixels());
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void mlpStaysTheDefaultAndAFormatVersion1ConfigStillLoads(@TempDir Path tmp) throws Exception {
        Path data = IdxFiles.write(tmp.resolve("data"), 64, 32, 8, 2);
        Path run = tmp.resolve("run");
        Cli train = Cli.run("train", "--data", data.toString(), "--layers", "16", "--activation", "tanh", "--epochs", "1",
                "--threads", "1", "--no-report", "--out", run.toString());
        assertEquals(0, train.exitCode(), train.err());
        assertTrue(train.err().contains("64-16-10 tanh"), train.err());
        Map<String, Object> model = (Map<String, Object>) config(run).get("model");
        assertEquals(List.of(64L), model.get("input_shape"));
        List<Map<String, Object>> layers = (List<Map<String, Object>>) model.get("layers");
        assertEquals(List.of("linear", "tanh", "linear"), layers.stream().map(l -> l.get("type")).toList());
        assertEquals(64L, layers.get(0).get("in_features"));
        assertEquals(16L, layers.get(2).get("in_features"));
        assertEquals(List.of("0.bias", "0.weight", "2.bias", "2.weight"),
                Safetensors.read(run.resolve("model.safetensors")).tensors().keySet().stream().sorted().toList());
        Cli before = Cli.run("eval", "--model", run.toString());
        assertEquals(0, before.exitCode(), before.err());

        // The same run as a jgrad from before the layer list wrote it.
        String text = Files.readString(run.resolve("config.json"));
        int start = text.indexOf("\"model\""), end = text.indexOf("\"task\"");
        String v1 = text.substring(0, start).replace("\"format_version\": 2", "\"format_version\": 1")
                + "\"model\": {\"input_size\": 64, \"hidden_sizes\": [16], \"output_size\": 10, \"activation\": \"tanh\","
                + " \"output_activation\": \"none\"},\n  " + text.substring(end);
        assertTrue(v1.contains("\"format_version\": 1"));
        Files.writeString(run.resolve("config.json"), v1);
        Cli after = Cli.run("eval", "--model", run.toString());
        assertEquals(0, after.exitCode(), after.err());
        assertEquals(before.out(), after.out());

        Files.writeString(run.resolve("config.json"), v1.replace("\"format_version\": 1", "\"format_version\": 3"));
        Cli.run("eval", "--model", run.toString()).assertUserError("config.json: format_version: expected 1 or 2, got 3",
                "newer jgrad");
    }

    /**
     * With --normalize, a shift's uncovered border is a black pixel as the data was standardized, (0 - mean) / std, as
     * torchvision's RandomCrop(padding) before Normalize pads it; it was 0, the mean's grey.
     */
    @Test
    void aShiftOfNormalizedImagesUncoversBlackPixels(@TempDir Path tmp) throws Exception {
        int[] pixels = new int[4 * 16];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = i % 3 == 0 ? 0 : 255;
        }
        Path idx = Files.createDirectories(tmp.resolve("idx"));
        for (String split : List.of("train", "t10k")) {
            Files.write(idx.resolve(split + "-images-idx3-ubyte"), SyntheticData.idxImages(4, 4, pixels));
            Files.write(idx.resolve(split + "-labels-idx1-ubyte"), SyntheticData.idxLabels(new int[] {0, 1, 0, 1}));
        }
        DataSource ds = DataSource.load(DataSource.Origin.FLAGS, idx, null, 0, null, true, "all", 42, DataSource.refusal("cnn"), null, null);
        float black = ds.train().features().toFloatArray()[0]; // pixel 0 of image 0 was 0
        assertTrue(black < -0.5f, "standardized black: " + black);
        io.jgrad.data.Augmentation a = ds.augmentation(Flags.augmentation("flip,shift:2"));
        assertEquals(black, a.fill());
        assertTrue(a.horizontalFlip() && a.maxShift() == 2, a.toString());
        DataSource raw = DataSource.load(DataSource.Origin.FLAGS, idx, null, 0, null, true, null, 42, DataSource.refusal("cnn"), null, null);
        assertEquals(0f, raw.augmentation(Flags.augmentation("shift:2")).fill(), "without --normalize, 0 is black");
    }
}
