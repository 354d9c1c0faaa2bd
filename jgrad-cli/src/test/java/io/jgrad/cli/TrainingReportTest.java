package io.jgrad.cli;

import io.jgrad.nn.spec.Layers;
import io.jgrad.train.ConfusionMatrix;
import io.jgrad.train.EpochMetrics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainingReportTest {
    /**
     * The run files that jgrad train --out refuses to replace in a directory without a run (CheckpointFiles.RUN_FILES, in
     * jgrad-core) are the checkpoint's and the report's, every chart included.
     */
    @Test
    void theRunFilesThatOutProtectsAreTheCheckpointAndTheReport() {
        List<String> files = new ArrayList<>(List.of(RunConfig.FILE, Checkpoint.MODEL, Checkpoint.OPTIMIZER, Checkpoint.METRICS,
                TrainingReport.REPORT_HTML));
        files.addAll(TrainingReport.CHARTS);
        assertEquals(Set.copyOf(files), Set.copyOf(io.jgrad.io.CheckpointFiles.RUN_FILES));
    }

    private static final int EPOCHS = 12;
    private static final String[] PARAMS = {"0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias",
            "6.weight", "6.bias"};
    /** Weights are matrices, biases vectors. */
    private static final Map<String, Integer> RANKS = ranks();
    private static final String TITLE = "MNIST <script>alert('x')</script> & friends";

    private static Map<String, Integer> ranks() {
        Map<String, Integer> ranks = new LinkedHashMap<>();
        for (String p : PARAMS) {
            ranks.put(p, p.endsWith("bias") ? 1 : 2);
        }
        return ranks;
    }

    /** A 4-layer sigmoid net: each weight layer's gradient is 10x the previous one's, 1000x first to last. */
    private static List<EpochMetrics> sigmoidRun(boolean classification) {
        List<EpochMetrics> epochs = new ArrayList<>();
        for (int e = 1; e <= EPOCHS; e++) {
            Map<String, Double> grads = new LinkedHashMap<>();
            Map<String, Double> weights = new LinkedHashMap<>();
            for (int i = 0; i < PARAMS.length; i++) {
                int layer = i / 2;
                double scale = Math.pow(10, layer - 4) * (1 + 0.5 / e);
                grads.put(PARAMS[i], PARAMS[i].endsWith("bias") ? scale / 3 : scale);
                weights.put(PARAMS[i], 5.0 + layer + 0.1 * e);
            }
            double trainLoss = 2.3 * Math.exp(-0.25 * e) + 0.05;
            double acc = classification ? 1 - 0.9 * Math.exp(-0.3 * e) : Double.NaN;
            epochs.add(new EpochMetrics(e, trainLoss, acc, trainLoss * 1.1, classification ? acc - 0.01 : Double.NaN,
                    0.1 / e, 1.5 + 0.01 * e, grads, weights));
        }
        return epochs;
    }

    private static long count(int t, int p) {
        return t == p ? 900 + 10L * t : (t + 2 * p) % 7;
    }

    private static ConfusionMatrix confusion() {
        ConfusionMatrix cm = new ConfusionMatrix(10);
        for (int t = 0; t < 10; t++) {
            for (int p = 0; p < 10; p++) {
                for (long n = count(t, p); n > 0; n--) {
                    cm.add(t, p);
                }
            }
        }
        return cm;
    }

    /** 28x28 images of a bright ring on black, class i % 10 predicted as (i + 3) % 10. */
    private static List<Misclassified> misclassified(int n) {
        List<Misclassified> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float[] px = new float[28 * 28];
            for (int r = 0; r < 28; r++) {
                for (int c = 0; c < 28; c++) {
                    double d = Math.hypot(r - 13.5, c - 13.5);
                    px[r * 28 + c] = Math.abs(d - 8 - i % 3) < 2 ? 1f : 0f;
                }
            }
            list.add(new Misclassified(px, 28, 28, i % 10, (i + 3) % 10, 0.5 + 0.02 * i));
        }
        return list;
    }

    private static Map<String, String> facts() {
        Map<String, String> facts = new LinkedHashMap<>();
        facts.put("data set", "mnist-10k");
        facts.put("architecture", "784-128-64-32-10 sigmoid <b>deep</b>");
        facts.put("optimizer", "SGD");
        facts.put("seed", "42");
        return facts;
    }

    private static BufferedImage png(Path file) throws IOException {
        BufferedImage img = ImageIO.read(file.toFile());
        assertNotNull(img, file + " does not decode as an image");
        return img;
    }

    private static boolean hasColor(BufferedImage img, int rgb) {
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                if ((img.getRGB(x, y) & 0xffffff) == rgb) {
                    return true;
                }
            }
        }
        return false;
    }

    @Test
    void writesEveryFileOfAClassificationRun(@TempDir Path dir) throws IOException {
        List<EpochMetrics> epochs = sigmoidRun(true);
        var report = new TrainingReport(TITLE, facts(), epochs, RANKS, confusion(), "validation", misclassified(20));
        List<Path> written = report.writeTo(dir);

        // The learning rate falls as 0.1 / epoch: lr.png shows it.
        for (String name : List.of("loss.png", "accuracy.png", "lr.png", "grad_norms.png", "confusion.png",
                "misclassified.png", "metrics.csv", "report.html")) {
            assertTrue(Files.isRegularFile(dir.resolve(name)), name + " missing");
            assertTrue(written.contains(dir.toAbsolutePath().resolve(name)), name + " not reported as written");
        }
        try (var files = Files.list(dir)) {
            assertEquals(8, files.count(), "temporary files left behind");
        }
        for (String name : List.of("loss.png", "accuracy.png", "lr.png", "grad_norms.png")) {
            BufferedImage img = png(dir.resolve(name));
            assertEquals(800, img.getWidth(), name);
            assertEquals(480, img.getHeight(), name);
        }
        BufferedImage cm = png(dir.resolve("confusion.png"));
        assertEquals(800, cm.getWidth());
        assertEquals(720, cm.getHeight());

        // Every weight tensor is drawn: the first layer's line in dark blue, the last layer's in orange.
        BufferedImage grads = png(dir.resolve("grad_norms.png"));
        assertTrue(hasColor(grads, 0x0d0887), "first layer's line missing");
        assertTrue(hasColor(grads, 0xf89540), "last layer's line missing");

        // 20 examples: 6 per row, 4 rows, each 150 wide and 112 + 22 + 10 high, 10 px margins, under a 46 px title.
        BufferedImage grid = png(dir.resolve("misclassified.png"));
        assertEquals(10 + 6 * 150 + 10, grid.getWidth());
        assertEquals(46 + 10 + 4 * (112 + 22 + 10), grid.getHeight());
        // The first image is enlarged 4x, centered in its 150 px cell: its center is black (inside the
        // ring), and the ring (radius 8 source pixels) is white 8 source pixels right of the center.
        int cx = 10 + 75;
        int cy = 46 + 10 + 56;
        assertEquals(0x000000, grid.getRGB(cx, cy) & 0xffffff);
        assertEquals(0xffffff, grid.getRGB(cx + 4 * 8, cy) & 0xffffff);
    }

    @Test
    void metricsCsvHasOneRowPerEpochAndReadsBack(@TempDir Path dir) throws IOException {
        List<EpochMetrics> epochs = sigmoidRun(true);
        new TrainingReport("run", facts(), epochs, RANKS, confusion(), "validation", List.of()).writeTo(dir);
        List<String> lines = Files.readAllLines(dir.resolve("metrics.csv"));
        assertEquals(EPOCHS + 1, lines.size());
        StringBuilder header = new StringBuilder("epoch,train_loss,train_accuracy,val_loss,val_accuracy,lr,seconds");
        for (String p : PARAMS) {
            header.append(",grad_norm:").append(p);
        }
        for (String p : PARAMS) {
            header.append(",weight_norm:").append(p);
        }
        assertEquals(header.toString(), lines.getFirst());
        for (int e = 1; e <= EPOCHS; e++) {
            String[] cells = lines.get(e).split(",", -1);
            EpochMetrics m = epochs.get(e - 1);
            assertEquals(7 + 2 * PARAMS.length, cells.length);
            assertEquals(e, Integer.parseInt(cells[0]));
            assertEquals(m.trainLoss(), Double.parseDouble(cells[1]));
            assertEquals(m.trainAccuracy(), Double.parseDouble(cells[2]));
            assertEquals(m.valLoss(), Double.parseDouble(cells[3]));
            assertEquals(m.valAccuracy(), Double.parseDouble(cells[4]));
            assertEquals(0.1 / e, Double.parseDouble(cells[5]));
            assertEquals(m.seconds(), Double.parseDouble(cells[6]));
            assertEquals(1e-4 * (1 + 0.5 / e), Double.parseDouble(cells[7]), 1e-18, "grad_norm:0.weight");
            assertEquals(1e-1 * (1 + 0.5 / e), Double.parseDouble(cells[7 + 6]), 1e-15, "grad_norm:6.weight");
            assertEquals(8.0 + 0.1 * e, Double.parseDouble(cells[7 + PARAMS.length + 7]), 1e-12,
                    "weight_norm:6.bias");
        }
    }

    @Test
    void htmlHasFactsClassTableAndEscapesUserText(@TempDir Path dir) throws IOException {
        new TrainingReport(TITLE, facts(), sigmoidRun(true), RANKS, confusion(), "validation", misclassified(20)).writeTo(dir);
        String html = Files.readString(dir.resolve("report.html"));

        assertTrue(html.contains("<title>MNIST &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; friends</title>"));
        assertTrue(html.contains("784-128-64-32-10 sigmoid &lt;b&gt;deep&lt;/b&gt;"));
        // The heading is the title; the line under it only the summary, not "jgrad training report" again.
        assertTrue(html.contains("</h1>\n<p class=\"muted\">12 epochs.</p>"), "summary line");
        assertFalse(html.toLowerCase(Locale.ROOT).contains("<script"), "user text reached the page unescaped");
        // Every tag in the page is one the report itself writes: nothing came from user text.
        Set<String> ownTags = Set.of("!doctype", "html", "head", "meta", "title", "style", "body", "h1", "h2", "p",
                "table", "tr", "th", "td", "figure", "img", "figcaption", "div", "b", "a");
        Matcher tag = Pattern.compile("</?([!a-zA-Z][a-zA-Z0-9]*)").matcher(html);
        int tags = 0;
        while (tag.find()) {
            assertTrue(ownTags.contains(tag.group(1).toLowerCase(Locale.ROOT)), "unexpected tag " + tag.group());
            tags++;
        }
        assertTrue(tags > 50);
        assertFalse(html.contains("<b>deep"), "the fact's <b> must not be a tag");

        for (var fact : List.of("data set", "mnist-10k", "optimizer", "SGD", "seed", "42")) {
            assertTrue(html.contains(">" + fact + "<"), "fact " + fact + " missing");
        }

        // Per-class table: precision and recall from the counts the matrix was built from.
        for (int c = 0; c < 10; c++) {
            long row = 0;
            long col = 0;
            for (int o = 0; o < 10; o++) {
                row += count(c, o);
                col += count(o, c);
            }
            String expected = String.format(Locale.ROOT,
                    "<tr><td class=\"num\">%d</td><td class=\"num\">%d</td><td class=\"num\">%.2f%%</td>"
                            + "<td class=\"num\">%.2f%%</td>",
                    c, row, 100.0 * count(c, c) / col, 100.0 * count(c, c) / row);
            double p = (double) count(c, c) / col, r = (double) count(c, c) / row;
            expected += String.format(Locale.ROOT, "<td class=\"num\">%.2f%%</td></tr>", 100 * 2 * p * r / (p + r));
            assertTrue(html.contains(expected), "class row missing (F1: the harmonic mean): " + expected);
        }

        // Charts are embedded, byte for byte, so the page stands alone.
        Matcher img = Pattern.compile("src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"").matcher(html);
        List<byte[]> embedded = new ArrayList<>();
        while (img.find()) {
            embedded.add(Base64.getDecoder().decode(img.group(1)));
        }
        assertEquals(6, embedded.size());
        assertTrue(html.contains("<h2>Learning rate</h2>"));
        assertTrue(java.util.Arrays.equals(Files.readAllBytes(dir.resolve("loss.png")), embedded.getFirst()));
        assertNotNull(ImageIO.read(new ByteArrayInputStream(embedded.getLast())));

        // The gradient note reads the run: 0.weight's norm is 1000x below 6.weight's.
        assertTrue(html.contains("3.0 decades smaller"), "vanishing-gradient sentence missing");
        assertTrue(html.contains("vanishing"));
    }

    @Test
    void regressionRunSkipsClassificationFilesAndClearsStaleOnes(@TempDir Path dir) throws IOException {
        new TrainingReport("first", facts(), sigmoidRun(true), RANKS, confusion(), "validation", misclassified(3)).writeTo(dir);
        assertTrue(Files.exists(dir.resolve("accuracy.png")));

        new TrainingReport("regression", Map.of(), sigmoidRun(false), RANKS, null, "validation", List.of()).writeTo(dir);
        assertTrue(Files.exists(dir.resolve("loss.png")));
        assertTrue(Files.exists(dir.resolve("grad_norms.png")));
        for (String name : List.of("accuracy.png", "confusion.png", "misclassified.png")) {
            assertFalse(Files.exists(dir.resolve(name)), name + " should not exist for a regression run");
        }
        String html = Files.readString(dir.resolve("report.html"));
        assertFalse(html.contains("Confusion matrix"), "regression has no classes to confuse");
        assertFalse(html.contains("Accuracy"));
        List<String> lines = Files.readAllLines(dir.resolve("metrics.csv"));
        assertEquals(EPOCHS + 1, lines.size());
        String[] cells = lines.get(1).split(",", -1);
        assertEquals("", cells[2], "NaN train accuracy must be an empty cell");
        assertEquals("", cells[4], "NaN validation accuracy must be an empty cell");
    }

    @Test
    void regressionPredictionsGetAPredictedVsTrueChartThatAClassificationReportRemoves(@TempDir Path dir) throws IOException {
        float[] truth = {1, 2, 3, 4};
        float[] predicted = {1.5f, 2, 2, 4};
        var p = new RegressionPredictions("validation", truth, predicted);
        // SS_res = 0.25 + 0 + 1 + 0 = 1.25, mean 2.5, SS_tot = 2.25 + 0.25 + 0.25 + 2.25 = 5
        assertEquals(Math.sqrt(1.25 / 4), p.rmse(), 1e-12);
        assertEquals(1 - 1.25 / 5, p.r2(), 1e-12);
        assertTrue(Double.isNaN(new RegressionPredictions("training", new float[] {2, 2}, new float[] {1, 3}).r2()),
                "R² is undefined for constant targets");

        var chart = ReportCharts.predictionsChart(p);
        assertEquals("true", chart.getXAxisTitle());
        assertEquals("predicted", chart.getYAxisTitle());
        assertTrue(chart.getTitle().startsWith("Predicted vs true, validation set (4 rows"), chart.getTitle());
        assertEquals(chart.getStyler().getXAxisMin(), chart.getStyler().getYAxisMin(), "one range for both axes");
        assertEquals(chart.getStyler().getXAxisMax(), chart.getStyler().getYAxisMax(), "one range for both axes");
        assertTrue(chart.getSeriesMap().containsKey("y = x"), chart.getSeriesMap().keySet().toString());

        new TrainingReport("regression", Map.of(), sigmoidRun(false), RANKS, null, "validation", List.of(), p).writeTo(dir);
        BufferedImage png = ImageIO.read(dir.resolve("predictions.png").toFile());
        assertEquals(ReportCharts.PREDICTIONS_SIZE, png.getWidth());
        String html = Files.readString(dir.resolve("report.html"));
        assertTrue(html.contains("<h2>Predicted vs true</h2>"), "chart embedded");

        new TrainingReport("classification", facts(), sigmoidRun(true), RANKS, confusion(), "validation", List.of()).writeTo(dir);
        assertFalse(Files.exists(dir.resolve("predictions.png")), "stale predictions.png kept");
        assertFalse(Files.readString(dir.resolve("report.html")).contains("Predicted vs true"));
    }

    @Test
    void lossChartSwitchesToLogScaleBeyondTwoDecades(@TempDir Path dir) throws IOException {
        List<EpochMetrics> wide = new ArrayList<>();
        List<EpochMetrics> narrow = new ArrayList<>();
        List<EpochMetrics> zero = new ArrayList<>();
        for (int e = 1; e <= 5; e++) {
            // 0.1 .. 1e-5: four decades. 2.0 .. 0.04: under two decades. 4 .. 0: no log axis possible.
            wide.add(new EpochMetrics(e, Math.pow(10, -e), Double.NaN, Double.NaN, Double.NaN, 0.1, 1, Map.of(),
                    Map.of()));
            narrow.add(new EpochMetrics(e, 2.0 / Math.pow(2.6, e - 1), Double.NaN, Double.NaN, Double.NaN, 0.1,
                    1, Map.of(), Map.of()));
            zero.add(new EpochMetrics(e, 5 - e, Double.NaN, Double.NaN, Double.NaN, 0.1, 1, Map.of(), Map.of()));
        }
        assertTrue(ReportCharts.lossChart(wide, null).getStyler().isYAxisLogarithmic());
        assertFalse(ReportCharts.lossChart(narrow, null).getStyler().isYAxisLogarithmic());
        assertFalse(ReportCharts.lossChart(zero, null).getStyler().isYAxisLogarithmic());
        for (var run : List.of(wide, narrow, zero)) {
            assertEquals(480, ImageIO.read(new ByteArrayInputStream(ReportCharts.loss(run, null))).getHeight());
        }
        // Layers are ordered by their index, not by map order or string order ("10" < "2").
        Map<String, Double> shuffled = new LinkedHashMap<>();
        for (String name : List.of("10.weight", "head.weight", "2.weight", "0.bias", "0.weight")) {
            shuffled.put(name, 1.0);
        }
        assertEquals(List.of("0.weight", "2.weight", "10.weight", "head.weight"), ReportCharts.weightTensors(
                List.of(new EpochMetrics(1, 1, 1, 1, 1, 0.1, 1, shuffled, Map.of())),
                Map.of("10.weight", 2, "head.weight", 2, "2.weight", 4, "0.bias", 1, "0.weight", 2)));

        // No norms recorded: no gradient chart, and a report without epochs still writes its page.
        assertTrue(ReportCharts.weightTensors(wide, RANKS).isEmpty());
        List<Path> written = new TrainingReport("empty", Map.of(), List.of(), RANKS, null, null, List.of()).writeTo(dir);
        assertEquals(List.of(dir.toAbsolutePath().resolve("metrics.csv"), dir.toAbsolutePath().resolve("report.html")),
                written);
        assertEquals(1, Files.readAllLines(dir.resolve("metrics.csv")).size());
    }

    @Test
    void oneEpochChartsGetAPaddedRangeInsteadOfTicksAtTheDataValues() {
        // XChart 3.8.8 puts ticks at equally spaced data values: with one epoch (train and validation) its
        // labels were the raw doubles "0.59453982981606" and "0.167413046878421", and nothing between.
        List<EpochMetrics> one = List.of(new EpochMetrics(1, 0.59453982981606, 0.8122, 0.167413046878421,
                0.9534, 0.001, 10, Map.of(), Map.of()));
        var loss = ReportCharts.lossChart(one, null).getStyler();
        assertEquals(0.124, loss.getYAxisMin(), 1e-3);
        assertEquals(0.637, loss.getYAxisMax(), 1e-3);
        var accuracy = ReportCharts.accuracyChart(one, null).getStyler();
        assertEquals(79.8, accuracy.getYAxisMin(), 0.1);
        assertEquals(96.8, accuracy.getYAxisMax(), 0.1);
        // Perfect accuracy in every epoch: the range ends at 100 %, not above it.
        List<EpochMetrics> perfect = List.of(new EpochMetrics(1, 0.01, 1, 0.01, 1, 0.001, 1, Map.of(), Map.of()));
        assertEquals(100, ReportCharts.accuracyChart(perfect, null).getStyler().getYAxisMax(), 1e-9);
        // Many unevenly spaced values: XChart's own ticks, no fixed range.
        assertEquals(null, ReportCharts.lossChart(sigmoidRun(true), null).getStyler().getYAxisMax());
    }

    /**
     * One epoch without held-out data: one loss and one accuracy. The padded range was symmetric about the value, so
     * XChart's axis values {min, value, max} were equally spaced again and it put its only ticks there, labelled
     * "0.693700689077377", "0.630636990070343" and "0.567573291063309".
     */
    @Test
    void oneValueChartsHaveRoundTicks() throws Exception {
        List<EpochMetrics> one = List.of(new EpochMetrics(1, 0.630636990070343, 0.6425, Double.NaN, Double.NaN,
                0.001, 1, Map.of(), Map.of()));
        List<String> loss = linearAxisLabels(ReportCharts.lossChart(one, null).getStyler(), List.of(0.630636990070343));
        assertTrue(loss.size() >= 3, loss::toString);
        assertTrue(loss.stream().allMatch(l -> l.length() <= 5), () -> "long tick labels " + loss);
        List<String> accuracy = linearAxisLabels(ReportCharts.accuracyChart(one, null).getStyler(), List.of(64.25));
        assertTrue(accuracy.size() >= 3, accuracy::toString);
        assertTrue(accuracy.stream().allMatch(l -> l.length() <= 3), () -> "long tick labels " + accuracy);
        // the value is still inside the range, and a loss range stays at or above 0, an accuracy at or below 100
        var styler = ReportCharts.lossChart(one, null).getStyler();
        assertTrue(styler.getYAxisMin() < 0.6306 && styler.getYAxisMax() > 0.6307 && styler.getYAxisMin() >= 0);
        List<EpochMetrics> perfect = List.of(new EpochMetrics(1, 0.01, 1, Double.NaN, Double.NaN, 0.001, 1, Map.of(), Map.of()));
        assertEquals(100, ReportCharts.accuracyChart(perfect, null).getStyler().getYAxisMax(), 1e-9);
    }

    /** The labels XChart 3.8.8 draws on a chart's linear y axis over the given data values, from its own tick calculator. */
    private static List<String> linearAxisLabels(org.knowm.xchart.style.AxesChartStyler styler, List<Double> data) throws Exception {
        String pkg = "org.knowm.xchart.internal.chartpart.";
        @SuppressWarnings({"unchecked", "rawtypes"})
        Object y = Enum.valueOf((Class) Class.forName(pkg + "Axis$Direction"), "Y");
        var ctor = Class.forName(pkg + "AxisTickCalculator_Number").getDeclaredConstructor(y.getClass(), double.class,
                double.class, double.class, List.class, org.knowm.xchart.style.AxesChartStyler.class);
        ctor.setAccessible(true);
        var calc = (org.knowm.xchart.internal.chartpart.AxisTickCalculator_) ctor.newInstance(y, 400.0,
                styler.getYAxisMin(), styler.getYAxisMax(), data, styler);
        return calc.getTickLabels().stream().filter(l -> l != null && !l.isBlank()).toList();
    }

    @Test
    void classTableAndCaptionsDescribeWhatTheRunHad(@TempDir Path dir) throws IOException {
        // Everything predicted as class 2 (the deep sigmoid net of the README): classes 0 and 1 are never
        // predicted, so their precision is undefined; their F1 is 0, and the mean F1 is a third of class 2's.
        ConfusionMatrix cm = new ConfusionMatrix(3);
        for (int t = 0; t < 3; t++) {
            for (int n = 0; n < 10; n++) {
                cm.add(t, 2);
            }
        }
        List<EpochMetrics> trainOnly = sigmoidRun(true).stream().map(m -> new EpochMetrics(m.epoch(),
                m.trainLoss(), m.trainAccuracy(), Double.NaN, Double.NaN, 0.1, 1, m.gradNorms(),
                m.weightNorms())).toList();
        new TrainingReport("t", facts(), sigmoidRun(true), RANKS, cm, null, misclassified(36)).writeTo(dir);
        assertTrue(Files.exists(dir.resolve("lr.png")));
        new TrainingReport("t", facts(), trainOnly, RANKS, cm, null, misclassified(36)).writeTo(dir);
        String html = Files.readString(dir.resolve("report.html"));

        assertTrue(html.contains("<tr><td class=\"num\">0</td><td class=\"num\">10</td><td class=\"num\">&mdash;"
                + "</td><td class=\"num\">0.00%</td><td class=\"num\">0.00%</td></tr>"), html);
        // Class 2: precision 1/3, recall 1, F1 = 2*10 / (2*10 + 20 FP + 0 FN) = 50 % (the harmonic mean of 1/3
        // and 1); mean F1 50/3 %.
        assertTrue(html.contains("<td class=\"num\">50.00%</td></tr>"), "class 2's F1");
        assertTrue(html.contains("<th class=\"num\">16.67%</th></tr>"), "mean F1 over all three classes");
        // Mean precision as scikit-learn's default (zero_division=0): (0 + 0 + 1/3) / 3, not 1/3 over the one
        // predicted class; the footnote says so.
        assertTrue(html.contains("<tr><th class=\"num\">mean</th><th class=\"num\">30</th><th class=\"num\">11.11%</th>"
                + "<th class=\"num\">33.33%</th><th class=\"num\">16.67%</th></tr>"), "mean row");
        assertTrue(html.contains("the mean counts it as 0, as scikit-learn does by default (zero_division=0)."), "footnote");

        // Classes but no held-out data: the page says why there is no confusion matrix.
        new TrainingReport("t", facts(), trainOnly, RANKS, null, null, List.of()).writeTo(dir);
        assertTrue(Files.readString(dir.resolve("report.html")).contains("<p>No confusion matrix or per-class table: "
                + "no held-out data: give --val-split or --val-data.</p>"), "no-confusion note");
        new TrainingReport("t", facts(), trainOnly, RANKS, cm, null, misclassified(36)).writeTo(dir);
        html = Files.readString(dir.resolve("report.html"));
        assertFalse(html.contains("No confusion matrix"));
        // A constant learning rate: no lr.png, and the one a scheduled run left in the directory is removed.
        assertFalse(Files.exists(dir.resolve("lr.png")), "lr.png for a constant learning rate");
        assertFalse(html.contains("Learning rate"));
        assertTrue(html.contains("Training loss per epoch (no validation data"), "loss caption");
        assertTrue(html.contains("Training accuracy per epoch (no validation data"), "accuracy caption");
        assertFalse(html.contains("Train and validation"));
        // No more errors than images shown (this matrix has 20): the caption has no "first N of M".
        assertFalse(html.contains("The first"), "caption");
        assertTrue(html.contains("36 misclassified examples: true class / predicted class"), "caption");

        // More errors than images: the caption says how many there were in all.
        new TrainingReport("t", facts(), sigmoidRun(true), RANKS, confusion(), "validation", misclassified(36)).writeTo(dir);
        html = Files.readString(dir.resolve("report.html"));
        long errors = confusion().total();
        for (int c = 0; c < 10; c++) {
            errors -= count(c, c);
        }
        assertTrue(html.contains("The first 36 of the " + errors + " misclassified examples"), "caption");
        assertTrue(html.contains("Train and validation loss per epoch."));
    }

    @Test
    void gradientChartShowsLayerWeightsOnlyWithReadableTicks() {
        // A BatchNorm between two Linear layers: its scale "1.weight" is a vector, not a layer.
        List<EpochMetrics> epochs = new ArrayList<>();
        for (int e = 1; e <= 4; e++) {
            epochs.add(new EpochMetrics(e, 1, 0.5, 1, 0.5, 0.1, 1, Map.of("0.weight", 3.63 - 0.05 * e, "0.bias", 0.5,
                    "1.weight", 0.06, "1.bias", 0.05, "3.weight", 3.5 + 0.01 * e, "3.bias", 0.4), Map.of()));
        }
        List<String> weights = ReportCharts.weightTensors(epochs,
                Map.of("0.weight", 2, "0.bias", 1, "1.weight", 1, "1.bias", 1, "3.weight", 2, "3.bias", 1));
        assertEquals(List.of("0.weight", "3.weight"), weights);
        var chart = ReportCharts.gradientNormsChart(epochs, weights);
        assertEquals(Set.of("layer 1 (0.weight)", "layer 2 (3.weight)"), chart.getSeriesMap().keySet());
        // 3.43 .. 3.54 lies within one decade: XChart labelled only the two ends; the range is widened to round
        // values holding at least three one-digit multiples of a power of ten, each a labelled tick.
        assertEquals(2.0, chart.getStyler().getYAxisMin());
        assertEquals(4.0, chart.getStyler().getYAxisMax());
        assertEquals(List.of(0.1, 0.6), java.util.Arrays.stream(ReportCharts.logRange(0.18, 0.5)).boxed().toList());
        assertEquals(List.of(0.03, 0.9), java.util.Arrays.stream(ReportCharts.logRange(0.055, 0.55)).boxed().toList());
        assertEquals(List.of(9.0, 20.0), java.util.Arrays.stream(ReportCharts.logRange(9.9, 10.1)).boxed().toList());
    }

    /**
     * A 26-layer network's gradient chart: every layer's line is drawn, but the legend lists layers 1, 3, ..., 25 and
     * 26 only. With all 26 entries, the legend was taller than the 480-pixel image: layers 1 to 3 and 25 to 26 were
     * cut off, and the legend covered the end of the title.
     */
    @Test
    void aDeepNetworksGradientLegendFitsTheChart() throws IOException {
        List<String> names = new ArrayList<>();
        Map<String, Double> norms = new java.util.HashMap<>();
        for (int layer = 0; layer < 26; layer++) {
            names.add(2 * layer + ".weight");
            norms.put(2 * layer + ".weight", Math.pow(10, layer - 25));
        }
        List<EpochMetrics> epochs = new ArrayList<>();
        for (int e = 1; e <= 3; e++) {
            epochs.add(new EpochMetrics(e, 1, 0.5, 1, 0.5, 0.1, 1, norms, Map.of()));
        }
        var chart = ReportCharts.gradientNormsChart(epochs, names);
        assertEquals(26, chart.getSeriesMap().size(), "every layer's line is drawn");
        List<String> legend = chart.getSeriesMap().values().stream().filter(s -> s.isShowInLegend()).map(s -> s.getName()).toList();
        List<String> expected = new ArrayList<>();
        for (int layer = 1; layer <= 25; layer += 2) {
            expected.add(ReportCharts.layerLabel(names, layer - 1));
        }
        expected.add("layer 26 (50.weight)");
        assertEquals(expected, legend);
        assertTrue(legend.size() <= ReportCharts.MAX_LEGEND_ENTRIES);
        // up to the limit, every layer is listed
        var sixteen = ReportCharts.gradientNormsChart(epochs, names.subList(0, 16));
        assertTrue(sixteen.getSeriesMap().values().stream().allMatch(s -> s.isShowInLegend()));
    }

    @Test
    void logAxesSpanningDecadesEndAtTheDecadesAroundTheData() {
        // The deep sigmoid run of the README: first layer 1.2e-05, last 0.51. XChart labelled only the decades inside
        // the data (1E-4 .. 0.1), so the first two layers' lines lay below the lowest label and could not be read.
        List<EpochMetrics> epochs = new ArrayList<>();
        for (int e = 1; e <= 4; e++) {
            epochs.add(new EpochMetrics(e, 3e-5 * e, Double.NaN, 0.3 / e, Double.NaN, Math.pow(10, -e), 1,
                    Map.of("0.weight", 1.17e-05, "2.weight", 2.55e-05, "4.weight", 0.0133, "6.weight", 0.51), Map.of()));
        }
        var grads = ReportCharts.gradientNormsChart(epochs, List.of("0.weight", "2.weight", "4.weight", "6.weight")).getStyler();
        assertTrue(grads.isYAxisLogarithmicDecadeOnly());
        assertEquals(1e-5, grads.getYAxisMin());
        assertEquals(1.0, grads.getYAxisMax());
        var loss = ReportCharts.lossChart(epochs, "validation").getStyler(); // 3e-05 .. 0.3
        assertTrue(loss.isYAxisLogarithmic());
        assertEquals(1e-5, loss.getYAxisMin());
        assertEquals(1.0, loss.getYAxisMax());
        var lr = ReportCharts.learningRateChart(epochs).getStyler(); // 1e-4 .. 0.1: already decades
        assertEquals(1e-4, lr.getYAxisMin());
        assertEquals(0.1, lr.getYAxisMax());
        assertEquals(List.of(1e-22, 1e22), java.util.Arrays.stream(ReportCharts.decades(5.9e-22, 1.4e21)).boxed().toList());
        assertEquals(List.of(10.0, 100.0), java.util.Arrays.stream(ReportCharts.decades(10, 10)).boxed().toList());
    }

    @Test
    void vanishingGradientNoteNeedsTwoWeightLayers(@TempDir Path dir) throws IOException {
        new TrainingReport("one layer", facts(), sigmoidRun(true), Map.of("6.weight", 2, "6.bias", 1), confusion(),
                "validation", List.of()).writeTo(dir);
        String html = Files.readString(dir.resolve("report.html"));
        assertTrue(html.contains("<h2>Gradient norms</h2>"), "the one layer's chart stays");
        assertFalse(html.contains("Vanishing gradients"), "vanishing-gradient note for a one-layer model");
    }

    /** Dark (text) pixels in rows [y0, y1) of {@code img}. */
    private static int darkPixels(BufferedImage img, int y0, int y1) {
        int n = 0;
        for (int y = y0; y < y1; y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y);
                if (((rgb >> 16) & 0xff) < 128 && ((rgb >> 8) & 0xff) < 128 && (rgb & 0xff) < 128) {
                    n++;
                }
            }
        }
        return n;
    }

    /**
     * misclassified.png had no title: opened on its own (not beside the report's caption), "true 3 / pred 6 (0.17)"
     * under each image did not say what 0.17 is. A title says which images these are and how to read the label,
     * also for a grid of one image, which is widened to fit it.
     */
    @Test
    void misclassifiedGridHasATitleThatExplainsTheLabels(@TempDir Path dir) throws IOException {
        assertEquals(List.of("Misclassified test images",
                "under each: true class / predicted class (the model's probability for the predicted class)"),
                MisclassifiedGrid.title("test"));
        for (int n : new int[] {1, 20}) {
            new TrainingReport(TITLE, facts(), sigmoidRun(true), RANKS, confusion(), "test", misclassified(n)).writeTo(dir);
            BufferedImage grid = png(dir.resolve("misclassified.png"));
            // text in the title band, which ends above the first image (the white margin row before it)
            assertTrue(darkPixels(grid, 0, 24) > 100, "no first title line");
            assertTrue(darkPixels(grid, 24, MisclassifiedGrid.TITLE_HEIGHT) > 100, "no second title line");
            for (int x = 0; x < grid.getWidth(); x++) {
                assertEquals(0xffffff, grid.getRGB(x, MisclassifiedGrid.TITLE_HEIGHT + 5) & 0xffffff, "title runs into the images");
            }
            assertTrue(grid.getWidth() >= 10 + 3 * 150 + 10, "a one-image grid too narrow for its title");
        }
    }

    /**
     * With many classes (here 30) the confusion matrix shows no counts in its cells, and had no color scale, so
     * its shades could not be read. A scale right of the matrix runs from white (0) to the largest count's blue,
     * on log(1 + count) as the cells are colored, with ticks at 0, 1, 2, 5, 10, ... and the largest count.
     */
    @Test
    void confusionMatrixHasAColorScaleOfCounts() {
        ConfusionMatrix cm = new ConfusionMatrix(30);
        for (int t = 0; t < 30; t++) {
            for (int p = 0; p < 30; p++) {
                for (int n = t == p ? 196 : (t * p) % 4; n > 0; n--) {
                    cm.add(t, p);
                }
            }
        }
        BufferedImage img = ReportCharts.confusionImage(cm, "test", List.of());
        assertEquals(800, img.getWidth());
        assertEquals(720, img.getHeight());
        // the bar: a column of the scale's margin from the top of the scale (196) down to its bottom (0)
        int x = 800 - ReportCharts.CONFUSION_SCALE_WIDTH + 8 + 9, top = 70, bottom = 720 - 120;
        assertEquals(ReportCharts.confusionColor(196, 196).getRGB() & 0xffffff, img.getRGB(x, top) & 0xffffff, "top: the largest count");
        assertEquals(0xffffff, img.getRGB(x, bottom) & 0xffffff, "bottom: count 0");
        for (long c : List.of(1L, 2L, 5L, 10L, 50L)) {
            int y = (int) Math.round(bottom - Math.log1p(c) / Math.log1p(196) * (bottom - top));
            int want = ReportCharts.confusionColor(c, 196).getRGB(), got = img.getRGB(x, y);
            for (int shift : new int[] {16, 8, 0}) {
                assertEquals((want >> shift) & 0xff, (got >> shift) & 0xff, 3, "the scale's shade at count " + c);
            }
        }
        assertEquals(List.of(0L, 1L, 2L, 5L, 10L, 20L, 50L, 100L, 196L), ReportCharts.scaleCounts(196, 0.02));
        assertEquals(List.of(0L, 1L, 2L, 5L, 10L, 20L, 50L, 196L), ReportCharts.scaleCounts(196, 0.2), "100 crowds 196");
        assertEquals(List.of(0L), ReportCharts.scaleCounts(0, 0.02));
        // tick labels right of the bar
        int labels = 0;
        for (int y = top - 10; y < bottom + 10; y++) {
            for (int lx = x + 20; lx < 800; lx++) {
                labels += (img.getRGB(lx, y) & 0xff) < 100 ? 1 : 0;
            }
        }
        assertTrue(labels > 200, "no tick labels beside the scale");
    }

    /** The labels XChart 3.8.8 draws on a chart's log y axis, from its own tick calculator. */
    private static List<String> logAxisLabels(org.knowm.xchart.style.AxesChartStyler styler) throws Exception {
        String pkg = "org.knowm.xchart.internal.chartpart.";
        @SuppressWarnings({"unchecked", "rawtypes"})
        Object y = Enum.valueOf((Class) Class.forName(pkg + "Axis$Direction"), "Y");
        var ctor = Class.forName(pkg + "AxisTickCalculator_Logarithmic").getDeclaredConstructor(y.getClass(), double.class,
                double.class, double.class, org.knowm.xchart.style.AxesChartStyler.class);
        ctor.setAccessible(true);
        var calc = (org.knowm.xchart.internal.chartpart.AxisTickCalculator_) ctor.newInstance(y, 400.0,
                styler.getYAxisMin(), styler.getYAxisMax(), styler);
        return calc.getTickLabels().stream().filter(l -> l != null && !l.isBlank()).toList();
    }

    /**
     * A log axis across 0.001 (or 1000) mixed formats: "0.001" beside "1E-4", XChart's per-label choice. Every
     * label of an axis is now in one format: scientific when the axis crosses either bound, plain otherwise.
     */
    @Test
    void logAxisLabelsShareOneFormat() throws Exception {
        List<EpochMetrics> epochs = new ArrayList<>();
        for (int e = 1; e <= 6; e++) {
            epochs.add(new EpochMetrics(e, 2 * Math.pow(0.2, e), Double.NaN, 3 * Math.pow(0.2, e), Double.NaN,
                    0.1 * Math.pow(0.3, e), 1, Map.of("0.weight", 2e-5 * e, "2.weight", 0.3 * e), Map.of()));
        }
        List<String> loss = logAxisLabels(ReportCharts.lossChart(epochs, "test").getStyler());
        List<String> lr = logAxisLabels(ReportCharts.learningRateChart(epochs).getStyler());
        List<String> grads = logAxisLabels(ReportCharts.gradientNormsChart(epochs, List.of("0.weight", "2.weight")).getStyler());
        assertEquals(List.of("1E-5", "1E-4", "1E-3", "1E-2", "1E-1", "1E0", "1E1"), grads); // 2e-5 .. 1.8
        for (List<String> labels : List.of(loss, lr, grads)) {
            assertTrue(labels.size() >= 3, labels.toString());
            assertTrue(labels.stream().allMatch(l -> l.contains("E")), "mixed formats: " + labels);
        }
        // inside [0.001, 1000] every label is plain
        List<EpochMetrics> plain = new ArrayList<>();
        for (int e = 1; e <= 3; e++) { // 0.005 .. 0.6
            plain.add(new EpochMetrics(e, 5 * Math.pow(0.1, e), Double.NaN, 6 * Math.pow(0.1, e), Double.NaN, 0.1, 1,
                    Map.of(), Map.of()));
        }
        assertEquals(List.of("0.001", "0.01", "0.1", "1"), logAxisLabels(ReportCharts.lossChart(plain, "test").getStyler()));
    }

    @Test
    void confusionTitleNamesTheSetItCounts() {
        assertEquals("Confusion matrix, validation set (" + confusion().total() + " samples, accuracy "
                + String.format(Locale.ROOT, "%.2f%%)", 100 * confusion().accuracy()),
                ReportCharts.confusionTitle(confusion(), "validation"));
        assertTrue(ReportCharts.confusionTitle(confusion(), "test").startsWith("Confusion matrix, test set ("));
    }
}
