package io.jgrad.cli;

import io.jgrad.data.TensorDataset;
import io.jgrad.nn.Sequential;
import io.jgrad.tensor.Backends;
import io.jgrad.tensor.Tensor;
import io.jgrad.train.CallbackList;
import io.jgrad.train.EpochMetrics;
import io.jgrad.train.Evaluation;
import io.jgrad.train.ProgressBar;
import io.jgrad.train.StoppingRules;
import io.jgrad.train.Task;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Assembles the facts and examples of a finished run and writes report.html with its charts. */
final class Reports {
    private Reports() {}

    /** Misclassified test images shown in the report, at most. */
    static final int MAX_MISCLASSIFIED = 36;

    /**
     * The report of a run that {@code jgrad train} just trained: {@link #write(Path, RunConfig, DataSource, String,
     * Sequential, Objective, List, Evaluation, String, List, Map, boolean)} with this session's time, threads, software
     * and processor, and metrics.csv written too.
     *
     * @param stopReason why training ended, as {@link io.jgrad.train.History#stopReason()} says it (or a divergence)
     * @return the names of the files written, report.html last (metrics.csv and the PNG charts before it)
     */
    static List<String> write(Path dir, RunConfig cfg, DataSource ds, Sequential model, Objective objective,
                      List<EpochMetrics> metrics, Evaluation finalEval, String stopReason, double seconds) throws IOException {
        Map<String, String> session = new LinkedHashMap<>();
        session.put("Training time", String.format("%.1f s (this session), %d thread%s", seconds, Backends.threads(),
                Backends.threads() == 1 ? "" : "s"));
        session.put("Software", "jgrad " + version());
        session.put("Processor", Machine.cpuModel());
        return write(dir, cfg, ds, null, model, objective, metrics, finalEval, stopReason, List.of(), session, true);
    }

    /**
     * Writes report.html and its charts into {@code dir}: what {@code jgrad train} writes after training, and what
     * {@code jgrad report} rebuilds from a run directory, by this one method so that the two cannot say different
     * things. Modified: the report's files in dir, and the model's mode (evaluation).
     *
     * @param ds the run's data, prepared as in training; null when it could not be read, {@code noPredictions} then
     *           says why
     * @param noPredictions why the parts that need the model's predictions on the data are left out (the held-out
     *                      figures, the confusion matrix, misclassified images, regression predictions); null when
     *                      {@code ds} and the model's weights were there
     * @param finalEval the model on the held-out data; null without held-out data or predictions
     * @param notes lines the page shows after the facts (jgrad report's, on a metrics.csv shorter than the run)
     * @param session facts about the session that trained (its time, software, processor), shown last
     * @param withMetricsCsv whether to write metrics.csv from {@code metrics} too (jgrad report leaves the run's own)
     * @return the names of the files written, report.html last
     */
    static List<String> write(Path dir, RunConfig cfg, DataSource ds, String noPredictions, Sequential model, Objective objective,
                              List<EpochMetrics> metrics, Evaluation finalEval, String stopReason, List<String> notes,
                              Map<String, String> session, boolean withMetricsCsv) throws IOException {
        String heldOut = ds != null ? heldOut(cfg, ds) : heldOut(cfg, metrics);
        boolean predicting = noPredictions == null;
        Map<String, String> facts = new LinkedHashMap<>();
        if (ds == null) {
            facts.put("Data", cfg.data() + (cfg.normalization().isNone() ? "" : " (normalized: " + cfg.normalization().describe() + ")")
                    + (cfg.valData() == null ? "" : "; --val-data " + cfg.valData())
                    + (cfg.valSplit() > 0 ? "; --val-split " + cfg.valSplit() : "") + " (not read: see below)");
        } else {
            facts.put("Data", ds.description() + (heldOut == null ? String.format(" (%,d train, no held-out data)", ds.train().size())
                    : String.format(" (%,d train, %,d %s%s)", ds.train().size(), ds.test().size(), heldOut, heldOutSource(cfg))));
        }
        if (cfg.targetColumn() != null) { // as inspect's data line: recorded for every CSV run; IDX labels are a file
            facts.put("Target column", cfg.targetColumn());
        }
        facts.put("Network", cfg.model().describe() + String.format(" (%,d parameters)", model.parameterCount()));
        if (cfg.init() != null) { // recorded in config.json, so a resumed run's report and jgrad report's show it too
            facts.put("Initial weights", "--init " + cfg.init());
        } else if (cfg.weightInitFlag() != null) { // as inspect's init line
            facts.put("Initial weights", cfg.weightInitFlag() + " (weights; biases and batch norm as PyTorch initializes them)");
        }
        facts.put("Loss", cfg.lossShown());
        // the momentum of the optimizers that take one (the others ignore it) and the weight decay even where default
        facts.put("Optimizer", cfg.optimizer() + ", lr " + cfg.lr()
                + (Optimizers.takesMomentum(cfg.optimizer()) ? ", momentum " + cfg.momentum() : "")
                + ", weight decay " + cfg.weightDecay());
        if (cfg.scheduleFlag() != null) { // the options' flags as jgrad inspect gives them, where the run set them
            facts.put("Learning-rate schedule", cfg.scheduleFlag());
        }
        if (cfg.clipGradNormFlag() != null) {
            facts.put("Gradient clipping", cfg.clipGradNormFlag() + " (global L2 norm)");
        }
        if (cfg.augmentFlag() != null) {
            facts.put("Augmentation", cfg.augmentFlag());
        }
        facts.put("Batch size", cfg.batchSize() + (cfg.shuffle() ? "" : " (--no-shuffle: same order every epoch)"));
        facts.put("Epochs", metrics.size() + " of " + cfg.epochs() + " (" + stopReason + ")");
        if (cfg.patienceFlag() != null) {
            facts.put("Early stopping", cfg.patienceFlag() + ": stop when the " + (heldOut == null ? "validation" : heldOut)
                    + " loss has not improved for " + cfg.patience() + (cfg.patience() == 1 ? " epoch" : " epochs")
                    + (cfg.restoreBest() ? "; --restore-best: end with the weights of the best epoch" : ""));
        }
        if (cfg.targetLossFlag() != null) {
            facts.put("Target loss", cfg.targetLossFlag() + ": stop when an epoch's training loss is at or below it");
        }
        facts.put("Seed", Long.toString(cfg.seed()));
        if (finalEval != null) {
            String set = capitalized(heldOut);
            facts.put(set + " loss", ProgressBar.loss(finalEval.loss())); // as the epoch lines
            if (!Double.isNaN(finalEval.accuracy())) {
                facts.put(set + " accuracy", String.format("%.2f%%", 100 * finalEval.accuracy()));
            }
        }
        EpochMetrics recorded = predicting || heldOut == null ? null : modelEpoch(cfg, metrics);
        if (recorded != null) {
            // the model's held-out figures without its predictions: the epoch whose weights model.safetensors holds was
            // evaluated on the held-out data after training it, and metrics.csv has the numbers (the data may be Parquet)
            String set = capitalized(heldOut), source = " (metrics.csv, epoch " + recorded.epoch() + ")";
            facts.put(set + " loss", ProgressBar.loss(recorded.valLoss()) + source);
            if (!Double.isNaN(recorded.valAccuracy())) {
                facts.put(set + " accuracy", String.format("%.2f%%", 100 * recorded.valAccuracy()) + source);
            }
        }
        RegressionPredictions predictions = null;
        if (objective.task() == Task.REGRESSION && predicting) {
            // DataSource standardizes only the features (--normalize); the targets stay as read, so the model's
            // outputs and these metrics are in the target column's units.
            TensorDataset rows = ds.test() != null ? ds.test() : ds.train();
            predictions = new RegressionPredictions(heldOut == null ? "training" : heldOut, rows.targets().toFloatArray(),
                    predict(model, rows));
            String key = capitalized(predictions.set());
            String note = heldOut == null ? " (training rows: no held-out data)" : "";
            facts.put(key + " RMSE", significant(predictions.rmse()) + note);
            double r2 = predictions.r2();
            facts.put(key + " R²", (Double.isNaN(r2) ? "undefined (every target has the same value)"
                    : String.format(Locale.ROOT, "%.4f", r2)) + note);
        }
        facts.putAll(session);
        // every classifier, not only cross-entropy's: a squared-error or BCE loss on class labels classifies too
        List<Misclassified> wrong = !predicting || ds.imageShape() == null || ds.test() == null || objective.task() == Task.REGRESSION
                ? List.of() : misclassified(model, ds.test(), ds.imageShape(), ds.normalization().mean()[0],
                        ds.normalization().std()[0], objective, cfg.model().outputActivation());
        Map<String, Integer> ranks = ReportCharts.ranks(model);
        List<String> names = new ArrayList<>();
        for (Path p : new TrainingReport("jgrad training report: " + cfg.model().describe(), facts, metrics, ranks,
                finalEval == null ? null : finalEval.confusion(), heldOut, wrong, predictions, cfg.classNames(),
                noPredictions == null ? null : leftOut(objective, cfg, noPredictions, recorded == null, heldOut != null), notes)
                .writeTo(dir, withMetricsCsv)) {
            names.add(p.getFileName().toString());
        }
        return names;
    }

    /** This jgrad's version ("dev" when run from classes). */
    static String version() {
        return new Main.Version().getVersion()[0].replace("jgrad ", "");
    }

    /**
     * The line of a report whose predictions could not be made: which parts are left out, and {@code why} (a sentence
     * without its full stop). A classifier without held-out data ({@code heldOutData} false) loses nothing: its page has
     * no confusion matrix or per-class table in any case.
     */
    private static String leftOut(Objective objective, RunConfig cfg, String why, boolean heldOutFigures, boolean heldOutData) {
        if (objective.task() != Task.REGRESSION && !heldOutData) {
            return Character.toUpperCase(why.charAt(0)) + why.substring(1) + ", and nothing on this page needs it: the run"
                    + " has no held-out data (--val-split, --val-data), so no confusion matrix or per-class table.";
        }
        List<String> parts = new ArrayList<>();
        if (objective.task() == Task.REGRESSION) {
            parts.add("the RMSE, R² and the chart of predicted against true values");
        } else {
            if (heldOutFigures) {
                parts.add("the held-out loss and accuracy");
            }
            parts.add("the confusion matrix");
            parts.add("the per-class table");
            // images: a CNN's input, or an IDX directory, whose runs record no CSV columns
            if (cfg.model().inputShape().length == 3 || cfg.featureColumns() == null && cfg.targetColumn() == null) {
                parts.add("the misclassified images");
            }
        }
        String listed = parts.size() == 1 ? parts.get(0)
                : String.join(", ", parts.subList(0, parts.size() - 1)) + " and " + parts.get(parts.size() - 1);
        return "Left out: " + listed + ", which need the model's predictions on the run's data: " + why + ".";
    }

    /**
     * The epoch whose weights model.safetensors holds (--restore-best's, else the last), when metrics.csv has its
     * held-out loss; else null.
     */
    private static EpochMetrics modelEpoch(RunConfig cfg, List<EpochMetrics> metrics) {
        // config.json's count, not metrics.csv's last row: a file cut short ends before the model's epoch
        int epoch = cfg.restoredEpoch() > 0 ? cfg.restoredEpoch() : cfg.epochsCompleted();
        return metrics.stream().filter(e -> e.epoch() == epoch && e.hasValidation()).findFirst().orElse(null);
    }

    /**
     * Why a run ended, from its configuration and its metrics alone, in the words {@link io.jgrad.train.History#stopReason()}
     * gave when it trained: the rules of {@link StoppingRules} (target loss, patience) applied to the epochs as the
     * trainer applies them, and the epoch --restore-best put back ({@code restored_epoch}). A run that ended before its
     * last epoch with no rule to end it was interrupted, or diverged in a jgrad from before the run directory recorded
     * divergences (a divergence it records is {@link #diverged}'s).
     */
    static String stopReason(RunConfig cfg, List<EpochMetrics> epochs) {
        CallbackList calls = new CallbackList(List.of());
        calls.trainStart(1, cfg.epochs(), 0);
        StoppingRules rules = new StoppingRules(cfg.targetLoss(), cfg.patience(), false, 0, false);
        rules.start(calls, 1, List.of());
        for (EpochMetrics m : epochs) {
            rules.score(m, null); // no weights to keep: restoreBest is false here
            calls.epochEnd(m);
        }
        // the rules are checked after every epoch: the run ended after the last one, where one of them (if any) fired
        boolean stopped = !epochs.isEmpty() && rules.stop(calls, epochs.getLast());
        int last = epochs.isEmpty() ? 0 : epochs.getLast().epoch();
        if (!stopped && last < cfg.epochs()) {
            return noRuleMet(last);
        }
        rules.finish(calls, cfg.epochs(), null);
        String reason = calls.trainEnd().stopReason();
        return cfg.restoredEpoch() > 0 ? reason + "; restored the weights of epoch " + cfg.restoredEpoch() + ", the best" : reason;
    }

    /**
     * Why a run stopped that diverged ({@code divergence}: "epoch 3, step 5: the loss is NaN", as
     * {@link io.jgrad.train.TrainingDivergedException#divergence()} says it), in the report that jgrad train draws of
     * the epochs before it, and that jgrad report draws from the last checkpoint of a run directory that records it
     * (config.json's state.diverged, {@link io.jgrad.train.Divergence}) or with --diverged.
     */
    static String diverged(String divergence) {
        return "diverged at " + divergence + "; the charts of predictions use the weights of the last checkpoint";
    }

    /** {@link #stopReason}'s words for a run that ended after epoch {@code last}, before its last, with no rule met. */
    static String noRuleMet(int last) {
        // a run that diverged records it (state.diverged), since jgrad did; one written before may have diverged
        return "stopped after epoch " + last + " with no stopping rule met: interrupted (or diverged, if an older jgrad,"
                + " which did not record divergences, trained it)";
    }

    /**
     * What the held-out samples were, without the data ({@link #heldOut(RunConfig, DataSource)} with it): "validation"
     * for --val-data or --val-split, else "test" when the epochs were validated (an IDX directory's t10k split), else null.
     */
    static String heldOut(RunConfig cfg, List<EpochMetrics> epochs) {
        if (cfg.valData() != null || cfg.valSplit() > 0) {
            return "validation";
        }
        return epochs.stream().anyMatch(EpochMetrics::hasValidation) ? "test" : null;
    }

    private static String capitalized(String word) {
        return Character.toUpperCase(word.charAt(0)) + word.substring(1);
    }

    /** Four significant digits without an exponent ("0.1023", "1235", "123500"); NaN as "NaN". */
    static String significant(double v) {
        if (!Double.isFinite(v)) {
            return Double.toString(v);
        }
        if (v != 0 && (Math.abs(v) >= 1e9 || Math.abs(v) < 1e-6)) {
            // a diverged model's 1545000000000000000 or a 0.0000000001234 is read by its exponent
            return String.format(java.util.Locale.ROOT, "%.4g", v);
        }
        return new BigDecimal(v).round(new MathContext(4)).toPlainString();
    }

    /** A loss as eval prints it: 6 decimals, or 6 significant digits with an exponent once it is 1e9 or more. */
    static String lossShown(double v) {
        return String.format(java.util.Locale.ROOT, Math.abs(v) >= 1e9 ? "%.6g" : "%.6f", v);
    }

    /** The model's output for every row of {@code data} (a regression model: one output per row), in row order. */
    static float[] predict(Sequential model, TensorDataset data) {
        int n = data.size(), chunk = 500;
        float[] out = new float[n];
        Tensor features = data.features(); // a fresh copy for some data sets: take it once
        try (var scope = Tensor.noGrad()) {
            model.eval();
            for (int start = 0; start < n; start += chunk) {
                int end = Math.min(n, start + chunk);
                float[] p = model.forward(features.slice(0, start, end)).toFloatArray();
                if (p.length != end - start) {
                    throw new IllegalStateException("a regression model gave " + p.length + " outputs for "
                            + (end - start) + " rows; expected one per row");
                }
                System.arraycopy(p, 0, out, start, p.length);
            }
        }
        return out;
    }

    /** Where CSV held-out data came from ("; --val-split 0.2"), and whether IDX test data also chose the stopping epoch. */
    private static String heldOutSource(RunConfig cfg) {
        if (idx(cfg)) {
            return cfg.patience() > 0 ? ", also used for early stopping" : "";
        }
        return cfg.valData() != null ? "; --val-data " + cfg.valData() : "; --val-split " + cfg.valSplit();
    }

    /**
     * What the held-out samples are: "test" for an IDX directory's t10k split, "validation" for --val-split or
     * --val-data (CSV data, where early stopping and the epoch curves use them); null when there are none.
     */
    static String heldOut(RunConfig cfg, DataSource ds) {
        if (ds.test() == null) {
            return null;
        }
        return idx(cfg) ? "test" : "validation";
    }

    /**
     * Whether the run trained on an IDX directory (whose t10k part is its test set): config.json's data.kind, by
     * {@link CsvPixels#trainedOnIdx}'s rule, which looks at the directory only for a config.json written before data.kind
     * was recorded. The directory alone took an IDX run whose data had moved (eval --data NEWDIR) for a CSV run.
     */
    private static boolean idx(RunConfig cfg) {
        return CsvPixels.trainedOnIdx(cfg);
    }

    /**
     * The first test images the model gets wrong, with its score for the wrong class as {@code jgrad predict} shows it
     * ({@link PredictCommand#scores}): the arg-max class of a model of several outputs; for one output (BCE on two
     * classes) class 1 when {@link PredictCommand#positive}, scored p(1), else class 0, scored 1 - p(1).
     *
     * @param objective the run's loss and task: a classifier of any kind, not {@link Task#REGRESSION}
     * @param outputActivation the name of the network's last activation ("none", "softmax", "logsoftmax", ...)
     */
    static List<Misclassified> misclassified(Sequential model, TensorDataset test, int[] hw, double mean, double std,
                                             Objective objective, String outputActivation) {
        List<Misclassified> out = new ArrayList<>();
        int n = test.size(), per = hw[0] * hw[1], chunk = 500;
        float[] labels = test.targets().toFloatArray();
        Tensor features = test.features(); // a fresh float copy for byte-pixel data sets: take it once
        try (var scope = Tensor.noGrad()) {
            model.eval();
            for (int start = 0; start < n && out.size() < MAX_MISCLASSIFIED; start += chunk) {
                int end = Math.min(n, start + chunk);
                Tensor x = features.slice(0, start, end);
                Tensor outputs = model.forward(x);
                float[] raw = outputs.toFloatArray();
                float[] p = PredictCommand.scores(objective.task(), objective.lossName(), outputActivation, outputs).toFloatArray();
                float[] pixels = x.toFloatArray();
                int k = p.length / (end - start);
                for (int i = 0; i < end - start && out.size() < MAX_MISCLASSIFIED; i++) {
                    int best = PredictCommand.predictedClass(p, i * k, k,
                            k == 1 && PredictCommand.positive(objective.lossName(), raw[i], p[i]));
                    double score = k > 1 ? p[i * k + best] : best == 1 ? p[i] : 1 - (double) p[i];
                    int truth = (int) labels[start + i];
                    if (best != truth) {
                        float[] img = new float[per];
                        for (int q = 0; q < per; q++) {
                            img[q] = (float) Math.min(1, Math.max(0, pixels[i * per + q] * std + mean)); // undo --normalize
                        }
                        out.add(new Misclassified(img, hw[0], hw[1], truth, best, score));
                    }
                }
            }
        }
        return out;
    }
}
