package io.jgrad.cli;

import io.jgrad.train.ConfusionMatrix;
import io.jgrad.train.EpochMetrics;
import io.jgrad.train.GradientSpread;

import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The self-contained report page: facts table, charts embedded as base64 PNG data URIs (so the one file
 * can be mailed and opens offline), a per-class precision/recall table and a note on reading the
 * gradient-norm chart. All caller text is HTML-escaped.
 */
final class ReportHtml {
    private static final String CSS = """
            body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
                   max-width: 960px; margin: 2rem auto; padding: 0 1rem; color: #222; line-height: 1.5;
                   background: #fff; }
            h1 { font-size: 1.7rem; margin-bottom: .2rem; }
            h2 { font-size: 1.25rem; margin-top: 2.2rem; border-bottom: 1px solid #ddd; padding-bottom: .2rem; }
            table { border-collapse: collapse; margin: .8rem 0; font-size: .95rem; }
            th, td { padding: .3rem .9rem; border-bottom: 1px solid #e6e6e6; text-align: left; }
            th { background: #f6f6f6; font-weight: 600; }
            td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
            table.facts th { background: none; color: #555; font-weight: 500; }
            figure { margin: 1rem 0; }
            img { max-width: 100%; height: auto; border: 1px solid #eee; }
            .note { background: #f7f9fc; border-left: 4px solid #4292c6; padding: .6rem 1rem; font-size: .95rem; }
            .muted { color: #666; font-size: .9rem; }
            """;

    private ReportHtml() {
    }

    /**
     * @param charts PNG bytes by file name, among {@link TrainingReport}'s chart names; absent ones are
     *               left out of the page
     * @param leftOut lines shown after the facts: notes on the run's files, and which parts the page leaves out for want
     *                of something, and why
     * @param noPredictions whether the model's predictions could not be made ({@code leftOut} says why): the page then
     *                      does not blame the missing confusion matrix on missing held-out data
     */
    static String render(String title, Map<String, String> facts, List<EpochMetrics> epochs,
                         List<String> weights, ConfusionMatrix confusion, String heldOut, Map<String, byte[]> charts,
                         int misclassifiedCount, RegressionPredictions predictions, List<String> classNames,
                         List<String> leftOut, boolean noPredictions) {
        StringBuilder h = new StringBuilder(64 * 1024);
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>").append(escape(title)).append("</title>\n<style>\n").append(CSS)
                .append("</style>\n</head>\n<body>\n<h1>").append(escape(title)).append("</h1>\n");
        h.append("<p class=\"muted\">").append(epochs.size())
                .append(epochs.size() == 1 ? " epoch" : " epochs").append(".</p>\n");

        h.append("<h2>Run</h2>\n<table class=\"facts\">\n");
        facts.forEach((k, v) -> h.append("<tr><th>").append(escape(k)).append("</th><td>")
                .append(escape(v)).append("</td></tr>\n"));
        h.append("</table>\n");
        for (String line : leftOut) {
            h.append("<p class=\"note\">").append(escape(line)).append("</p>\n");
        }

        if (epochs.isEmpty()) {
            h.append("<p>No epoch completed, so there is nothing to chart.</p>\n");
        }
        boolean validation = epochs.stream().anyMatch(m -> Double.isFinite(m.valLoss()));
        String set = heldOut == null ? "validation" : heldOut;
        String noValidation = " (no validation data, so no validation curve: --val-split or --val-data adds one).";
        figure(h, "Loss", charts, TrainingReport.LOSS_PNG,
                validation ? "Train and " + set + " loss per epoch." : "Training loss per epoch" + noValidation);
        figure(h, "Accuracy", charts, TrainingReport.ACCURACY_PNG,
                validation ? "Train and " + set + " accuracy per epoch." : "Training accuracy per epoch" + noValidation);
        figure(h, "Learning rate", charts, TrainingReport.LR_PNG,
                "The learning rate each epoch trained with, as the schedule set it (the lr column of metrics.csv).");
        if (charts.containsKey(TrainingReport.GRAD_NORMS_PNG)) {
            figure(h, "Gradient norms", charts, TrainingReport.GRAD_NORMS_PNG,
                    "Mean L2 norm of each layer's weight gradient per epoch, log scale: the weight tensors of 2 or more "
                        + "dimensions (Linear, Conv), numbered from the input; biases and normalization layers' "
                        + "scales are omitted." + (weights.size() > ReportCharts.MAX_LEGEND_ENTRIES
                                ? " The legend names every few layers and the last; the lines between them have the "
                                    + "colors between theirs." : ""));
            if (weights.size() >= 2) { // one weight layer has no depth for gradients to vanish across
                gradientNote(h, epochs, weights);
            }
        }
        if (confusion == null && ReportCharts.hasAccuracy(epochs) && !noPredictions) {
            h.append("<h2>Confusion matrix</h2>\n<p>No confusion matrix or per-class table: no held-out data: give "
                    + "--val-split or --val-data.</p>\n");
        }
        if (confusion != null) {
            figure(h, "Confusion matrix", charts, TrainingReport.CONFUSION_PNG,
                    "The final model on the " + set + " set. Rows: true class; columns: predicted class. "
                            + "Off-diagonal cells are errors. The shade follows log(1 + count), as the scale on the"
                            + " right reads.");
            classTable(h, confusion, classNames);
        }
        if (charts.containsKey(TrainingReport.MISCLASSIFIED_PNG)) {
            int shown = Math.min(misclassifiedCount, MisclassifiedGrid.MAX_IMAGES);
            long errors = confusion == null ? -1 : confusion.total() - confusion.correct();
            String which = errors > shown ? "The first " + shown + " of the " + errors + " misclassified examples"
                    : shown + " misclassified examples";
            figure(h, "Misclassified examples", charts, TrainingReport.MISCLASSIFIED_PNG,
                    which + ": true class / predicted class (the model's confidence in its wrong prediction).");
        }
        if (predictions != null && charts.containsKey(TrainingReport.PREDICTIONS_PNG)) {
            int shown = ReportCharts.scatterRows(predictions.size());
            figure(h, "Predicted vs true", charts, TrainingReport.PREDICTIONS_PNG,
                    "The final model's prediction for each row of the " + predictions.set() + " set"
                            + (predictions.set().equals("training") ? " (no held-out data: --val-split or --val-data adds some)" : "")
                            + " against its true target, in target units"
                            + (shown < predictions.size() ? String.format(Locale.ROOT, " (%,d of the %,d rows, evenly spaced)",
                                    shown, predictions.size()) : "")
                            + ". Points on the line y = x are exact; points above it are over-predictions, below it"
                            + " under-predictions.");
        }
        h.append("<p class=\"muted\">Per-epoch numbers, including every parameter's gradient and weight norm: "
                + "<a href=\"").append(TrainingReport.METRICS_CSV).append("\">")
                .append(TrainingReport.METRICS_CSV).append("</a> (beside this file")
                // its column names are a file format; say whose numbers they hold when they are not validation data's
                .append(validation && heldOut != null && !heldOut.equals("validation")
                        ? "; its val_loss and val_accuracy columns are the " + escape(heldOut) + " set's" : "")
                .append(").</p>\n");
        return h.append("</body>\n</html>\n").toString();
    }

    private static void figure(StringBuilder h, String heading, Map<String, byte[]> charts, String name,
                               String caption) {
        byte[] png = charts.get(name);
        if (png == null) {
            return;
        }
        h.append("<h2>").append(heading).append("</h2>\n<figure>\n<img alt=\"").append(escape(heading))
                .append("\" src=\"data:image/png;base64,").append(Base64.getEncoder().encodeToString(png))
                .append("\">\n<figcaption class=\"muted\">").append(escape(caption))
                .append("</figcaption>\n</figure>\n");
    }

    private static void gradientNote(StringBuilder h, List<EpochMetrics> epochs, List<String> weights) {
        h.append("<div class=\"note\"><p><b>Reading this chart.</b> Each line is one layer's weights, colored "
                + "from the first layer (dark blue) to the last (orange). In a healthy network the lines stay "
                + "within a decade or two of each other. <b>Vanishing gradients</b> look like a fan: the first "
                + "layers' lines sit several decades below the last layer's and stay there, so the early "
                + "layers barely learn while the loss plateaus. Sigmoid and tanh cause it in deep nets because "
                + "each layer multiplies the backpropagated signal by the activation's slope (at most 0.25 for "
                + "the sigmoid). Remedies: ReLU-family activations, He or Xavier initialization, normalization "
                + "layers, residual connections, or fewer layers. <b>Exploding gradients</b> are the mirror "
                + "image: norms growing epoch after epoch, often ending in a NaN loss; lower the learning rate "
                + "or clip gradients.</p>\n");
        GradientSpread spread = GradientSpread.of(epochs, weights);
        if (spread != null) {
            double decades = spread.decades();
            h.append("<p>In this run, at epoch ").append(spread.epoch()).append(", the first weight tensor (")
                    .append("layer 1, ").append(escape(spread.first())).append(") had gradient norm ")
                    .append(format("%.3g", spread.firstNorm())).append(" and the last (layer ").append(spread.layers())
                    .append(", ").append(escape(spread.last())).append(") ")
                    .append(format("%.3g", spread.lastNorm()))
                    .append(": the first layer's gradient is ").append(format("%.1f", Math.abs(decades)))
                    .append(decades >= 0 ? " decades smaller" : " decades larger").append(" than the last's.")
                    .append(spread.vanishing() ? " <b>The early layers' gradients are vanishing.</b>" : "")
                    .append("</p>\n");
        }
        h.append("</div>\n");
    }

    /** {@code names}: of classes 0, 1, ..., or empty to show the classes' indices. */
    private static void classTable(StringBuilder h, ConfusionMatrix cm, List<String> names) {
        h.append("<h2>Per-class precision and recall</h2>\n<p class=\"muted\">Precision: of the samples "
                + "predicted as the class, the fraction that are. Recall: of the samples of the class, the "
                + "fraction found. F1: their harmonic mean.</p>\n<table>\n<tr><th class=\"num\">class</th>"
                + "<th class=\"num\">samples</th><th class=\"num\">precision</th><th class=\"num\">recall</th>"
                + "<th class=\"num\">F1</th></tr>\n");
        int k = cm.classes();
        boolean undefined = false;
        for (int c = 0; c < k; c++) {
            long support = cm.support(c);
            double precision = cm.precision(c);
            double recall = cm.recall(c);
            // from the counts: 0 for a class that occurs but is never predicted, where the harmonic mean of an
            // undefined precision and a recall of 0 gave NaN and the mean row then skipped the class
            double f1 = cm.f1(c);
            if (cm.predicted(c) + support > 0) { // the class occurs or is predicted: the mean counts it
                undefined |= Double.isNaN(precision) || Double.isNaN(recall);
            }
            h.append("<tr><td class=\"num\">").append(names.isEmpty() ? Integer.toString(c) : escape(names.get(c)))
                    .append("</td><td class=\"num\">").append(support)
                    .append("</td><td class=\"num\">").append(percent(precision))
                    .append("</td><td class=\"num\">").append(percent(recall))
                    .append("</td><td class=\"num\">").append(percent(f1)).append("</td></tr>\n");
        }
        double[] macro = cm.macro();
        h.append("<tr><th class=\"num\">mean</th><th class=\"num\">").append(cm.total())
                .append("</th><th class=\"num\">").append(percent(macro[0]))
                .append("</th><th class=\"num\">").append(percent(macro[1]))
                .append("</th><th class=\"num\">").append(percent(macro[2]))
                .append("</th></tr>\n</table>\n");
        h.append("<p class=\"muted\">Mean: the unweighted mean over the classes that occur or are predicted.")
                .append(undefined ? " A dash marks a precision that is undefined (the class is never predicted) or a "
                        + "recall that is undefined (it never occurs); the mean counts it as 0, as scikit-learn does by "
                        + "default (zero_division=0)." : "")
                .append("</p>\n");
    }

    /** A fraction as a percentage with two decimals; an em dash when undefined. */
    static String percent(double fraction) {
        return Double.isNaN(fraction) ? "&mdash;" : format("%.2f%%", 100 * fraction);
    }

    private static String format(String pattern, double v) {
        return String.format(Locale.ROOT, pattern, v);
    }

    /** Escapes the five HTML-significant characters, so caller text can go in elements and attributes. */
    static String escape(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(ch);
            }
        }
        return sb.toString();
    }
}
