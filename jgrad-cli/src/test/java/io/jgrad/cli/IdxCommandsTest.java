package io.jgrad.cli;

import static org.junit.jupiter.api.Assertions.*;

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
}
