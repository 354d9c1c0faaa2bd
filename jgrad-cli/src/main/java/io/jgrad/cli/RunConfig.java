package io.jgrad.cli;

import io.jgrad.io.ConfigFields;
import io.jgrad.nn.spec.Layers;
import io.jgrad.nn.spec.NetworkSpec;
import io.jgrad.nn.spec.WeightInit;
import io.jgrad.data.Standardization;
import io.jgrad.io.AtomicFiles;
import io.jgrad.io.CheckpointFiles;
import io.jgrad.io.JgradFormatException;
import io.jgrad.io.Json;
import io.jgrad.tensor.Generator;
import io.jgrad.train.Divergence;
import io.jgrad.train.EpochProgress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything config.json records about a run: the architecture, the data and how it was prepared, the loss,
 * the optimizer, the training options, and how far training got: the epochs completed, the progress inside the
 * next epoch when a mid-epoch checkpoint was taken ({@code progress}, else null), and the shuffling generator's
 * state at the start of that next epoch, so that {@code --resume} continues exactly where the run stopped.
 * {@code restoredEpoch} is the epoch whose weights --restore-best put in model.safetensors instead of the last
 * completed epoch's (0: the weights are the last completed epoch's). {@code classNames} names classes 0, 1, ... where
 * a CSV file's target held names (empty otherwise, and in configs written before names were read).
 * {@code classWeights}: cross-entropy's weight of each class (--class-weights), or null for none. {@code init}: the
 * --init file the run started from, as given (null: none, and in configs written before it was recorded).
 * {@code weightInit}: --weight-init as {@link WeightInit#value} spells it ("default" also in configs written before it
 * was recorded).
 * {@code dataKind}: what {@code data} held when the run was trained, {@link #IDX}, {@link #CSV} or {@link #PARQUET}
 * (null in configs written before it was recorded). {@code diverged}: where the run diverged, config.json's
 * {@code state.diverged} (checked: the epoch after the completed ones), or null for none; {@link #toJson} never writes
 * it ({@link Divergence#recordIn} does), and a checkpoint's configuration ({@link #withProgress}) drops it, so that a
 * resumed run that trains on is no longer marked.
 */
record RunConfig(NetworkSpec model, String task, int numClasses, String loss, String data, String dataKind, String valData, double valSplit,
                 String targetColumn, List<String> featureColumns, List<String> classNames,
                 Standardization normalization, String optimizer, double lr, double momentum, double weightDecay,
                 int batchSize, int epochs, long seed, boolean shuffle, double targetLoss, int patience, boolean restoreBest, String schedule,
                 String augment, int checkpointEvery, double clipGradNorm, double[] classWeights, boolean noReport, int epochsCompleted, EpochProgress progress, long[] shuffleState,
                 long[] modelState, int restoredEpoch, String init, String weightInit, Divergence diverged) {

    static final String FILE = "config.json";

    /**
     * The kinds of data.kind: what data.path held when the run was trained, an IDX directory, a CSV file (or, on Spark, a
     * directory of CSV part files) or Parquet; jgrad-spark's RunDirectory writes the same words.
     */
    static final String IDX = "idx", CSV = "csv", PARQUET = "parquet";
    private static final List<String> DATA_KINDS = List.of(IDX, CSV, PARQUET);

    /** The loss as eval and the report name it: "cross-entropy", or with its class weights "cross-entropy, class weights 0.5, 2". */
    String lossShown() {
        return loss + (classWeights == null ? "" : ", class weights " + Flags.weightsShown(classWeights));
    }

    /**
     * "--momentum M" for an optimizer that takes one (sgd, rmsprop) and M not 0; the others have none to apply. This
     * and the other *Flag methods give an option as the flag of jgrad train that sets it, for inspect and the report's
     * facts, so that the run can be trained again; null where the run left the option at its default.
     */
    String momentumFlag() {
        return momentum != 0 && Optimizers.takesMomentum(optimizer) ? "--momentum " + momentum : null;
    }

    /** "--weight-decay WD" where WD is not the optimizer's default (adamw's 0.01, the others' 0). */
    String weightDecayFlag() {
        return weightDecay != Optimizers.defaultWeightDecay(optimizer) ? "--weight-decay " + weightDecay : null;
    }

    /** "--schedule SPEC" as given; null for none, which train reads in any case ("NONE") and with blanks around it. */
    String scheduleFlag() {
        return schedule.trim().equalsIgnoreCase("none") ? null : "--schedule " + schedule;
    }

    /** "--augment SPEC" as given; null for none, read as train reads it ({@link Flags#augmentation}). */
    String augmentFlag() {
        return augment.trim().equalsIgnoreCase("none") ? null : "--augment " + augment;
    }

    /** "--weight-init SCHEME", or null for PyTorch's default initialization. */
    String weightInitFlag() {
        return weightInit.equals(WeightInit.DEFAULT.value()) ? null : "--weight-init " + weightInit;
    }

    /** "--clip-grad-norm MAX", or null without clipping. */
    String clipGradNormFlag() {
        return clipGradNorm > 0 ? "--clip-grad-norm " + clipGradNorm : null;
    }

    /**
     * "target column 'NAME'" for a run whose config.json records its target column, else null (an IDX directory, whose
     * labels are a file of their own; a Spark run not given one). In words, not as the --target-column flag like the
     * options above: jgrad train records the column for every CSV file, also where it was the default (the last
     * column), which config.json cannot tell apart, and a run at its defaults shows no flags.
     */
    String targetColumnShown() {
        return targetColumn == null ? null : "target column '" + targetColumn + "'";
    }

    /** "--patience N", or null without early stopping. */
    String patienceFlag() {
        return patience > 0 ? "--patience " + patience : null;
    }

    /** "--target-loss LOSS", or null without a target. */
    String targetLossFlag() {
        return Double.isFinite(targetLoss) ? "--target-loss " + targetLoss : null;
    }

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
        return new RunConfig(model, task, numClasses, loss, data, dataKind, valData, valSplit, targetColumn, featureColumns, classNames, normalization, optimizer, lr, momentum,
                weightDecay, batchSize, epochs, seed, shuffle, targetLoss, patience, restoreBest, schedule, augment, checkpointEvery, clipGradNorm, classWeights, noReport, completed,
                inEpoch, state, modelGenerator, 0, init, weightInit, null); // the weights saved with it are those trained last
    }

    /** This configuration with model.safetensors holding the weights of {@code epoch} (--restore-best), not the last. */
    RunConfig withRestoredEpoch(int epoch) {
        return new RunConfig(model, task, numClasses, loss, data, dataKind, valData, valSplit, targetColumn, featureColumns, classNames, normalization, optimizer, lr, momentum,
                weightDecay, batchSize, epochs, seed, shuffle, targetLoss, patience, restoreBest, schedule, augment, checkpointEvery, clipGradNorm, classWeights, noReport,
                epochsCompleted, progress, shuffleState, modelState, epoch, init, weightInit, null); // the checkpoint after the last epoch
    }

    RunConfig withEpochs(int total) {
        return new RunConfig(model, task, numClasses, loss, data, dataKind, valData, valSplit, targetColumn, featureColumns, classNames, normalization, optimizer, lr, momentum,
                weightDecay, batchSize, total, seed, shuffle, targetLoss, patience, restoreBest, schedule, augment, checkpointEvery, clipGradNorm, classWeights, noReport, epochsCompleted,
                progress, shuffleState, modelState, restoredEpoch, init, weightInit, diverged);
    }

    /**
     * This configuration with new stopping criteria ({@code --resume DIR --target-loss L --patience N}): the mean
     * training loss to stop at (negative infinity: none) and the epochs without improvement (0: none).
     */
    RunConfig withStopping(double newTargetLoss, int newPatience) {
        return new RunConfig(model, task, numClasses, loss, data, dataKind, valData, valSplit, targetColumn, featureColumns, classNames, normalization, optimizer, lr, momentum,
                weightDecay, batchSize, epochs, seed, shuffle, newTargetLoss, newPatience, restoreBest, schedule, augment, checkpointEvery, clipGradNorm, classWeights, noReport,
                epochsCompleted, progress, shuffleState, modelState, restoredEpoch, init, weightInit, diverged);
    }

    /** This configuration with report.html turned off ({@code --resume DIR --no-report}). */
    RunConfig withoutReport() {
        return new RunConfig(model, task, numClasses, loss, data, dataKind, valData, valSplit, targetColumn, featureColumns, classNames, normalization, optimizer, lr, momentum,
                weightDecay, batchSize, epochs, seed, shuffle, targetLoss, patience, restoreBest, schedule, augment, checkpointEvery, clipGradNorm, classWeights, true,
                epochsCompleted, progress, shuffleState, modelState, restoredEpoch, init, weightInit, diverged);
    }

    /** This configuration with the validation file at {@code path} (a resumed run whose file moved). */
    RunConfig withValData(String path) {
        return new RunConfig(model, task, numClasses, loss, data, dataKind, path, valSplit, targetColumn, featureColumns, classNames, normalization, optimizer, lr, momentum,
                weightDecay, batchSize, epochs, seed, shuffle, targetLoss, patience, restoreBest, schedule, augment, checkpointEvery, clipGradNorm, classWeights, noReport,
                epochsCompleted, progress, shuffleState, modelState, restoredEpoch, init, weightInit, diverged);
    }

    /** This configuration with {@code kind} recorded as the kind of its data (a resumed run's, read again). */
    RunConfig withDataKind(String kind) {
        return new RunConfig(model, task, numClasses, loss, data, kind, valData, valSplit, targetColumn, featureColumns, classNames, normalization, optimizer, lr, momentum,
                weightDecay, batchSize, epochs, seed, shuffle, targetLoss, patience, restoreBest, schedule, augment, checkpointEvery, clipGradNorm, classWeights, noReport,
                epochsCompleted, progress, shuffleState, modelState, restoredEpoch, init, weightInit, diverged);
    }

    /** This configuration with the data set at {@code path} (a resumed run whose data moved). */
    RunConfig withData(String path) {
        return new RunConfig(model, task, numClasses, loss, path, dataKind, valData, valSplit, targetColumn, featureColumns, classNames, normalization, optimizer, lr, momentum,
                weightDecay, batchSize, epochs, seed, shuffle, targetLoss, patience, restoreBest, schedule, augment, checkpointEvery, clipGradNorm, classWeights, noReport,
                epochsCompleted, progress, shuffleState, modelState, restoredEpoch, init, weightInit, diverged);
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
        if (dataKind != null) { // null only for a run read from a config.json written before it was recorded
            d.put("kind", dataKind);
        }
        d.put("val_data", valData);
        d.put("val_split", valSplit);
        d.put("target_column", targetColumn);
        if (featureColumns != null) {
            d.put("feature_columns", new ArrayList<Object>(featureColumns));
        }
        if (!classNames.isEmpty()) { // written only then: other runs' config.json stay as before
            d.put("class_names", new ArrayList<Object>(classNames));
        }
        normalization.putInto(d);
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
        if (classWeights != null) { // written only then: other runs' config.json stay as before
            List<Object> w = new ArrayList<>();
            for (double v : classWeights) {
                w.add(v);
            }
            t.put("class_weights", w);
        }
        t.put("report", !noReport);
        if (init != null) { // written only then: other runs' config.json stay as before
            t.put("init", init);
        }
        if (weightInitFlag() != null) { // written only then too
            t.put("weight_init", weightInit);
        }
        m.put("training", t);
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("epochs_completed", (long) epochsCompleted);
        s.put("epoch_in_progress", progress == null ? null : progress.toJson());
        s.put("shuffle_generator", hex(shuffleState));
        s.put("model_generator", hex(modelState));
        if (restoredEpoch > 0) { // written only then: other runs' config.json stay as before
            s.put("restored_epoch", (long) restoredEpoch);
        }
        m.put("state", s);
        return m;
    }

    void write(Path dir) throws IOException {
        AtomicFiles.writeString(dir.resolve(FILE), Json.write(toJson()) + "\n");
    }

    /**
     * The fields of each object of config.json, as every version of jgrad has written them. "spark" is jgrad-spark's
     * record of its partitions and local steps (its RunDirectory): a Spark run's directory is read here too, and the
     * field is not used.
     */
    private static final Set<String> TOP = Set.of("format", "format_version", "model", "task", "num_classes", "loss", "data",
            "optimizer", "training", "state", "spark");
    private static final Set<String> DATA = Set.of("path", "kind", "val_data", "val_split", "target_column", "feature_columns",
            "class_names", "normalize_mean", "normalize_std");
    private static final Set<String> OPTIMIZER = Set.of("name", "lr", "momentum", "weight_decay");
    private static final Set<String> TRAINING = Set.of("epochs", "batch_size", "seed", "shuffle", "target_loss", "patience",
            "restore_best", "schedule", "augment", "checkpoint_every", "clip_grad_norm", "class_weights", "report", "init",
            "weight_init");
    private static final Set<String> STATE = Set.of("epochs_completed", "epoch_in_progress", "shuffle_generator", "model_generator",
            "restored_epoch", Divergence.FIELD);
    private static final Set<String> PROGRESS = Set.of("epoch", "step", "loss_sum", "correct", "seen", "grad_norm_sums",
            "weight_sum", "grad_norm_steps");

    /**
     * Reads DIR/config.json, which a user may have edited by hand: every problem (a wrong type, a missing or
     * unknown field, a value that jgrad train would refuse as a flag) names the file and the field, and nothing
     * of the wrong type is replaced by a default in silence. Optional fields are those that older versions did
     * not write; absent or null, they take the value that such a run had.
     */
    static RunConfig read(Path dir) throws IOException {
        return read(dir, null);
    }

    /**
     * As {@link #read(Path)}, where {@code flag} gave {@code dir} (--resume, --model; null for a command's own
     * argument): a directory that is missing or holds no config.json is named with it.
     */
    static RunConfig read(Path dir, String flag) throws IOException {
        Path file = dir.resolve(FILE);
        try {
            CheckpointFiles.requireRunDirectory(dir, flag); // in jgrad-spark's --resume's words
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        Map<String, Object> m = ConfigFields.object(Json.read(file), file, "(top level)");
        Object version = m.get("format_version");
        if (!(version instanceof Number v) || v.doubleValue() != 1 && v.doubleValue() != FORMAT_VERSION) {
            throw new JgradFormatException(file, "format_version", "expected 1 or " + FORMAT_VERSION + ", got "
                    + ConfigFields.describe(version) + (version instanceof Number v && v.doubleValue() > FORMAT_VERSION
                    && v.doubleValue() == Math.rint(v.doubleValue()) ? "; the run was written by a newer jgrad, use that one" : ""));
        }
        ConfigFields.onlyKnown(m, file, "", TOP);
        NetworkSpec spec = NetworkSpec.fromJson(ConfigFields.require(m, "model", file, ""), file);
        String task = ConfigFields.string(m, "task", file, "");
        if (!List.of("classification", "binary", "regression").contains(task)) {
            throw new JgradFormatException(file, "task", "expected classification, binary or regression, got \"" + task + "\"");
        }
        int numClasses = ConfigFields.nonNegativeInt(m, "num_classes", file, "");
        String loss = ConfigFields.string(m, "loss", file, "");
        if (Losses.create(loss) == null) {
            throw new JgradFormatException(file, "loss", "unknown loss \"" + loss + "\"; expected one of " + Losses.NAMES);
        }
        checkObjective(spec, task, numClasses, loss, file);
        Map<String, Object> d = ConfigFields.object(ConfigFields.require(m, "data", file, ""), file, "data");
        ConfigFields.onlyKnown(d, file, "data", DATA);
        // absent in configs written before it was recorded: no split
        double valSplit = d.containsKey("val_split") ? ConfigFields.number(d, "val_split", file, "data") : 0;
        if (!(valSplit >= 0 && valSplit < 1)) { // NaN fails too
            throw new JgradFormatException(file, "data.val_split", "expected a fraction in [0, 1), got " + valSplit);
        }
        Standardization normalization = standardization(d, file, spec.inputSize());
        Map<String, Object> o = ConfigFields.object(ConfigFields.require(m, "optimizer", file, ""), file, "optimizer");
        ConfigFields.onlyKnown(o, file, "optimizer", OPTIMIZER);
        String optimizer = ConfigFields.string(o, "name", file, "optimizer");
        if (!Optimizers.NAMES.contains(optimizer)) {
            throw new JgradFormatException(file, "optimizer.name", "unknown optimizer \"" + optimizer + "\"; expected one of "
                    + String.join(", ", Optimizers.NAMES));
        }
        double lr = positive(o, "lr", file, "optimizer");
        double momentum = nonNegative(o, "momentum", file, "optimizer");
        double weightDecay = nonNegative(o, "weight_decay", file, "optimizer");
        Map<String, Object> t = ConfigFields.object(ConfigFields.require(m, "training", file, ""), file, "training");
        ConfigFields.onlyKnown(t, file, "training", TRAINING);
        int epochs = ConfigFields.positiveInt(t, "epochs", file, "training");
        Map<String, Object> s = ConfigFields.object(ConfigFields.require(m, "state", file, ""), file, "state");
        ConfigFields.onlyKnown(s, file, "state", STATE);
        long[] state = longs(ConfigFields.list(s, "shuffle_generator", file, "state"), file, "state.shuffle_generator");
        long[] modelState = s.get("model_generator") != null
                ? longs(ConfigFields.list(s, "model_generator", file, "state"), file, "state.model_generator") : null;
        int done = ConfigFields.nonNegativeInt(s, "epochs_completed", file, "state");
        // absent: the weights are the last completed epoch's (every run without a --restore-best restore)
        int restoredEpoch = ConfigFields.optionalNonNegativeInt(s, "restored_epoch", file, "state", 0);
        if (restoredEpoch > done) {
            throw new JgradFormatException(file, "state.restored_epoch", "expected an epoch from 1 to epochs_completed (" + done
                    + "), got " + restoredEpoch);
        }
        EpochProgress progress = null;
        if (s.get("epoch_in_progress") != null) {
            String at = "state.epoch_in_progress";
            Map<String, Object> p = ConfigFields.object(s.get("epoch_in_progress"), file, at);
            ConfigFields.onlyKnown(p, file, at, PROGRESS);
            Map<String, Object> sums = ConfigFields.object(ConfigFields.require(p, "grad_norm_sums", file, at),
                    file, at + ".grad_norm_sums");
            Map<String, Double> gradSums = new LinkedHashMap<>();
            for (String k : sums.keySet()) {
                gradSums.put(k, ConfigFields.number(sums, k, file, at + ".grad_norm_sums"));
            }
            progress = new EpochProgress(ConfigFields.positiveInt(p, "epoch", file, at),
                    ConfigFields.positiveInt(p, "step", file, at), ConfigFields.number(p, "loss_sum", file, at),
                    (long) ConfigFields.number(p, "correct", file, at), ConfigFields.positiveInt(p, "seen", file, at), gradSums,
                    // absent: every sample weighed 1 (no class weights, or a run from before they were read)
                    p.get("weight_sum") == null ? ConfigFields.positiveInt(p, "seen", file, at)
                            : ConfigFields.number(p, "weight_sum", file, at),
                    // absent: the norms were summed once per step (all but a Spark run's local SGD)
                    p.get("grad_norm_steps") == null ? ConfigFields.positiveInt(p, "step", file, at)
                            : ConfigFields.positiveInt(p, "grad_norm_steps", file, at));
        }
        Divergence diverged = Divergence.from(s, file);
        if (diverged != null) { // the run diverged after the checkpoint it went on from, which config.json names
            diverged.after(done, progress == null ? 0 : progress.step(), file);
        }
        long seed = ConfigFields.integer(t, "seed", file, "training");
        // target_loss null: no target (it is written so); absent: a config from before it was recorded, the same
        double targetLoss = t.get("target_loss") == null ? Double.NEGATIVE_INFINITY : ConfigFields.number(t, "target_loss", file, "training");
        // clip_grad_norm and report are absent in configs written before they were recorded: no clipping, a report
        double clipGradNorm = 0;
        if (t.get("clip_grad_norm") != null) {
            clipGradNorm = ConfigFields.number(t, "clip_grad_norm", file, "training");
            if (!(clipGradNorm > 0) || !Double.isFinite(clipGradNorm)) {
                throw new JgradFormatException(file, "training.clip_grad_norm", "expected a positive number or null, got " + clipGradNorm);
            }
        }
        String schedule = ConfigFields.optionalString(t, "schedule", file, "training", "none");
        String augment = ConfigFields.optionalString(t, "augment", file, "training", "none");
        try {
            Schedules.check(schedule, epochs);
        } catch (UserError e) {
            throw new JgradFormatException(file, "training.schedule", "\"" + schedule + "\" is not a schedule (" + e.getMessage() + ")");
        }
        try {
            Flags.augmentation(augment);
        } catch (UserError e) {
            throw new JgradFormatException(file, "training.augment", "\"" + augment + "\" is not an augmentation (" + e.getMessage() + ")");
        }
        String weightInit = ConfigFields.optionalString(t, "weight_init", file, "training", WeightInit.DEFAULT.value());
        try {
            weightInit = WeightInit.parse(weightInit).value();
        } catch (IllegalArgumentException e) {
            throw new JgradFormatException(file, "training.weight_init", "\"" + weightInit + "\" is not a scheme of"
                    + " --weight-init; expected " + WeightInit.EXPECTED);
        }
        String path = ConfigFields.string(d, "path", file, "data");
        // absent in configs written before it was recorded: eval and predict then infer it (CsvPixels.trainedOnIdx)
        String dataKind = ConfigFields.optionalString(d, "kind", file, "data", null);
        if (dataKind != null && !DATA_KINDS.contains(dataKind)) {
            throw new JgradFormatException(file, "data.kind", "expected one of " + String.join(", ", DATA_KINDS) + ", got \""
                    + dataKind + "\"");
        }
        String valData = ConfigFields.optionalString(d, "val_data", file, "data", null);
        String targetColumn = ConfigFields.optionalString(d, "target_column", file, "data", null);
        List<String> featureColumns = featureColumns(d, file);
        List<String> classNames = classNames(d, file, numClasses);
        return new RunConfig(spec, task, numClasses, loss, path, dataKind,
                valData, valSplit, targetColumn, featureColumns, classNames,
                normalization, optimizer, lr, momentum, weightDecay,
                ConfigFields.positiveInt(t, "batch_size", file, "training"), epochs, seed,
                ConfigFields.optionalBoolean(t, "shuffle", file, "training", true), targetLoss,
                ConfigFields.optionalNonNegativeInt(t, "patience", file, "training", 0),
                // absent in configs written before --restore-best: off
                ConfigFields.optionalBoolean(t, "restore_best", file, "training", false), schedule, augment,
                ConfigFields.optionalNonNegativeInt(t, "checkpoint_every", file, "training", 0), clipGradNorm,
                classWeights(t, file, numClasses, classNames, loss),
                !ConfigFields.optionalBoolean(t, "report", file, "training", true), done, progress, state, modelState,
                // absent in configs written before it was recorded, and in runs without --init: none
                restoredEpoch, ConfigFields.optionalString(t, "init", file, "training", null), weightInit, diverged);
    }

    /**
     * Refuses a task, number of classes, loss and network that 'jgrad train' would not have written together: eval and
     * predict would otherwise score a 3-output network as 5 classes, a classifier as a regression, or stop with a stack
     * trace when bce meets outputs outside [0, 1]. The rules are train's: num_classes is K >= 2, or 0 (numeric targets)
     * for a squared-error loss; the task is regression for a squared-error loss, else binary (one output) or classification;
     * the network ends with the width of {@link Objective#outputSize()}; bce's network ends with a sigmoid. One
     * exception: num_classes 1 with a classification loss, which train (task "binary") and Spark training (task
     * "classification") wrote for data whose labels were all 0 until they refused such data, so that those runs still load.
     */
    private static void checkObjective(NetworkSpec spec, String task, int numClasses, String loss, Path file) {
        boolean regression = Losses.task(loss).equals("regression");
        // a squared-error loss also trains on class labels, as one-hot targets (task "regression", K classes)
        if (regression && numClasses == 1 || !regression && numClasses == 0) {
            throw new JgradFormatException(file, "num_classes", "is " + numClasses + ", but loss \"" + loss + "\" needs "
                    + (regression ? "0 (numeric targets) or" : "class labels 0..K-1, so") + " K >= 2 classes");
        }
        Objective objective = Objective.of(loss, numClasses);
        String expected = regression ? "regression" : objective.outputSize() == 1 ? "binary" : "classification";
        // a one-class run of Spark training, which writes every run as "classification"
        boolean oldOneClass = numClasses == 1 && task.equals("classification");
        if (!task.equals(expected) && !oldOneClass) {
            throw new JgradFormatException(file, "task", "is \"" + task + "\", but loss \"" + loss + "\" with num_classes "
                    + numClasses + " is \"" + expected + "\"");
        }
        int last = spec.layers().size() - 1;
        int[] out = spec.shapes()[last];
        if (out.length != 1 || out[0] != objective.outputSize()) {
            throw new JgradFormatException(file, "model.layers[" + last + "]", "the network outputs " + Layers.shape(out)
                    + ", but loss \"" + loss + "\" with num_classes " + numClasses + " needs [N, " + objective.outputSize()
                    + "]; model, num_classes and loss must be those of one run");
        }
        if (loss.equals("bce") && !spec.outputActivation().equals("sigmoid")) {
            throw new JgradFormatException(file, "model.layers[" + last + "]", "loss \"bce\" needs probabilities, but the network"
                    + " ends with " + spec.layers().get(last).type() + ", which "
                    + Losses.notProbabilities(spec.layers().get(last).type()) + "; expected a sigmoid");
        }
    }

    private static double positive(Map<String, Object> m, String key, Path file, String parent) {
        double v = ConfigFields.number(m, key, file, parent);
        if (!(v > 0)) {
            throw new JgradFormatException(file, parent + "." + key, "expected a positive number, got " + v);
        }
        return v;
    }

    private static double nonNegative(Map<String, Object> m, String key, Path file, String parent) {
        double v = ConfigFields.number(m, key, file, parent);
        if (!(v >= 0)) {
            throw new JgradFormatException(file, parent + "." + key, "expected a non-negative number, got " + v);
        }
        return v;
    }

    /** data.feature_columns: a CSV run's feature column names; absent in older configs and for IDX data (null). */
    private static List<String> featureColumns(Map<String, Object> d, Path file) {
        if (d.get("feature_columns") == null) {
            return null;
        }
        List<String> names = new ArrayList<>();
        List<Object> listed = ConfigFields.list(d, "feature_columns", file, "data");
        if (listed.isEmpty()) {
            throw new JgradFormatException(file, "data.feature_columns", "expected the names of the feature columns, got an empty list");
        }
        for (Object o : listed) {
            if (!(o instanceof String name)) {
                throw new JgradFormatException(file, "data.feature_columns", "expected column names (strings), got "
                        + ConfigFields.describe(o));
            }
            // eval and predict pick the columns by these names: a name twice would feed one column to two inputs
            if (names.contains(name)) {
                throw new JgradFormatException(file, "data.feature_columns", "column '" + name + "' is listed twice (at "
                        + names.indexOf(name) + " and " + names.size() + "); expected each feature column once");
            }
            names.add(name);
        }
        return List.copyOf(names);
    }

    /**
     * training.class_weights: absent or null, none; else a list that {@link ClassWeights#check} takes (as
     * --class-weights), whose mistakes name the file and field.
     */
    private static double[] classWeights(Map<String, Object> t, Path file, int numClasses, List<String> classNames,
                                         String loss) {
        if (t.get("class_weights") == null) {
            return null;
        }
        List<Object> listed = ConfigFields.list(t, "class_weights", file, "training");
        return ClassWeights.check(listed, loss, numClasses, classNames,
                problem -> new JgradFormatException(file, "training.class_weights", problem));
    }

    /**
     * data.class_names: absent or null, none (class indices); else num_classes distinct, non-blank names, as the
     * training file's target held them (predict prints them, eval and --resume map a CSV file's targets by them).
     */
    private static List<String> classNames(Map<String, Object> d, Path file, int numClasses) {
        if (d.get("class_names") == null) {
            return List.of();
        }
        List<Object> listed = ConfigFields.list(d, "class_names", file, "data");
        if (listed.size() != numClasses) {
            throw new JgradFormatException(file, "data.class_names", "lists " + listed.size() + " names, but num_classes is "
                    + numClasses + "; expected a name for each class");
        }
        Set<String> seen = new java.util.HashSet<>();
        for (Object o : listed) {
            if (!(o instanceof String name) || name.isBlank()) {
                throw new JgradFormatException(file, "data.class_names", "expected class names (non-blank strings), got "
                        + ConfigFields.describe(o));
            }
            if (!seen.add(name)) {
                throw new JgradFormatException(file, "data.class_names", "class '" + name + "' is listed twice; expected each"
                        + " class once");
            }
        }
        return listed.stream().map(String.class::cast).toList();
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

    /** A generator's state as hex words (an empty list: none recorded), which must be as many as it has. */
    private static long[] longs(List<Object> hex, Path file, String field) {
        if (hex.isEmpty()) {
            return null;
        }
        int words = new Generator(0).state().length;
        if (hex.size() != words) {
            throw new JgradFormatException(file, field, "expected " + words + " words of 16 hex digits (a generator's state), got "
                    + hex.size());
        }
        long[] out = new long[hex.size()];
        for (int i = 0; i < hex.size(); i++) {
            if (!(hex.get(i) instanceof String h) || !h.matches("[0-9a-fA-F]{16}")) {
                throw new JgradFormatException(file, field + "[" + i + "]", "expected 16 hex digits, got " + ConfigFields.describe(hex.get(i)));
            }
            out[i] = HexFormat.fromHexDigitsToLong(h);
        }
        return out;
    }

    /**
     * Reads Standardization.putInto's fields from config.json's "data" object: two numbers, or two lists of {@code features}
     * numbers (the network's inputs; per column), the std's all positive; else an error naming the file and field.
     */
    private static Standardization standardization(Map<String, Object> d, Path file, int features) {
        double[] mean = numbers(d, "normalize_mean", file, features);
        double[] std = numbers(d, "normalize_std", file, features);
        boolean perColumn = d.get("normalize_mean") instanceof List<?>;
        if (perColumn != d.get("normalize_std") instanceof List<?>) {
            throw new JgradFormatException(file, "data.normalize_std", "is " + (perColumn ? "a number" : "a list")
                    + " and normalize_mean " + (perColumn ? "a list" : "a number") + "; expected two numbers (one pair for"
                    + " all values) or two lists (a pair per column)");
        }
        for (double s : std) {
            if (!(s > 0) || !Double.isFinite(s)) {
                throw new JgradFormatException(file, "data.normalize_std", "expected " + (std.length == 1 ? "a positive number"
                        : "positive numbers") + " (the features are divided by it), got " + s);
            }
        }
        for (double m : mean) {
            if (!Double.isFinite(m)) {
                throw new JgradFormatException(file, "data.normalize_mean", "expected finite numbers, got " + m);
            }
        }
        return new Standardization(mean, std, perColumn);
    }

    private static double[] numbers(Map<String, Object> d, String field, Path file, int features) {
        if (!(d.get(field) instanceof List<?> list)) {
            return new double[] {ConfigFields.number(d, field, file, "data")};
        }
        if (list.size() != features) {
            throw new JgradFormatException(file, "data." + field, "lists " + list.size() + " values, but the network takes "
                    + features + " inputs; expected a number, or one per input column");
        }
        double[] v = new double[list.size()];
        for (int i = 0; i < v.length; i++) {
            if (!(list.get(i) instanceof Number x)) {
                throw new JgradFormatException(file, "data." + field, "expected numbers, got " + ConfigFields.describe(list.get(i)));
            }
            v[i] = x.doubleValue();
        }
        return v;
    }
}
