package io.jgrad.cli;

import io.jgrad.train.ConfusionMatrix;
import io.jgrad.train.EpochMetrics;
import io.jgrad.train.MetricsCsv;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The report written after training into an output directory: {@value #LOSS_PNG}, {@value #ACCURACY_PNG}
 * (classification only), {@value #LR_PNG} (when a schedule changed the learning rate), {@value #GRAD_NORMS_PNG} (when gradient norms were recorded),
 * {@value #CONFUSION_PNG} (when a confusion matrix is given), {@value #MISCLASSIFIED_PNG} (when
 * misclassified examples are given), {@value #PREDICTIONS_PNG} (when regression predictions are given),
 * {@value #METRICS_CSV} and {@value #REPORT_HTML}, a single
 * self-contained page with every chart embedded. Each file is written atomically (temporary file in the
 * same directory, then rename), so a reader never sees half a file. A report file of this list that does
 * not apply to this run is deleted, so a reused directory never mixes two runs' charts.
 *
 * @param title          page title (any text; it is escaped)
 * @param facts          run facts shown as a two-column table, in iteration order
 * @param epochs         metrics of each completed epoch, in order (may be empty)
 * @param ranks          number of dimensions of each parameter tensor, by the names the gradient norms use;
 *                       the gradient chart shows those with 2 or more (Linear and Conv weights)
 * @param confusion      final confusion matrix on the held-out set; null for regression or without one
 * @param heldOut        what the held-out set is ("validation" or "test"), for the captions; null when the
 *                       run had none
 * @param misclassified  wrongly predicted image examples; empty when there are none or the data is not
 *                       images (only the first {@value MisclassifiedGrid#MAX_IMAGES} are drawn)
 * @param predictions    a regression model's predictions on the held-out rows (or the training rows when there
 *                       are none), for the predicted-vs-true chart; null for classification
 * @param classNames     the names of classes 0, 1, ... for the confusion matrix and the per-class table; empty to
 *                       show the classes' indices
 * @param noPredictions  a line saying which parts that need the model's predictions are left out and why (the data
 *                       or the weights could not be read); null when they were made
 * @param notes          lines about the run's files, shown after the facts, before those of parts left out (jgrad
 *                       report: a metrics.csv shorter than the run); empty for none
 */
record TrainingReport(String title, Map<String, String> facts, List<EpochMetrics> epochs,
                      Map<String, Integer> ranks, ConfusionMatrix confusion, String heldOut, List<Misclassified> misclassified,
                      RegressionPredictions predictions, List<String> classNames, String noPredictions, List<String> notes) {
    static final String LOSS_PNG = "loss.png";
    static final String ACCURACY_PNG = "accuracy.png";
    static final String LR_PNG = "lr.png";
    static final String GRAD_NORMS_PNG = "grad_norms.png";
    static final String CONFUSION_PNG = "confusion.png";
    static final String MISCLASSIFIED_PNG = "misclassified.png";
    static final String PREDICTIONS_PNG = "predictions.png";
    static final String METRICS_CSV = "metrics.csv";
    static final String REPORT_HTML = "report.html";
    /** Every chart a report may have, in the order they are written. */
    static final List<String> CHARTS = List.of(LOSS_PNG, ACCURACY_PNG, LR_PNG, GRAD_NORMS_PNG, CONFUSION_PNG,
            MISCLASSIFIED_PNG, PREDICTIONS_PNG);

    /**
     * Deletes the report.html and charts in {@code dir}, if any: for a run whose checkpoint replaces the model they
     * describe. report.html first, so that no page is left showing charts of which some are gone. Modified: dir.
     */
    static void deleteFrom(Path dir) throws IOException {
        Files.deleteIfExists(dir.resolve(REPORT_HTML));
        for (String name : CHARTS) {
            Files.deleteIfExists(dir.resolve(name));
        }
    }

    TrainingReport {
        Objects.requireNonNull(title, "TrainingReport: title is null; pass \"\" for none");
        facts = new LinkedHashMap<>(Objects.requireNonNull(facts, "TrainingReport: facts is null; pass Map.of()"));
        epochs = List.copyOf(Objects.requireNonNull(epochs, "TrainingReport: epochs is null; pass List.of()"));
        ranks = Map.copyOf(Objects.requireNonNull(ranks, "TrainingReport: ranks is null; pass Map.of()"));
        misclassified = List.copyOf(Objects.requireNonNull(misclassified,
                "TrainingReport: misclassified is null; pass List.of()"));
        classNames = List.copyOf(Objects.requireNonNull(classNames, "TrainingReport: classNames is null; pass List.of()"));
        notes = List.copyOf(Objects.requireNonNull(notes, "TrainingReport: notes is null; pass List.of()"));
    }

    /** A report of a run whose predictions were made. */
    TrainingReport(String title, Map<String, String> facts, List<EpochMetrics> epochs, Map<String, Integer> ranks,
                   ConfusionMatrix confusion, String heldOut, List<Misclassified> misclassified,
                   RegressionPredictions predictions, List<String> classNames) {
        this(title, facts, epochs, ranks, confusion, heldOut, misclassified, predictions, classNames, null, List.of());
    }

    /** A report whose classes are shown by index. */
    TrainingReport(String title, Map<String, String> facts, List<EpochMetrics> epochs, Map<String, Integer> ranks,
                   ConfusionMatrix confusion, String heldOut, List<Misclassified> misclassified,
                   RegressionPredictions predictions) {
        this(title, facts, epochs, ranks, confusion, heldOut, misclassified, predictions, List.of(), null, List.of());
    }

    /** A report without regression predictions. */
    TrainingReport(String title, Map<String, String> facts, List<EpochMetrics> epochs, Map<String, Integer> ranks,
                   ConfusionMatrix confusion, String heldOut, List<Misclassified> misclassified) {
        this(title, facts, epochs, ranks, confusion, heldOut, misclassified, null, List.of(), null, List.of());
    }

    /**
     * Writes the report files into {@code dir}, creating it if needed. Modified: files in {@code dir}.
     *
     * @return the files written, report.html last
     */
    List<Path> writeTo(Path dir) throws IOException {
        return writeTo(dir, true);
    }

    /**
     * As {@link #writeTo(Path)}; without {@code withMetricsCsv} the directory's metrics.csv is left as it is (jgrad
     * report reads it, and rebuilds only the page and its charts).
     */
    List<Path> writeTo(Path dir, boolean withMetricsCsv) throws IOException {
        Path out = dir.toAbsolutePath();
        Files.createDirectories(out);
        Map<String, byte[]> charts = new LinkedHashMap<>();
        List<String> weights = ReportCharts.weightTensors(epochs, ranks);
        if (!epochs.isEmpty()) {
            charts.put(LOSS_PNG, ReportCharts.loss(epochs, heldOut));
            if (ReportCharts.hasAccuracy(epochs)) {
                charts.put(ACCURACY_PNG, ReportCharts.accuracy(epochs, heldOut));
            }
            if (ReportCharts.lrVaries(epochs)) {
                charts.put(LR_PNG, ReportCharts.learningRate(epochs));
            }
            if (!weights.isEmpty()) {
                charts.put(GRAD_NORMS_PNG, ReportCharts.gradientNorms(epochs, weights));
            }
        }
        if (confusion != null) {
            charts.put(CONFUSION_PNG, ReportCharts.confusion(confusion, heldOut, classNames));
        }
        if (!misclassified.isEmpty()) {
            charts.put(MISCLASSIFIED_PNG, MisclassifiedGrid.png(misclassified, heldOut));
        }
        if (predictions != null && predictions.size() > 0) {
            charts.put(PREDICTIONS_PNG, ReportCharts.predictions(predictions));
        }

        List<Path> written = new ArrayList<>();
        for (String name : CHARTS) {
            Path target = out.resolve(name);
            byte[] png = charts.get(name);
            if (png == null) {
                Files.deleteIfExists(target);
            } else {
                writeAtomically(target, png);
                written.add(target);
            }
        }
        if (withMetricsCsv) {
            Path csv = out.resolve(METRICS_CSV);
            writeAtomically(csv, MetricsCsv.format(epochs).getBytes(StandardCharsets.UTF_8));
            written.add(csv);
        }
        List<String> leftOut = new ArrayList<>(notes);
        if (noPredictions != null) {
            leftOut.add(noPredictions);
        }
        if (!epochs.isEmpty() && weights.isEmpty() && ranks.values().stream().anyMatch(r -> r >= 2)) {
            leftOut.add("Left out: the chart of gradient norms per layer: metrics.csv has no grad_norm column for the"
                    + " network's weight tensors (" + String.join(", ", ranks.entrySet().stream().filter(e -> e.getValue() >= 2)
                            .map(Map.Entry::getKey).sorted().toList()) + ").");
        }
        Path html = out.resolve(REPORT_HTML);
        String page = ReportHtml.render(title, facts, epochs, weights, confusion, heldOut, charts,
                misclassified.size(), predictions, classNames, leftOut, noPredictions != null);
        writeAtomically(html, page.getBytes(StandardCharsets.UTF_8));
        written.add(html);
        return written;
    }

    private static void writeAtomically(Path target, byte[] bytes) throws IOException {
        io.jgrad.io.AtomicFiles.writeBytes(target, bytes);
    }
}
