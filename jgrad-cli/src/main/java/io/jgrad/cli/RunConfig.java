package io.jgrad.cli;

import io.jgrad.io.AtomicFiles;
import io.jgrad.io.JgradFormatException;
import io.jgrad.io.Json;
import io.jgrad.train.EpochProgress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything config.json records about a run: the architecture, the data and how it was prepared, the loss,
 * the optimizer, the training options, and how far training got: the epochs completed, the progress inside the
 * next epoch when a mid-epoch checkpoint was taken ({@code progress}, else null), and the shuffling generator's
 * state at the start of that next epoch, so that {@code --resume} continues exactly where the run stopped.
 */
record RunConfig(NetworkSpec model, String task, int numClasses, String loss, String data, String valData, double valSplit,
                 String targetColumn, List<String> featureColumns,
                 double normMean, double normStd, String optimizer, double lr, double momentum, double weightDecay,
                 int batchSize, int epochs, long seed, boolean shuffle, double targetLoss, int patience, boolean restoreBest, String schedule,
                 String augment, int checkpointEvery, double clipGradNorm, boolean noReport, int epochsCompleted, EpochProgress progress, long[] shuffleState,
                 long[] modelState) {

    static final String FILE = "config.json";
    /**
     * 2: "model" is {input_shape, layers}. Version 1 (an MLP as input_size, hidden_sizes, output_size,
     * activation, output_activation) is still read; it is rewritten as version 2 when such a run is resumed.
     */
    static final int FORMAT_VERSION = 2;

    /**
     * This configuration at a checkpoint: epochs completed, progress inside the next epoch (or null), the
     * shuffling generator's state at the start of that epoch, and the model's generator (dropout masks) now.
     */
    RunConfig withProgress(int completed, EpochProgress inEpoch, long[] state, long[] modelGenerator) {
        return new RunConfig(model, task, numClasses, loss, data, valData, valSplit, targetColumn, featureColumns, normMean, normStd, optimizer, lr, momentum,
                weightDecay, batchSize, epochs, seed, shuffle, targetLoss, patience, restoreBest, schedule, augment, checkpointEvery, clipGradNorm, noReport, completed,
                inEpoch, state, modelGenerator);
    }

    RunConfig withEpochs(int total) {
        return new RunConfig(model, task, numClasses, loss, data, valData, valSplit, targetColumn, featureColumns, normMean, normStd, optimizer, lr, momentum,
                weightDecay, batchSize, total, seed, shuffle, targetLoss, patience, restoreBest, schedule, augment, checkpointEvery, clipGradNorm, noReport, epochsCompleted,
                progress, shuffleState, modelState);
    }

    /** This configuration with report.html turned off ({@code --resume DIR --no-report}). */
    RunConfig withoutReport() {
        return new RunConfig(model, task, numClasses, loss, data, valData, valSplit, targetColumn, featureColumns, normMean, normStd, optimizer, lr, momentum,
                weightDecay, batchSize, epochs, seed, shuffle, targetLoss, patience, restoreBest, schedule, augment, checkpointEvery, clipGradNorm, true,
                epochsCompleted, progress, shuffleState, modelState);
    }

    /** This configuration with the validation file at {@code path} (a resumed run whose file moved). */
    RunConfig withValData(String path) {
        return new RunConfig(model, task, numClasses, loss, data, path, valSplit, targetColumn, featureColumns, normMean, normStd, optimizer, lr, momentum,
                weightDecay, batchSize, epochs, seed, shuffle, targetLoss, patience, restoreBest, schedule, augment, checkpointEvery, clipGradNorm, noReport,
                epochsCompleted, progress, shuffleState, modelState);
    }

    /** This configuration with the data set at {@code path} (a resumed run whose data moved). */
    RunConfig withData(String path) {
        return new RunConfig(model, task, numClasses, loss, path, valData, valSplit, targetColumn, featureColumns, normMean, normStd, optimizer, lr, momentum,
                weightDecay, batchSize, epochs, seed, shuffle, targetLoss, patience, restoreBest, schedule, augment, checkpointEvery, clipGradNorm, noReport,
                epochsCompleted, progress, shuffleState, modelState);
    }

    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", "jgrad-run");
        m.put("format_version", (long) FORMAT_VERSION);
        m.put("model", model.toJson());
        m.put("task", task);
        m.put("num_classes", (long) numClasses);
        m.put("loss", loss);
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("path", data);
        d.put("val_data", valData);
        d.put("val_split", valSplit);
        d.put("target_column", targetColumn);
        if (featureColumns != null) {
            d.put("feature_columns", new ArrayList<Object>(featureColumns));
        }
        d.put("normalize_mean", normMean);
        d.put("normalize_std", normStd);
        m.put("data", d);
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("name", optimizer);
        o.put("lr", lr);
        o.put("momentum", momentum);
        o.put("weight_decay", weightDecay);
        m.put("optimizer", o);
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("epochs", (long) epochs);
        t.put("batch_size", (long) batchSize);
        t.put("seed", seed);
        t.put("shuffle", shuffle);
        t.put("target_loss", Double.isFinite(targetLoss) ? targetLoss : null);
        t.put("patience", (long) patience);
        t.put("restore_best", restoreBest);
        t.put("schedule", schedule);
        t.put("augment", augment);
        t.put("checkpoint_every", (long) checkpointEvery);
        t.put("clip_grad_norm", clipGradNorm > 0 ? clipGradNorm : null);
        t.put("report", !noReport);
        m.put("training", t);
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("epochs_completed", (long) epochsCompleted);
        if (progress != null) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("epoch", (long) progress.epoch());
            p.put("step", (long) progress.step());
            p.put("loss_sum", progress.lossSum());
            p.put("correct", progress.correct());
            p.put("seen", (long) progress.seen());
            p.put("grad_norm_sums", new LinkedHashMap<String, Object>(progress.gradNormSums()));
            s.put("epoch_in_progress", p);
        } else {
            s.put("epoch_in_progress", null);
        }
        s.put("shuffle_generator", hex(shuffleState));
        s.put("model_generator", hex(modelState));
        m.put("state", s);
        return m;
    }

    void write(Path dir) throws IOException {
        AtomicFiles.writeString(dir.resolve(FILE), Json.write(toJson()) + "\n");
    }

    /** Reads DIR/config.json; every problem names the file and the field. */
    static RunConfig read(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new UserError(dir + " is not a jgrad run directory: " + FILE + " is missing");
        }
        Map<String, Object> m = ConfigFields.object(Json.read(file), file, "(top level)");
        Object version = m.get("format_version");
        if (!(version instanceof Number v) || v.doubleValue() != 1 && v.doubleValue() != FORMAT_VERSION) {
            throw new JgradFormatException(file, "format_version", "expected 1 or " + FORMAT_VERSION + ", got "
                    + ConfigFields.describe(version) + (version instanceof Number v && v.doubleValue() > FORMAT_VERSION
                    ? "; the run was written by a newer jgrad, use that one" : ""));
        }
        NetworkSpec spec = NetworkSpec.fromJson(ConfigFields.require(m, "model", file, ""), file);
        String task = ConfigFields.string(m, "task", file, "");
        if (!List.of("classification", "binary", "regression").contains(task)) {
            throw new JgradFormatException(file, "task", "expected classification, binary or regression, got \"" + task + "\"");
        }
        Object nc = ConfigFields.require(m, "num_classes", file, "");
        int numClasses = nc instanceof Number ncn && ncn.intValue() == 0 ? 0 : ConfigFields.positiveInt(nc, file, "num_classes");
        String loss = ConfigFields.string(m, "loss", file, "");
        if (Losses.create(loss) == null) {
            throw new JgradFormatException(file, "loss", "unknown loss \"" + loss + "\"; expected one of " + Losses.NAMES);
        }
        Map<String, Object> d = ConfigFields.object(ConfigFields.require(m, "data", file, ""), file, "data");
        Object tc = d.get("target_column");
        Object vd = d.get("val_data");
        // absent in configs written before it was recorded: no split
        double valSplit = d.containsKey("val_split") ? ConfigFields.number(d, "val_split", file, "data") : 0;
        if (!(valSplit >= 0 && valSplit < 1)) { // NaN fails too
            throw new JgradFormatException(file, "data.val_split", "expected a fraction in [0, 1), got " + valSplit);
        }
        Map<String, Object> o = ConfigFields.object(ConfigFields.require(m, "optimizer", file, ""), file, "optimizer");
        Map<String, Object> t = ConfigFields.object(ConfigFields.require(m, "training", file, ""), file, "training");
        Map<String, Object> s = ConfigFields.object(ConfigFields.require(m, "state", file, ""), file, "state");
        Object tl = t.get("target_loss");
        long[] state = longs(ConfigFields.list(s, "shuffle_generator", file, "state"), file, "state.shuffle_generator");
        long[] modelState = s.containsKey("model_generator")
                ? longs(ConfigFields.list(s, "model_generator", file, "state"), file, "state.model_generator") : null;
        Object completed = ConfigFields.require(s, "epochs_completed", file, "state");
        int done = completed instanceof Number cn && cn.intValue() == 0 ? 0 : ConfigFields.positiveInt(completed, file, "state.epochs_completed");
        EpochProgress progress = null;
        if (s.get("epoch_in_progress") != null) {
            Map<String, Object> p = ConfigFields.object(s.get("epoch_in_progress"), file, "state.epoch_in_progress");
            Map<String, Object> sums = ConfigFields.object(ConfigFields.require(p, "grad_norm_sums", file, "state.epoch_in_progress"),
                    file, "state.epoch_in_progress.grad_norm_sums");
            Map<String, Double> gradSums = new LinkedHashMap<>();
            for (String k : sums.keySet()) {
                gradSums.put(k, ConfigFields.number(sums, k, file, "state.epoch_in_progress.grad_norm_sums"));
            }
            progress = new EpochProgress(ConfigFields.positiveInt(p, "epoch", file, "state.epoch_in_progress"),
                    ConfigFields.positiveInt(p, "step", file, "state.epoch_in_progress"),
                    ConfigFields.number(p, "loss_sum", file, "state.epoch_in_progress"),
                    (long) ConfigFields.number(p, "correct", file, "state.epoch_in_progress"),
                    ConfigFields.positiveInt(p, "seen", file, "state.epoch_in_progress"), gradSums);
        }
        Object seed = ConfigFields.require(t, "seed", file, "training");
        if (!(seed instanceof Number)) {
            throw new JgradFormatException(file, "training.seed", "expected an integer, got " + ConfigFields.describe(seed));
        }
        Object shuffle = t.get("shuffle");
        Object patience = t.get("patience");
        // clip_grad_norm and report are absent in configs written before they were recorded: no clipping, a report
        Object clip = t.get("clip_grad_norm");
        double clipGradNorm = 0;
        if (clip != null) {
            clipGradNorm = ConfigFields.number(t, "clip_grad_norm", file, "training");
            if (!(clipGradNorm > 0) || !Double.isFinite(clipGradNorm)) {
                throw new JgradFormatException(file, "training.clip_grad_norm", "expected a positive number or null, got " + clipGradNorm);
            }
        }
        Object report = t.get("report");
        if (report != null && !(report instanceof Boolean)) {
            throw new JgradFormatException(file, "training.report", "expected true or false, got " + ConfigFields.describe(report));
        }
        // absent in configs written before --restore-best: off
        Object restoreBest = t.get("restore_best");
        if (restoreBest != null && !(restoreBest instanceof Boolean)) {
            throw new JgradFormatException(file, "training.restore_best", "expected true or false, got " + ConfigFields.describe(restoreBest));
        }
        return new RunConfig(spec, task, numClasses, loss, ConfigFields.string(d, "path", file, "data"),
                vd instanceof String vds ? vds : null, valSplit,
                tc instanceof String str ? str : null, featureColumns(d, file),
                ConfigFields.number(d, "normalize_mean", file, "data"), ConfigFields.number(d, "normalize_std", file, "data"),
                ConfigFields.string(o, "name", file, "optimizer"), ConfigFields.number(o, "lr", file, "optimizer"),
                ConfigFields.number(o, "momentum", file, "optimizer"), ConfigFields.number(o, "weight_decay", file, "optimizer"),
                ConfigFields.positiveInt(t, "batch_size", file, "training"), ConfigFields.positiveInt(t, "epochs", file, "training"),
                ((Number) seed).longValue(), !(shuffle instanceof Boolean b) || b,
                tl instanceof Number tln ? tln.doubleValue() : Double.NEGATIVE_INFINITY,
                patience instanceof Number pn ? pn.intValue() : 0, Boolean.TRUE.equals(restoreBest),
                t.get("schedule") instanceof String sch ? sch : "none",
                t.get("augment") instanceof String aug ? aug : "none",
                t.get("checkpoint_every") instanceof Number ce ? ce.intValue() : 0, clipGradNorm, Boolean.FALSE.equals(report),
                done, progress, state, modelState);
    }

    /** data.feature_columns: a CSV run's feature column names; absent in older configs and for IDX data (null). */
    private static List<String> featureColumns(Map<String, Object> d, Path file) {
        if (d.get("feature_columns") == null) {
            return null;
        }
        List<String> names = new ArrayList<>();
        for (Object o : ConfigFields.list(d, "feature_columns", file, "data")) {
            if (!(o instanceof String name)) {
                throw new JgradFormatException(file, "data.feature_columns", "expected column names (strings), got "
                        + ConfigFields.describe(o));
            }
            names.add(name);
        }
        return List.copyOf(names);
    }

    /** 64-bit words as hex strings: a JSON number cannot hold 64 bits exactly. */
    private static List<Object> hex(long[] words) {
        List<Object> out = new ArrayList<>();
        if (words != null) {
            for (long v : words) {
                out.add(HexFormat.of().toHexDigits(v));
            }
        }
        return out;
    }

    private static long[] longs(List<Object> hex, Path file, String field) {
        long[] out = hex.isEmpty() ? null : new long[hex.size()];
        for (int i = 0; i < hex.size(); i++) {
            try {
                out[i] = HexFormat.fromHexDigitsToLong((String) hex.get(i));
            } catch (RuntimeException e) {
                throw new JgradFormatException(file, field + "[" + i + "]", "expected 16 hex digits, got " + ConfigFields.describe(hex.get(i)));
            }
        }
        return out;
    }
}
