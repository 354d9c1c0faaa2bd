package io.jgrad.cli;

import io.jgrad.train.ConfusionMatrix;
import io.jgrad.train.EpochMetrics;
import io.jgrad.train.GradientSpread;
import io.jgrad.train.MetricsCsv;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The report's charts as PNG bytes, drawn with XChart: loss and accuracy per epoch, gradient norm per
 * weight tensor per epoch (log scale), and the confusion matrix as a heat map.
 */
final class ReportCharts {
    static {
        // Must precede the first AWT call: the CLI runs on servers without a display.
        System.setProperty("java.awt.headless", "true");
    }

    static final int WIDTH = 800;
    static final int HEIGHT = 480;
    static final int CONFUSION_WIDTH = 800;
    static final int CONFUSION_HEIGHT = 720;

    static final Color TRAIN_COLOR = new Color(0x1f77b4);
    static final Color VALIDATION_COLOR = new Color(0xe6550d);
    /** Depth palette for the gradient chart, first layer to last: dark blue, purple, pink, orange. */
    private static final Color[] DEPTH = {new Color(0x0d0887), new Color(0x7e03a8), new Color(0xcc4778),
            new Color(0xf89540)};
    /** Confusion-matrix ramp, zero to the largest count; the darkest blue still shows black digits. */
    private static final Color[] BLUES = {Color.WHITE, new Color(0xc6dbef), new Color(0x6baed6),
            new Color(0x4292c6)};
    private static final int MAX_CONFUSION_COLOR_STOPS = 2048;
    /** Above this many epochs the markers would merge into a thick line. */
    private static final int MAX_EPOCHS_WITH_MARKERS = 40;
    private static final String FONT = Font.SANS_SERIF;

    private ReportCharts() {
    }

    /**
     * Train and held-out loss; log-scale y when the positive values span more than two decades. The held-out
     * series is named {@code heldOut} ("validation" or "test"; null reads "validation").
     */
    static byte[] loss(List<EpochMetrics> epochs, String heldOut) throws IOException {
        return png(lossChart(epochs, heldOut));
    }

    static XYChart lossChart(List<EpochMetrics> epochs, String heldOut) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = 0;
        boolean allPositive = true;
        for (EpochMetrics m : epochs) {
            for (double v : new double[] {m.trainLoss(), m.valLoss()}) {
                if (Double.isFinite(v)) {
                    allPositive &= v > 0;
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        boolean log = allPositive && hi > 0 && hi / lo > 100;
        XYChart chart = lineChart("Loss per epoch", log ? "loss (log scale)" : "loss");
        if (log) {
            logY(chart.getStyler());
            logTicks(chart.getStyler(), lo, hi);
        }
        addSeries(chart, "train", epochs, EpochMetrics::trainLoss, TRAIN_COLOR, log);
        addSeries(chart, heldOut == null ? "validation" : heldOut, epochs, EpochMetrics::valLoss, VALIDATION_COLOR, log);
        if (!log) {
            padLinearRange(chart, epochs, Double.POSITIVE_INFINITY, EpochMetrics::trainLoss, EpochMetrics::valLoss);
        }
        return chart;
    }

    /** True when the epochs' learning rates are not all the same (a --schedule changed it). */
    static boolean lrVaries(List<EpochMetrics> epochs) {
        return epochs.stream().mapToDouble(EpochMetrics::learningRate).filter(Double::isFinite).distinct().count() > 1;
    }

    /** The learning rate each epoch trained with; log-scale y when it spans more than two decades. */
    static byte[] learningRate(List<EpochMetrics> epochs) throws IOException {
        return png(learningRateChart(epochs));
    }

    static XYChart learningRateChart(List<EpochMetrics> epochs) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = 0;
        for (EpochMetrics m : epochs) {
            if (Double.isFinite(m.learningRate()) && m.learningRate() > 0) {
                lo = Math.min(lo, m.learningRate());
                hi = Math.max(hi, m.learningRate());
            }
        }
        boolean log = hi > 0 && hi / lo > 100;
        XYChart chart = lineChart("Learning rate per epoch", log ? "learning rate (log scale)" : "learning rate");
        chart.getStyler().setLegendVisible(false);
        if (log) {
            logY(chart.getStyler());
            logTicks(chart.getStyler(), lo, hi);
        } else {
            chart.getStyler().setYAxisDecimalPattern("0.########"); // XChart's default writes .001
        }
        addSeries(chart, "learning rate", epochs, EpochMetrics::learningRate, TRAIN_COLOR, log);
        if (!log) {
            padLinearRange(chart, epochs, Double.POSITIVE_INFINITY, EpochMetrics::learningRate);
        }
        return chart;
    }

    /** True when some epoch has a finite train or validation accuracy (false for regression). */
    static boolean hasAccuracy(List<EpochMetrics> epochs) {
        return epochs.stream().anyMatch(m -> Double.isFinite(m.trainAccuracy())
                || Double.isFinite(m.valAccuracy()));
    }

    /** Train and held-out accuracy in percent; the held-out series is named as in {@link #loss}. */
    static byte[] accuracy(List<EpochMetrics> epochs, String heldOut) throws IOException {
        return png(accuracyChart(epochs, heldOut));
    }

    static XYChart accuracyChart(List<EpochMetrics> epochs, String heldOut) {
        XYChart chart = lineChart("Accuracy per epoch", "accuracy (%)");
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
        ToDoubleFunction<EpochMetrics> train = m -> 100 * m.trainAccuracy();
        ToDoubleFunction<EpochMetrics> validation = m -> 100 * m.valAccuracy();
        addSeries(chart, "train", epochs, train, TRAIN_COLOR, false);
        addSeries(chart, heldOut == null ? "validation" : heldOut, epochs, validation, VALIDATION_COLOR, false);
        padLinearRange(chart, epochs, 100, train, validation);
        return chart;
    }

    /**
     * XChart 3.8.8 puts a linear axis's ticks at the data values themselves when they are equally spaced,
     * which two values always are (one epoch with train and validation, or two epochs of one series): the
     * labels then read "0.59453982981606" at the extremes and nothing between. An explicit range, padded by
     * a tenth of the span (or of the value when there is one, then widened to round ends not symmetric about it),
     * brings back evenly spaced round ticks. The
     * range stays at or above 0 for non-negative data and at or below {@code ceiling} (100 for accuracy).
     */
    @SafeVarargs
    static void padLinearRange(XYChart chart, List<EpochMetrics> epochs, double ceiling, ToDoubleFunction<EpochMetrics>... series) {
        java.util.TreeSet<Double> values = new java.util.TreeSet<>();
        for (EpochMetrics m : epochs) {
            for (ToDoubleFunction<EpochMetrics> f : series) {
                double v = f.applyAsDouble(m);
                if (Double.isFinite(v)) {
                    values.add(v);
                }
            }
        }
        if (values.isEmpty() || !equallySpaced(new ArrayList<>(values))) {
            return;
        }
        double lo = values.first();
        double hi = values.last();
        double pad = hi > lo ? (hi - lo) / 10 : Math.max(Math.abs(hi) / 10, 1e-3);
        double min = lo - pad;
        double max = hi + pad;
        if (hi == lo) {
            // One value between symmetric ends: {min, value, max} are equally spaced again, and XChart would label
            // just those three raw doubles. Ends on multiples of a power of ten below the pad, not both at the same
            // distance from the value, let it choose round ticks.
            double step = Math.pow(10, Math.floor(Math.log10(pad)));
            min = Math.floor(min / step) * step;
            max = Math.ceil(max / step) * step;
            if (Math.abs((max - hi) - (lo - min)) <= 1e-9 * (max - min)) {
                max += step;
            }
        }
        AxesChartStyler styler = chart.getStyler();
        // A loss or accuracy below zero means nothing: keep the padded range from crossing it.
        styler.setYAxisMin(lo >= 0 ? Math.max(0, min) : min);
        styler.setYAxisMax(hi <= ceiling ? Math.min(ceiling, max) : max);
    }

    /** True for one or two values, or values whose gaps are all equal (to 1e-9 of the span). */
    private static boolean equallySpaced(List<Double> sorted) {
        if (sorted.size() <= 2) {
            return true;
        }
        double step = sorted.get(1) - sorted.get(0);
        double tolerance = 1e-9 * (sorted.getLast() - sorted.getFirst());
        for (int i = 2; i < sorted.size(); i++) {
            if (Math.abs(sorted.get(i) - sorted.get(i - 1) - step) > tolerance) {
                return false;
            }
        }
        return true;
    }

    /**
     * The names of the weight tensors in the gradient-norm chart, input layer first: the parameters with 2 or
     * more dimensions ({@code ranks}: name to number of dimensions), that is the weights of Linear and Conv
     * layers. Biases and normalization layers' scales and shifts (BatchNorm's "1.weight" is a vector) are left
     * out: they are not layers of the depth the chart is about. A name without a rank is left out too. Names
     * that start with a layer index ("2.weight") are ordered by it, so "10.weight" follows "9.weight" whatever
     * order the maps list them in; the others keep their first-seen order, after.
     */
    static List<String> weightTensors(List<EpochMetrics> epochs, Map<String, Integer> ranks) {
        List<String> names = new ArrayList<>();
        for (String name : MetricsCsv.parameterNames(epochs, EpochMetrics::gradNorms)) {
            Integer rank = ranks.get(name);
            if (rank != null && rank >= 2) {
                names.add(name);
            }
        }
        names.sort(Comparator.comparingLong(ReportCharts::layerIndex));
        return names;
    }

    /** Each parameter's number of dimensions, by name: what tells weight tensors (2 or more) from biases. */
    static Map<String, Integer> ranks(io.jgrad.nn.Module model) {
        Map<String, Integer> ranks = new java.util.LinkedHashMap<>();
        model.namedParameters().forEach((name, t) -> ranks.put(name, t.dim()));
        return ranks;
    }

    /** The gradient spread of the last of {@code epochs} over the weight tensors of {@code model}, or null. */
    static GradientSpread spread(List<EpochMetrics> epochs, io.jgrad.nn.Module model) {
        return GradientSpread.of(epochs, weightTensors(epochs, ranks(model)));
    }

    /** The legend label of the i-th (0-based) weight tensor: "layer 1 (0.weight)". */
    static String layerLabel(List<String> weights, int i) {
        return "layer " + (i + 1) + " (" + weights.get(i) + ")";
    }

    /** The leading decimal index of a parameter name ("12.weight" gives 12), Long.MAX_VALUE if none. */
    private static long layerIndex(String name) {
        int end = 0;
        while (end < name.length() && end < 18 && Character.isDigit(name.charAt(end))) {
            end++;
        }
        return end == 0 ? Long.MAX_VALUE : Long.parseLong(name.substring(0, end));
    }

    /**
     * Mean gradient L2 norm per weight tensor per epoch, log-scale y, colored by depth (first layer dark
     * blue, last orange) so a fan of lines decades apart shows vanishing gradients at a glance.
     */
    static byte[] gradientNorms(List<EpochMetrics> epochs, List<String> weights) throws IOException {
        return png(gradientNormsChart(epochs, weights));
    }

    static XYChart gradientNormsChart(List<EpochMetrics> epochs, List<String> names) {
        XYChart chart = lineChart("Gradient L2 norm per weight tensor (mean over the epoch's steps)",
                "gradient norm (log scale)");
        AxesChartStyler styler = chart.getStyler();
        logY(styler);
        styler.setLegendPosition(Styler.LegendPosition.OutsideE);
        double lo = Double.POSITIVE_INFINITY, hi = 0;
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            Color color = interpolate(DEPTH, names.size() == 1 ? 0 : (double) i / (names.size() - 1));
            addSeries(chart, layerLabel(names, i), epochs, m -> norm(m.gradNorms(), name), color, true);
            for (EpochMetrics m : epochs) {
                double v = norm(m.gradNorms(), name);
                if (v > 0 && Double.isFinite(v)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        logTicks(styler, lo, hi);
        thinLegend(chart, names);
        return chart;
    }

    /**
     * The most legend entries the gradient chart shows: about 20 rows of the legend's font fit beside the plot of a
     * {@link #HEIGHT}-pixel chart; more ran off the top and bottom of the image and over the title.
     */
    static final int MAX_LEGEND_ENTRIES = 16;

    /**
     * Keeps in the legend of a chart with more than {@link #MAX_LEGEND_ENTRIES} layers only every k-th layer's line
     * and the last one's (k the smallest stride that fits); every line is still drawn, and its color, between those
     * of the labelled layers around it, says where it lies. Modified: the series' legend flags of {@code chart}.
     */
    private static void thinLegend(XYChart chart, List<String> names) {
        int n = names.size();
        if (n <= MAX_LEGEND_ENTRIES) {
            return;
        }
        int stride = (n - 2) / (MAX_LEGEND_ENTRIES - 1) + 1; // entries 0, stride, 2 stride, ... below n - 1, and n - 1
        for (int i = 0; i < n; i++) {
            XYSeries series = chart.getSeriesMap().get(layerLabel(names, i));
            if (series != null) {
                series.setShowInLegend(i % stride == 0 || i == n - 1);
            }
        }
    }

    /** Width of the color scale right of the confusion matrix. */
    static final int CONFUSION_SCALE_WIDTH = 90;

    /**
     * The confusion matrix as a heat map, true class 0 in the top row, counts written in the cells (up to 20
     * classes; beyond, they do not fit). The color follows log(1 + count), so a handful of errors is still visibly
     * tinted next to a diagonal of thousands; a color scale on the right, ticked at counts, says which shade is
     * which count, which is all a matrix of many classes shows.
     */
    static byte[] confusion(ConfusionMatrix cm, String heldOut, List<String> classNames) throws IOException {
        return png(confusionImage(cm, heldOut, classNames));
    }

    /** The image {@link #confusion} encodes: the heat map, then the color scale in the right margin. */
    static BufferedImage confusionImage(ConfusionMatrix cm, String heldOut, List<String> classNames) {
        long max = 0;
        for (int t = 0; t < cm.classes(); t++) {
            for (int p = 0; p < cm.classes(); p++) {
                max = Math.max(max, cm.count(t, p));
            }
        }
        BufferedImage image = new BufferedImage(CONFUSION_WIDTH, CONFUSION_HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, CONFUSION_WIDTH, CONFUSION_HEIGHT);
            g.drawImage(BitmapEncoder.getBufferedImage(confusionChart(cm, heldOut, classNames)), 0, 0, null);
            drawCountScale(g, max, CONFUSION_WIDTH - CONFUSION_SCALE_WIDTH + 8, 70, CONFUSION_HEIGHT - 120);
        } finally {
            g.dispose();
        }
        return image;
    }

    /** The shade of a cell holding {@code count} in a matrix whose largest count is {@code max}. */
    static Color confusionColor(double count, long max) {
        return interpolate(BLUES, max == 0 ? 0 : Math.log1p(count) / Math.log1p(max));
    }

    /**
     * The counts labelled on the color scale: 0, 1, 2, 5, 10, 20, 50, ... up to {@code max}, then {@code max}
     * itself; a round count whose label would touch max's (at most {@code minGap} of the scale's log1p height
     * away) is left out.
     */
    static List<Long> scaleCounts(long max, double minGap) {
        List<Long> counts = new ArrayList<>(List.of(0L));
        if (max == 0) {
            return counts;
        }
        for (long decade = 1; decade <= max && decade > 0; decade *= 10) {
            for (long m : new long[] {1, 2, 5}) {
                long c = m * decade;
                if (c < max && (Math.log1p(max) - Math.log1p(c)) / Math.log1p(max) > minGap) {
                    counts.add(c);
                }
            }
        }
        counts.add(max);
        return counts;
    }

    /** A vertical bar from {@code bottom} (count 0) up to {@code top} (count max), on log(1 + count), with its ticks. */
    private static void drawCountScale(Graphics2D g, long max, int x, int top, int bottom) {
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        int barWidth = 18;
        for (int y = top; y <= bottom; y++) {
            double t = (double) (bottom - y) / (bottom - top);
            g.setColor(interpolate(BLUES, max == 0 ? 0 : t));
            g.drawLine(x, y, x + barWidth - 1, y);
        }
        g.setColor(new Color(0xbbbbbb));
        g.drawRect(x - 1, top - 1, barWidth + 1, bottom - top + 2);
        Font font = new Font(FONT, Font.PLAIN, 13);
        g.setFont(font);
        var fm = g.getFontMetrics();
        g.setColor(new Color(0x222222));
        g.drawString("count", x - 2, top - 12);
        double minGap = (fm.getAscent() + 2.0) / (bottom - top);
        for (long c : scaleCounts(max, minGap)) {
            int y = max == 0 ? bottom : (int) Math.round(bottom - Math.log1p(c) / Math.log1p(max) * (bottom - top));
            g.drawLine(x + barWidth, y, x + barWidth + 4, y);
            g.drawString(String.format(Locale.ROOT, "%,d", c), x + barWidth + 7, y + fm.getAscent() / 2 - 1);
        }
    }

    /** {@code classNames}: the axes' labels for classes 0, 1, ..., or empty for their indices. */
    private static HeatMapChart confusionChart(ConfusionMatrix cm, String heldOut, List<String> classNames) {
        int k = cm.classes();
        HeatMapChart chart = new HeatMapChartBuilder().width(CONFUSION_WIDTH - CONFUSION_SCALE_WIDTH).height(CONFUSION_HEIGHT)
                .title(confusionTitle(cm, heldOut)).xAxisTitle("predicted class").yAxisTitle("true class").build();
        var styler = chart.getStyler();
        styleCommon(styler);
        styler.setLegendVisible(false); // XChart's gradient legend labels only its ends ("0.0", "196.0"): drawn here instead
        styler.setPlotContentSize(1.0);
        // XChart interpolates linearly between equally spaced color stops over [min, max] of the cells; a
        // stop per count (up to a cap) lets the ramp follow log(1 + count) exactly for small counts.
        long min = Long.MAX_VALUE;
        long max = 0;
        for (int t = 0; t < k; t++) {
            for (int p = 0; p < k; p++) {
                min = Math.min(min, cm.count(t, p));
                max = Math.max(max, cm.count(t, p));
            }
        }
        int n = Math.clamp(max - min + 1, 2, MAX_CONFUSION_COLOR_STOPS);
        Color[] stops = new Color[n];
        for (int i = 0; i < n; i++) {
            double count = min + (double) i * (max - min) / (n - 1);
            stops[i] = confusionColor(count, max);
        }
        styler.setRangeColors(stops);
        styler.setDrawBorder(true);
        styler.setShowValue(k <= 20);
        styler.setValueFont(new Font(FONT, Font.PLAIN, k <= 10 ? 15 : 11));
        styler.setValueFontColor(Color.BLACK);
        styler.setHeatMapValueDecimalPattern("0");
        styler.setPlotGridLinesVisible(false);
        List<Object> predicted = new ArrayList<>(k);
        List<Object> trueTopDown = new ArrayList<>(k);
        for (int i = 0; i < k; i++) {
            predicted.add(classNames.isEmpty() ? (Object) i : classNames.get(i));
            trueTopDown.add(classNames.isEmpty() ? (Object) (k - 1 - i) : classNames.get(k - 1 - i));
        }
        // Cells are {x index, y index, value}; y index 0 is the bottom row, so true class t sits at k-1-t.
        List<Number[]> cells = new ArrayList<>(k * k);
        for (int t = 0; t < k; t++) {
            for (int p = 0; p < k; p++) {
                cells.add(new Number[] {p, k - 1 - t, cm.count(t, p)});
            }
        }
        chart.addSeries("confusion", predicted, trueTopDown, cells);
        return chart;
    }

    /** Above this many rows the predicted-vs-true chart draws an evenly spaced subset of them. */
    static final int MAX_SCATTER_POINTS = 5000;
    static final int PREDICTIONS_SIZE = 680;
    /** The y = x line, drawn under the points. */
    private static final Color IDENTITY_COLOR = new Color(0x888888);

    /** How many of {@code rows} rows the predicted-vs-true chart draws. */
    static int scatterRows(int rows) {
        return Math.min(rows, MAX_SCATTER_POINTS);
    }

    /**
     * A regression model's prediction for each row against the row's true target, with the line y = x: points on
     * it are exact. Both axes share one range, padded by a twentieth of the span, so the line is the diagonal and
     * the plot is close to square. Over {@link #MAX_SCATTER_POINTS} rows, an evenly spaced subset is drawn.
     */
    static byte[] predictions(RegressionPredictions p) throws IOException {
        return png(predictionsChart(p));
    }

    static XYChart predictionsChart(RegressionPredictions p) {
        int n = p.size();
        int shown = scatterRows(n);
        double[] x = new double[shown];
        double[] y = new double[shown];
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        int m = 0;
        for (int k = 0; k < shown; k++) {
            int i = (int) ((long) k * n / shown);
            double t = p.truth()[i], v = p.predicted()[i];
            if (Double.isFinite(t) && Double.isFinite(v)) {
                x[m] = t;
                y[m++] = v;
                lo = Math.min(lo, Math.min(t, v));
                hi = Math.max(hi, Math.max(t, v));
            }
        }
        String title = predictionsTitle(p, shown);
        XYChart chart = new XYChartBuilder().width(PREDICTIONS_SIZE).height(PREDICTIONS_SIZE).title(title)
                .xAxisTitle("true").yAxisTitle("predicted").build();
        AxesChartStyler styler = chart.getStyler();
        styleCommon(styler);
        styler.setChartTitleFont(new Font(FONT, Font.BOLD, 15));
        styler.setLegendPosition(Styler.LegendPosition.InsideNW);
        styler.setYAxisLabelAlignment(AxesChartStyler.TextAlignment.Right);
        if (m == 0) {
            lo = 0;
            hi = 1;
        }
        double pad = hi > lo ? (hi - lo) / 20 : Math.max(Math.abs(hi) / 10, 1e-3);
        lo -= pad;
        hi += pad;
        styler.setXAxisMin(lo);
        styler.setXAxisMax(hi);
        styler.setYAxisMin(lo);
        styler.setYAxisMax(hi);
        XYSeries line = chart.addSeries("y = x", new double[] {lo, hi}, new double[] {lo, hi});
        line.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        line.setMarker(SeriesMarkers.NONE);
        line.setLineColor(IDENTITY_COLOR);
        line.setLineStyle(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, new float[] {6f, 4f}, 0f));
        if (m > 0) {
            XYSeries points = chart.addSeries(p.set() + " rows", Arrays.copyOf(x, m), Arrays.copyOf(y, m));
            points.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            points.setMarker(SeriesMarkers.CIRCLE);
            // Translucent, so that dense regions read darker than lone points.
            points.setMarkerColor(new Color(TRAIN_COLOR.getRed(), TRAIN_COLOR.getGreen(), TRAIN_COLOR.getBlue(),
                    shown > 1000 ? 90 : 160));
            styler.setMarkerSize(shown > 1000 ? 4 : 6);
        }
        return chart;
    }

    /** "Predicted vs true, validation set (100 rows, RMSE 0.1023, R² 0.9871)". */
    static String predictionsTitle(RegressionPredictions p, int shown) {
        double r2 = p.r2();
        return String.format(Locale.ROOT, "Predicted vs true, %s set (%s, RMSE %s, R² %s)", p.set(),
                shown < p.size() ? String.format(Locale.ROOT, "%,d of %,d rows", shown, p.size())
                        : String.format(Locale.ROOT, "%,d rows", p.size()),
                Reports.significant(p.rmse()), Double.isNaN(r2) ? "undefined" : String.format(Locale.ROOT, "%.4f", r2));
    }

    /** "Confusion matrix, validation set (180 samples, accuracy 55.00%)": which samples it counts. */
    static String confusionTitle(ConfusionMatrix cm, String heldOut) {
        return String.format(Locale.ROOT, "Confusion matrix%s (%d samples, accuracy %.2f%%)",
                heldOut == null ? "" : ", " + heldOut + " set", cm.total(), 100 * cm.accuracy());
    }

    private static double norm(Map<String, Double> norms, String name) {
        Double v = norms == null ? null : norms.get(name);
        return v == null ? Double.NaN : v;
    }

    private static XYChart lineChart(String title, String yTitle) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle("epoch").yAxisTitle(yTitle).build();
        AxesChartStyler styler = chart.getStyler();
        styleCommon(styler);
        styler.setLegendPosition(Styler.LegendPosition.InsideNE);
        styler.setXAxisDecimalPattern("0");
        // Right-aligned, so short labels ("1", "0.7") sit against the axis instead of floating off it.
        styler.setYAxisLabelAlignment(AxesChartStyler.TextAlignment.Right);
        styler.setMarkerSize(6);
        return chart;
    }

    private static void logY(AxesChartStyler styler) {
        // No custom tick-label function here: XChart 3.8.8 then places ticks as on a linear axis while
        // still plotting on the log scale, so the labels lie.
        styler.setYAxisLogarithmic(true);
    }

    /**
     * Decades only when the values span several of them, on a range from the decade at or below the smallest value
     * to the one at or above the largest: XChart 3.8.8 labels only the decades inside the data's own range, so the
     * lowest line (a first layer's 1.2e-05 under a lowest label of 1E-4) sat below every label, and its value could
     * not be read. Over a narrower span XChart labels the ends of the data range (3.453 and 3.63) and the
     * multiples of a power of ten between them, of which there may be none: such an axis gets a range widened to
     * round values, {@link #logRange}, with at least three of them. Nothing is set when no value is positive.
     */
    private static void logTicks(AxesChartStyler styler, double lo, double hi) {
        if (!(lo > 0 && hi >= lo && Double.isFinite(hi))) {
            return;
        }
        boolean narrow = hi / lo < 30;
        styler.setYAxisLogarithmicDecadeOnly(!narrow);
        double[] range = narrow ? logRange(lo, hi) : decades(lo, hi);
        styler.setYAxisMin(range[0]);
        styler.setYAxisMax(range[1]);
        styler.setYAxisDecimalPattern(logTickPattern(range[0], range[1]));
    }

    /**
     * One number format for every label of a log axis from {@code lo} to {@code hi}: XChart 3.8.8 writes a label
     * below 0.001 or above 1000 in scientific notation and the others plainly, so an axis across either bound read
     * "1E-4" under "0.001". Such an axis is scientific throughout ("1E-4", "1E-3", "1E-2"), any other plain.
     */
    static String logTickPattern(double lo, double hi) {
        return lo < 1e-3 || hi > 1e3 ? "0.#E0" : "0.###";
    }

    /** The powers of ten at or below {@code lo} and at or above {@code hi} (0 &lt; lo &lt;= hi). */
    static double[] decades(double lo, double hi) {
        int bottom = (int) Math.floor(Math.log10(lo) + 1e-9);
        int top = (int) Math.ceil(Math.log10(hi) - 1e-9);
        return new double[] {value(new int[] {1, bottom}), value(new int[] {1, Math.max(top, bottom + 1)})};
    }

    /**
     * A range around [lo, hi] (0 &lt; lo &lt;= hi) whose ends are one-digit multiples of a power of ten (3, 0.5, 40)
     * and which holds at least three such values, padded by about a sixth of the span on the log scale; XChart
     * puts a labelled tick at each of those values.
     */
    static double[] logRange(double lo, double hi) {
        double pad = Math.pow(hi / lo, 1.0 / 6);
        pad = Math.max(pad, 1.05);
        int[] bottom = roundDown(lo / pad);
        int[] top = roundUp(hi * pad);
        boolean lower = true;
        while (stepsBetween(bottom, top) < 2) {
            if (lower) {
                bottom = bottom[0] > 1 ? new int[] {bottom[0] - 1, bottom[1]} : new int[] {9, bottom[1] - 1};
            } else {
                top = top[0] < 9 ? new int[] {top[0] + 1, top[1]} : new int[] {1, top[1] + 1};
            }
            lower = !lower;
        }
        return new double[] {value(bottom), value(top)};
    }

    /** {mantissa 1..9, exponent} of the largest one-digit multiple of a power of ten at or below v. */
    private static int[] roundDown(double v) {
        int e = (int) Math.floor(Math.log10(v));
        int m = (int) Math.floor(v / Math.pow(10, e) + 1e-9);
        return m < 1 ? new int[] {9, e - 1} : new int[] {Math.min(m, 9), e};
    }

    /** {mantissa 1..9, exponent} of the smallest one-digit multiple of a power of ten at or above v. */
    private static int[] roundUp(double v) {
        int e = (int) Math.floor(Math.log10(v));
        int m = (int) Math.ceil(v / Math.pow(10, e) - 1e-9);
        return m > 9 ? new int[] {1, e + 1} : new int[] {Math.max(m, 1), e};
    }

    /** How many one-digit multiples of powers of ten lie above {@code from}, up to and including {@code to}. */
    private static int stepsBetween(int[] from, int[] to) {
        return (to[1] - from[1]) * 9 + to[0] - from[0];
    }

    private static double value(int[] mantissaExponent) {
        return new java.math.BigDecimal(mantissaExponent[0]).scaleByPowerOfTen(mantissaExponent[1]).doubleValue();
    }

    private static void styleCommon(AxesChartStyler styler) {
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotBackgroundColor(Color.WHITE);
        styler.setPlotBorderColor(new Color(0xbbbbbb));
        styler.setPlotGridLinesColor(new Color(0xe4e4e4));
        styler.setChartTitleBoxVisible(false);
        styler.setChartTitleFont(new Font(FONT, Font.BOLD, 17));
        styler.setAxisTitleFont(new Font(FONT, Font.PLAIN, 15));
        styler.setAxisTickLabelsFont(new Font(FONT, Font.PLAIN, 13));
        styler.setLegendFont(new Font(FONT, Font.PLAIN, 13));
        styler.setLegendBorderColor(new Color(0xcccccc));
        styler.setChartPadding(12);
        styler.setAntiAlias(true);
    }

    /**
     * Adds the finite points of {@code value} per epoch (only positive ones on a log axis, which cannot
     * show the others); adds nothing when no point remains.
     */
    private static void addSeries(XYChart chart, String name, List<EpochMetrics> epochs,
                                  ToDoubleFunction<EpochMetrics> value, Color color, boolean logAxis) {
        double[] x = new double[epochs.size()];
        double[] y = new double[epochs.size()];
        int n = 0;
        for (EpochMetrics m : epochs) {
            double v = value.applyAsDouble(m);
            if (Double.isFinite(v) && (!logAxis || v > 0)) {
                x[n] = m.epoch();
                y[n++] = v;
            }
        }
        if (n == 0) {
            return;
        }
        XYSeries series = chart.addSeries(name, Arrays.copyOf(x, n), Arrays.copyOf(y, n));
        series.setLineColor(color);
        series.setMarkerColor(color);
        series.setMarker(epochs.size() <= MAX_EPOCHS_WITH_MARKERS ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
        series.setLineStyle(new BasicStroke(2.5f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
    }

    /** Linear interpolation through equally spaced {@code anchors} at t in [0, 1]. */
    private static Color interpolate(Color[] anchors, double t) {
        double pos = Math.clamp(t, 0.0, 1.0) * (anchors.length - 1);
        int i = Math.min((int) pos, anchors.length - 2);
        double f = pos - i;
        Color a = anchors[i];
        Color b = anchors[i + 1];
        return new Color((int) Math.round(a.getRed() + f * (b.getRed() - a.getRed())),
                (int) Math.round(a.getGreen() + f * (b.getGreen() - a.getGreen())),
                (int) Math.round(a.getBlue() + f * (b.getBlue() - a.getBlue())));
    }

    private static byte[] png(Chart<?, ?> chart) throws IOException {
        return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    }

    /** {@code image} encoded as PNG, in memory. */
    static byte[] png(BufferedImage image) throws IOException {
        var out = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageIO.write(image, "png", out);
        return out.toByteArray();
    }
}
