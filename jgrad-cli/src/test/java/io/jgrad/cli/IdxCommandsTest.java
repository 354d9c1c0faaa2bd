package io.jgrad.cli;

import static org.junit.jupiter.api.Assertions.*;

import io.jgrad.data.TensorDataset;
import io.jgrad.nn.Linear;
import io.jgrad.nn.Sequential;
import io.jgrad.nn.Sigmoid;
import io.jgrad.nn.Softmax;
import io.jgrad.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train, eval and predict on a tiny MNIST-style IDX directory (8x8 images, 4 classes), and predict on PNG files. */
class IdxCommandsTest {
    @TempDir
    Path dir;

    private static Cli ok(String... args) {
        return Cli.ok(args);
    }

    private static List<Integer> classes(String out) {
        List<Integer> c = new ArrayList<>();
        Matcher m = Pattern.compile(": class (\\d+)").matcher(out);
        while (m.find()) {
            c.add(Integer.parseInt(m.group(1)));
        }
        return c;
    }

    /** An 8x8 band image of class k drawn at {@code scale} times the size, optionally dark on light. */
    private static Path png(Path file, int k, int scale, boolean darkOnLight) throws Exception {
        int[] p = SyntheticData.bandImage(k, 8, 4, new Random(k));
        BufferedImage img = new BufferedImage(8 * scale, 8 * scale, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 8 * scale; y++) {
            for (int x = 0; x < 8 * scale; x++) {
                int v = p[(y / scale) * 8 + x / scale];
                v = darkOnLight ? 255 - v : v;
                img.setRGB(x, y, v << 16 | v << 8 | v);
            }
        }
        ImageIO.write(img, "png", file.toFile());
        return file;
    }

    @Test
    void theT10kPartIsCalledTheTestSetInTheEpochLinesAsInTheReport() throws Exception {
        Path data = dir.resolve("idx");
        SyntheticData.idxDirectory(data, 200, 40, 8, 4, 3);
        Path run = dir.resolve("run");
        Cli train = ok("train", "--data", data.toString(), "--layers", "16", "--epochs", "2", "--batch-size", "16",
                "--threads", "1", "--out", run.toString());
        // the first line and report.html said "test" while the epoch lines said val_loss and val_acc
        assertTrue(train.err().contains("200 train, 40 test"), train.err());
        List<String> epochLines = train.err().lines().filter(l -> l.startsWith("epoch ")).toList();
        assertEquals(2, epochLines.size(), train.err());
        for (String l : epochLines) {
            assertTrue(l.matches("epoch \\d/2  loss \\S+  acc \\S+  test_loss \\S+  test_acc \\S+  lr .*"), l);
        }
        assertFalse(train.err().contains("val_"), train.err());
        assertTrue(train.out().startsWith("test loss "), train.out());
        // metrics.csv keeps its column names (a file format); the report says whose numbers they are
        assertTrue(Files.readAllLines(run.resolve("metrics.csv")).get(0).startsWith(io.jgrad.train.MetricsCsv.FIXED_HEADER));
        String report = Files.readString(run.resolve("report.html"));
        assertTrue(report.contains("Train and test loss per epoch."), "report's loss caption");
        assertTrue(report.contains("its val_loss and val_accuracy columns are the test set's"), "report's note on metrics.csv");

        // the last line named the checkpoint files and report.html but none of the charts written beside them
        String wrote = train.out().lines().filter(l -> l.startsWith("wrote ")).findFirst().orElseThrow();
        List<String> pngs;
        try (var files = Files.list(run)) {
            pngs = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".png")).sorted().toList();
        }
        assertTrue(pngs.containsAll(List.of("loss.png", "accuracy.png", "confusion.png", "misclassified.png")), pngs.toString());
        assertTrue(wrote.startsWith("wrote " + run + "/ (model.safetensors, config.json, optimizer.safetensors, metrics.csv,"
                + " report.html, loss.png, "), wrote);
        for (String png : pngs) {
            assertTrue(wrote.contains(" " + png + ",") || wrote.endsWith(" " + png + ")"), png + " is not in: " + wrote);
        }
        Cli noReport = ok("train", "--data", data.toString(), "--layers", "16", "--epochs", "1", "--batch-size", "16",
                "--threads", "1", "--no-report", "--out", dir.resolve("bare").toString());
        assertTrue(noReport.out().contains("wrote " + dir.resolve("bare") + "/ (model.safetensors, config.json,"
                + " optimizer.safetensors, metrics.csv)\n"), noReport.out());
    }

    @Test
    void trainEvalPredictOnIdx() throws Exception {
        Path data = dir.resolve("idx");
        int[] testLabels = SyntheticData.idxDirectory(data, 200, 40, 8, 4, 3);
        Path run = dir.resolve("run");
        Cli train = ok("train", "--data", data.toString(), "--layers", "16", "--epochs", "3", "--lr", "0.01", "--batch-size", "16",
                "--threads", "1", "--out", run.toString());
        assertTrue(train.err().contains("200 train, 40 test"), train.err());
        assertTrue(Files.size(run.resolve("report.html")) > 0);

        Cli eval = ok("eval", "--model", run.toString());
        assertTrue(eval.out().contains("test split, 40 samples"), eval.out());
        Matcher acc = Pattern.compile("accuracy ([0-9.]+)").matcher(eval.out());
        assertTrue(acc.find() && Double.parseDouble(acc.group(1)) >= 0.9, eval.out());
        Cli evalTrain = ok("eval", "--model", run.toString(), "--split", "train");
        assertTrue(evalTrain.out().contains("train split, 200 samples"), evalTrain.out());

        Cli predict = ok("predict", "--model", run.toString(), "--idx", data.resolve("t10k-images-idx3-ubyte").toString());
        List<Integer> got = classes(predict.out());
        assertEquals(40, got.size(), predict.out());
        int correct = 0;
        for (int i = 0; i < 40; i++) {
            correct += got.get(i) == testLabels[i] ? 1 : 0;
        }
        assertTrue(correct >= 36, correct + " of 40 correct");
        assertEquals(5, classes(ok("predict", "--model", run.toString(), "--idx",
                data.resolve("train-images-idx3-ubyte.gz").toString(), "--limit", "5").out()).size());

        // PNG: same size light on dark, and 4x larger dark on light (scaled down and inverted by predict)
        Path a = png(dir.resolve("two.png"), 2, 1, false);
        Path b = png(dir.resolve("one-big-inverted.png"), 1, 4, true);
        Cli images = ok("predict", "--model", run.toString(), a.toString(), b.toString());
        assertEquals(List.of(2, 1), classes(images.out()), images.out());
        assertTrue(images.out().contains("two.png"), images.out());
    }

    /**
     * misclassified.png was drawn only for cross-entropy runs (config.json's task "classification"): a classifier of
     * images trained with mse, half-sse, bce or bce-logits (one-hot targets: an IDX directory has 10 classes or more)
     * got its accuracy and confusion matrix but no grid, which the help and the README promise for image data.
     */
    @Test
    void everyClassifierOfImagesGetsTheGridOfItsMisclassifiedTestImages() throws Exception {
        Path data = dir.resolve("idx");
        SyntheticData.idxDirectory(data, 64, 40, 8, 4, 3);
        for (String loss : new String[] {"cross-entropy", "mse", "half-sse", "bce", "bce-logits"}) {
            Path run = dir.resolve("run-" + loss);
            // a learning rate this small leaves the network near its random start: many test images are wrong
            Cli train = ok("train", "--data", data.toString(), "--layers", "8", "--loss", loss, "--epochs", "1",
                    "--lr", "0.000001", "--threads", "1", "--out", run.toString());
            String what = "--loss " + loss;
            assertTrue(Files.isRegularFile(run.resolve("misclassified.png")), what + ": no misclassified.png; " + train.out());
            assertTrue(train.out().contains(" misclassified.png"), what + ": " + train.out());
            assertTrue(Files.readString(run.resolve("report.html")).contains("misclassified examples: true class"), what);
        }
    }

    /**
     * The grid's predicted class and number are those of {@code jgrad predict}: a one-hot mse model's score for a class
     * is its output itself (the softmax of the outputs made 0.9 of 4 outputs read 0.32), and so is a cross-entropy
     * model's that ends in softmax; a one-output BCE model (two classes: CSV data, not images, in the CLI today)
     * predicts 1 at p >= 0.5 and is 1 - p sure of class 0.
     */
    @Test
    void theGridShowsThePredictedClassAndItsScoreAsPredictDoes() {
        float[] pixels = new float[4 * 4];
        TensorDataset test = new TensorDataset(Tensor.wrap(pixels, 4, 4), Tensor.of(new float[] {0, 1, 0, 1}), 2);
        for (double bias : new double[] {Math.log(0.8 / 0.2), Math.log(0.3 / 0.7)}) { // p(1) = 0.8, then 0.3
            Linear head = new Linear(4, 1);
            zeroWeights(head, bias);
            for (String loss : new String[] {"bce", "bce-logits"}) {
                Sequential net = loss.equals("bce") ? new Sequential(head, new Sigmoid()) : new Sequential(head);
                Objective objective = Objective.of(loss, 2);
                List<Misclassified> wrong = Reports.misclassified(net, test, new int[] {2, 2}, 0, 1, objective,
                        loss.equals("bce") ? "sigmoid" : "none");
                int predicted = bias > 0 ? 1 : 0;
                assertEquals(2, wrong.size(), loss);
                for (Misclassified m : wrong) {
                    assertEquals(predicted, m.predictedClass(), loss);
                    assertEquals(1 - predicted, m.trueClass(), loss);
                    assertEquals(bias > 0 ? 0.8 : 0.7, m.confidence(), 1e-6, loss);
                }
            }
        }
        TensorDataset four = new TensorDataset(Tensor.wrap(new float[2 * 4], 2, 4), Tensor.of(new float[] {0, 2}), 4);
        Linear head = new Linear(4, 4);
        zeroWeights(head, 0.1);
        try (var s = Tensor.noGrad()) {
            head.bias().set(0.9, 2);
        }
        for (String[] c : new String[][] {{"mse", "none"}, {"cross-entropy", "softmax"}}) {
            Sequential net = c[1].equals("softmax") ? new Sequential(head, new Softmax(1)) : new Sequential(head);
            List<Misclassified> wrong = Reports.misclassified(net, four, new int[] {2, 2}, 0, 1, Objective.of(c[0], 4), c[1]);
            assertEquals(1, wrong.size(), c[0]);
            assertEquals(0, wrong.get(0).trueClass(), c[0]);
            assertEquals(2, wrong.get(0).predictedClass(), c[0]);
            float expected = c[1].equals("softmax") ? (float) (Math.exp(0.9) / (Math.exp(0.9) + 3 * Math.exp(0.1))) : 0.9f;
            assertEquals(expected, wrong.get(0).confidence(), 1e-6, c[0]);
        }
    }

    private static void zeroWeights(Linear layer, double bias) {
        try (var s = Tensor.noGrad()) {
            layer.weight().zero_();
            layer.bias().zero_();
            layer.bias().add_(bias);
        }
    }
}
