package io.jgrad.spark;

import io.jgrad.data.Standardization;
import io.jgrad.io.AtomicFiles;
import io.jgrad.io.CheckpointFiles;
import io.jgrad.io.Json;
import io.jgrad.nn.spec.NetworkSpec;
import io.jgrad.nn.spec.WeightInit;
import io.jgrad.train.Divergence;
import io.jgrad.train.EpochMetrics;
import io.jgrad.train.EpochProgress;
import io.jgrad.train.MetricsCsv;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The --out directory of a Spark run, in the same format as {@code jgrad train}'s (so {@code jgrad eval},
 * {@code predict}, {@code inspect} and {@code --resume} read it): model.safetensors, optimizer.safetensors,
 * metrics.csv and config.json (jgrad-run format version 1 for an MLP, whose "model" lists its sizes; 2, as jgrad train
 * writes it, for a network of layers: --model cnn or a model file), written by jgrad train's checkpoint protocol
 * ({@link CheckpointFiles}; tags "EPOCHS:STEP", config.json the commit point), so a run killed at any instant (SIGKILL,
 * a power cut: no shutdown hook runs) leaves one consistent checkpoint: after an epoch, or with --checkpoint-every
 * after a step inside one. Each file is written atomically.
 */
final class RunDirectory {
    private RunDirectory() {}

    /**
     * What config.json records besides the progress; {@code targetLoss} negative infinity for none, {@code schedule} as
     * --schedule gave it ("none" for none). {@code classNames}: of classes 0, 1, ... where the labels are names, else
     * empty; {@code classWeights}: cross-entropy's weight of each class, or null for none; {@code init}: the --init file
     * the run started from, as given (null: none, and in runs written before it was recorded); {@code clipGradNorm}:
     * --clip-grad-norm's global L2 norm, or 0 for none (also in runs written before it was recorded). {@code shuffle}:
     * each epoch draws a new order of the rows (false: --no-shuffle); {@code checkpointEvery}: --checkpoint-every's
     * steps (0: a checkpoint after each epoch only). {@code dataKind}: config.json's data.kind, what {@code data} was read
     * as ({@link DistributedDataset#kind}; null in runs written before it was recorded); {@code augment}: --augment as given
     * ("none": none, also in runs written before Spark took it); {@code weightInit}: --weight-init as
     * {@link WeightInit#value} spells it ("default" also in runs written before it was recorded). The network is {@code spec} (an
     * MLP, --model mlp) or {@code network} (--model cnn or FILE.json): one of them is null.
     */
    record Settings(MlpSpec spec, NetworkSpec network, int numClasses, String data, String dataKind, String valData, double valSplit, String targetColumn,
                    List<String> featureColumns, List<String> classNames, Standardization normalization, OptimizerSpec optimizer,
                    int batchSize, int epochs, long seed, int partitions, int localSteps, double targetLoss, int patience,
                    boolean restoreBest, String schedule, double[] classWeights, String init, boolean noReport,
                    double clipGradNorm, boolean shuffle, int checkpointEvery, String augment, String weightInit) {}

    /**
     * Writes the run after its last epoch in {@code metrics} by the protocol above, with the schedule's counters
     * {@code schedulerState} (empty for none) in the optimizer file's metadata as jgrad train saves them.
     * {@code restoredEpoch} is 0, or, once --restore-best put epoch R's weights back into the model after the last
     * epoch, R: config.json records it (state.restored_epoch) and the tag becomes "EPOCH:0:restoredR", as jgrad train
     * writes that rewrite; the optimizer's state and the metrics stay the last epoch's. A failure before the commit point
     * deletes the {@code .next} files this call wrote, and metrics.csv when there was no config.json before; the
     * previous epoch stays as it was. Modified: the files in dir.
     */
    static void save(Path dir, SparkTrainer trainer, Settings s, List<EpochMetrics> metrics, Map<String, Double> schedulerState,
                     int restoredEpoch) throws IOException {
        write(dir, trainer, s, metrics, schedulerState, restoredEpoch, null, trainer.shuffleGenerator().state());
    }

    /**
     * Writes the run inside the epoch after the last in {@code metrics}, as {@link #save} and as jgrad train
     * --checkpoint-every writes it: tagged "EPOCHS:STEP", with {@code progress} (the running epoch's, {@link
     * SparkTrainer#progress}) in config.json's state.epoch_in_progress and {@code epochStart}, the shuffle generator's
     * state when that epoch began, as state.shuffle_generator, so that --resume draws the epoch's order again.
     * Modified: the files in dir.
     */
    static void saveInEpoch(Path dir, SparkTrainer trainer, Settings s, List<EpochMetrics> metrics,
                            Map<String, Double> schedulerState, EpochProgress progress, long[] epochStart) throws IOException {
        write(dir, trainer, s, metrics, schedulerState, 0, progress, epochStart);
    }

    private static void write(Path dir, SparkTrainer trainer, Settings s, List<EpochMetrics> metrics,
                              Map<String, Double> schedulerState, int restoredEpoch, EpochProgress progress, long[] shuffleState)
            throws IOException {
        int epoch = metrics.isEmpty() ? 0 : metrics.getLast().epoch();
        String tag = epoch + ":" + (progress == null ? 0 : progress.step())
                + (restoredEpoch > 0 ? ":restored" + restoredEpoch : "");
        Map<String, String> meta = Map.of("format", "pt", "epoch", Integer.toString(epoch), "producer", "jgrad-spark",
                CheckpointFiles.TAG, tag);
        Map<String, String> optMeta = new LinkedHashMap<>(meta);
        schedulerState.forEach((k, v) -> optMeta.put(CheckpointFiles.SCHEDULER_PREFIX + k, Double.toString(v)));
        CheckpointFiles.write(dir, "config.json", trainer.model().stateDict(), meta, trainer.optimizer().stateDict(), optMeta,
                () -> MetricsCsv.write(dir.resolve(CheckpointFiles.METRICS), metrics),
                () -> AtomicFiles.writeString(dir.resolve("config.json"), Json.write(config(s, epoch, progress, shuffleState,
                        restoredEpoch)) + "\n"));
    }

    /**
     * Makes {@code dir} ready for a run's first write, as jgrad train does with its --out: deletes the temporary files
     * a killed write left ({@link AtomicFiles#removeStaleTemporaries}) and finishes the renames of a checkpoint stopped
     * after its commit point ({@link CheckpointFiles#finishRenames}). Modified: the files in {@code dir}.
     */
    static void prepare(Path dir) throws IOException {
        AtomicFiles.removeStaleTemporaries(dir);
        CheckpointFiles.finishRenames(dir, committedTag(dir), CheckpointFiles.MODEL, CheckpointFiles.OPTIMIZER);
    }

    /**
     * The checkpoint that dir's config.json names, tagged as jgrad train tags it ("EPOCHS:STEP", then ":restoredR"
     * after a --restore-best rewrite), or null without a readable one.
     */
    private static String committedTag(Path dir) {
        try {
            Path file = dir.resolve("config.json");
            if (!Files.isRegularFile(file) || !(Json.read(file) instanceof Map<?, ?> m) || !(m.get("state") instanceof Map<?, ?> st)) {
                return null;
            }
            Object step = st.get("epoch_in_progress") instanceof Map<?, ?> p ? p.get("step") : (Object) 0L;
            String restored = st.get("restored_epoch") instanceof Number r ? ":restored" + r.longValue() : "";
            return st.get("epochs_completed") instanceof Number done && step instanceof Number s
                    ? done.longValue() + ":" + s.longValue() + restored : null;
        } catch (IOException | RuntimeException e) {
            return null; // not a run's checkpoint: this run replaces it whole
        }
    }

    /**
     * A Spark run's directory read for {@code --resume}: its settings, the epochs it completed, the progress inside the
     * next one (null: none, the checkpoint is an epoch's end), the shuffle generator's state after the last epoch
     * completed, the epoch --restore-best restored (0: none), and where the run diverged after that checkpoint
     * (state.diverged, {@link Divergence}; null: none).
     */
    record Saved(Settings settings, int epochsCompleted, EpochProgress progress, long[] shuffleState, int restoredEpoch,
                 Divergence diverged) {

        /** The checkpoint's tag, as {@link #save} and {@link #saveInEpoch} write it. */
        String tag() {
            return epochsCompleted + ":" + (progress == null ? 0 : progress.step())
                    + (restoredEpoch > 0 ? ":restored" + restoredEpoch : "");
        }
    }

    /**
     * Reads the config.json that {@link #save} wrote in {@code dir}. A directory that is missing or no run, a run that
     * {@code jgrad train} wrote on one machine (no "spark" section: its model may be any network, and its config.json
     * has fields this module does not read), and a field that is missing or of the wrong kind are each one
     * UserMistake naming the directory or the file and the field.
     */
    static Saved read(Path dir) throws IOException {
        Path file = dir.resolve("config.json");
        try { // in jgrad train --resume's words
            CheckpointFiles.requireRunDirectory(dir, "--resume");
        } catch (IllegalArgumentException e) {
            throw new UserMistake(e.getMessage(), e);
        }
        Object json;
        try {
            json = Json.read(file);
        } catch (io.jgrad.io.JgradFormatException e) {
            throw new UserMistake(e.getMessage(), e);
        }
        Map<?, ?> m = json instanceof Map<?, ?> top ? top : Map.of();
        if (!(m.get("spark") instanceof Map<?, ?> spark)) {
            throw new UserMistake("--resume " + dir + ": the run was last written by jgrad train on one machine (" + file
                    + " has no \"spark\" section); continue it with jgrad train --resume " + dir + " (without --spark)");
        }
        Map<?, ?> model = object(m, "model", file), data = object(m, "data", file), opt = object(m, "optimizer", file);
        Map<?, ?> training = object(m, "training", file), state = object(m, "state", file);
        MlpSpec spec = null;
        NetworkSpec network = null;
        if (model.containsKey("layers")) { // a network of layers, as jgrad train writes it
            try {
                network = NetworkSpec.fromJson(model, file);
            } catch (io.jgrad.io.JgradFormatException e) {
                throw new UserMistake(e.getMessage(), e);
            }
        } else {
            List<?> hs = model.get("hidden_sizes") instanceof List<?> l ? l : null;
            if (hs == null) {
                throw new UserMistake(file + ": model.hidden_sizes: expected a list of layer sizes");
            }
            int[] hidden = new int[hs.size()];
            for (int i = 0; i < hidden.length; i++) {
                hidden[i] = count(hs.get(i), file, "model.hidden_sizes[" + i + "]");
            }
            try {
                spec = new MlpSpec(count(model.get("input_size"), file, "model.input_size"), hidden,
                        count(model.get("output_size"), file, "model.output_size"), string(model, "activation", file, "model"),
                        string(model, "output_activation", file, "model"));
            } catch (IllegalArgumentException e) {
                throw new UserMistake(file + ": model: " + e.getMessage().replaceFirst("^MlpSpec: ", ""), e);
            }
        }
        List<String> columns = null;
        if (data.get("feature_columns") instanceof List<?> cols) {
            columns = cols.stream().map(String::valueOf).toList();
        }
        Object target = data.get("target_column"), valData = data.get("val_data"), targetLoss = training.get("target_loss");
        OptimizerSpec optimizer;
        try {
            optimizer = new OptimizerSpec(string(opt, "name", file, "optimizer"), number(opt, "lr", file, "optimizer"),
                    number(opt, "momentum", file, "optimizer"), number(opt, "weight_decay", file, "optimizer"));
        } catch (UserMistake e) {
            throw e;
        } catch (IllegalArgumentException e) { // an unknown name: OptimizerSpec's words, after the file and the field
            throw new UserMistake(file + ": optimizer.name: " + e.getMessage().replaceFirst("^OptimizerSpec: ", ""), e);
        }
        int numClasses = count(m.get("num_classes"), file, "num_classes");
        Settings s = new Settings(spec, network, numClasses, string(data, "path", file, "data"),
                // absent in runs written before it was recorded; a resumed run records what it reads
                data.get("kind") instanceof String kind ? kind : null,
                valData == null ? null : String.valueOf(valData), data.get("val_split") instanceof Number v ? v.doubleValue() : 0,
                target == null ? null : String.valueOf(target), columns, classNames(data, file, numClasses),
                normalization(data, file, spec != null ? spec.inputSize() : network.inputSize()), optimizer,
                count(training.get("batch_size"), file, "training.batch_size"), count(training.get("epochs"), file, "training.epochs"),
                seed(training.get("seed"), file),
                count(spark.get("partitions"), file, "spark.partitions"), count(spark.get("local_steps"), file, "spark.local_steps"),
                targetLoss instanceof Number t ? t.doubleValue() : Double.NEGATIVE_INFINITY,
                training.get("patience") instanceof Number p ? p.intValue() : 0, Boolean.TRUE.equals(training.get("restore_best")),
                training.get("schedule") instanceof String sch ? sch : "none", classWeights(training, file, numClasses),
                training.get("init") instanceof String given ? given : null, Boolean.FALSE.equals(training.get("report")),
                clipGradNorm(training, file),
                // absent in runs written before Spark took --no-shuffle and --checkpoint-every: shuffled, after each epoch only
                !Boolean.FALSE.equals(training.get("shuffle")),
                training.get("checkpoint_every") instanceof Number every && every.intValue() > 0 ? every.intValue() : 0,
                augment(training, file), weightInit(training, file));
        List<?> gen = state.get("shuffle_generator") instanceof List<?> g ? g : List.of();
        long[] shuffle = new long[gen.size()];
        try {
            for (int i = 0; i < shuffle.length; i++) {
                shuffle[i] = HexFormat.fromHexDigitsToLong(String.valueOf(gen.get(i)));
            }
        } catch (IllegalArgumentException e) {
            shuffle = new long[0];
        }
        if (shuffle.length != 6) { // Generator's state: what save wrote
            throw new UserMistake(file + ": state.shuffle_generator: expected the shuffle generator's state, 6 hex"
                    + " numbers, got " + gen);
        }
        int done = state.get("epochs_completed") instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
                && n.longValue() >= 0 ? n.intValue() : -1;
        if (done < 0) {
            throw new UserMistake(file + ": state.epochs_completed: expected an integer >= 0, got "
                    + state.get("epochs_completed"));
        }
        int restored = state.get("restored_epoch") instanceof Number r ? r.intValue() : 0;
        EpochProgress progress = progress(state.get("epoch_in_progress"), done, file);
        Divergence diverged;
        try { // after the checkpoint, as jgrad train --resume checks it
            diverged = Divergence.from(io.jgrad.io.ConfigFields.object(state, file, "state"), file);
            if (diverged != null) {
                diverged.after(done, progress == null ? 0 : progress.step(), file);
            }
        } catch (io.jgrad.io.JgradFormatException e) {
            throw new UserMistake(e.getMessage(), e);
        }
        return new Saved(s, done, progress, shuffle, restored, diverged);
    }

    /**
     * The file among {@code name} and {@code name.next} in {@code dir} that holds the checkpoint {@code saved} names
     * (its tag, as {@link #save} writes it), as jgrad train --resume finds it.
     */
    static Path weightsFile(Path dir, String name, Saved saved) throws IOException {
        String want = saved.tag();
        for (Path p : List.of(dir.resolve(name), dir.resolve(name + CheckpointFiles.NEXT))) {
            if (Files.isRegularFile(p) && want.equals(io.jgrad.io.Safetensors.header(p).metadata().get(CheckpointFiles.TAG))) {
                return p;
            }
        }
        throw new UserMistake(dir + ": no " + name + " for checkpoint " + want + " named in config.json; the"
                + " directory was changed by hand or by another program");
    }

    /**
     * The metrics of the first {@code epochs} epochs in dir's metrics.csv (which --resume checked holds them), oldest first;
     * {@code heldOut}: the run evaluated held-out data after every epoch ({@link MetricsCsv#read(Path, boolean)}).
     */
    static List<EpochMetrics> metrics(Path dir, int epochs, boolean heldOut) throws IOException {
        Path file = dir.resolve(CheckpointFiles.METRICS);
        if (epochs == 0 || !Files.isRegularFile(file)) {
            return new ArrayList<>();
        }
        List<EpochMetrics> all = MetricsCsv.read(file, heldOut);
        return new ArrayList<>(all.subList(0, Math.min(epochs, all.size())));
    }

    /**
     * config.json's data.normalize_mean and normalize_std as {@link Standardization#putInto} writes them: two numbers
     * (0 and 1: none), or two lists of one number per feature; a standard deviation must be a positive number.
     */
    private static Standardization normalization(Map<?, ?> data, Path file, int features) {
        Object mean = data.get("normalize_mean"), std = data.get("normalize_std");
        boolean perColumn = mean instanceof List<?>;
        List<?> means = perColumn ? (List<?>) mean : java.util.Collections.singletonList(mean);
        List<?> stds = std instanceof List<?> l ? l : java.util.Collections.singletonList(std);
        boolean fits = perColumn == std instanceof List<?> && means.size() == stds.size() && (!perColumn || means.size() == features);
        double[] m = new double[means.size()], s = new double[stds.size()];
        for (int i = 0; fits && i < m.length; i++) {
            fits = means.get(i) instanceof Number a && stds.get(i) instanceof Number b && Double.isFinite(a.doubleValue())
                    && b.doubleValue() > 0 && Double.isFinite(b.doubleValue());
            m[i] = fits ? ((Number) means.get(i)).doubleValue() : 0;
            s[i] = fits ? ((Number) stds.get(i)).doubleValue() : 0;
        }
        if (!fits) {
            throw new UserMistake(file + ": data.normalize_mean and data.normalize_std: expected two numbers (0 and 1"
                    + " for none), or two lists of " + features + " numbers, one per feature, the standard deviations positive;"
                    + " got " + mean + " and " + std);
        }
        return new Standardization(m, s, perColumn);
    }

    private static Map<?, ?> object(Map<?, ?> m, String key, Path file) {
        if (!(m.get(key) instanceof Map<?, ?> o)) {
            throw new UserMistake(file + ": " + key + ": expected an object, got " + m.get(key));
        }
        return o;
    }

    private static String string(Map<?, ?> m, String key, Path file, String parent) {
        if (!(m.get(key) instanceof String v)) {
            throw new UserMistake(file + ": " + parent + "." + key + ": expected a string, got " + m.get(key));
        }
        return v;
    }

    /** data.class_names, as {@link #save} writes it: absent or null for class indices (empty), else num_classes names. */
    private static List<String> classNames(Map<?, ?> data, Path file, int numClasses) {
        Object listed = data.get("class_names");
        if (listed == null) {
            return List.of();
        }
        if (!(listed instanceof List<?> names) || names.size() != numClasses || !names.stream().allMatch(n -> n instanceof String)
                || names.stream().distinct().count() != numClasses) {
            throw new UserMistake(file + ": data.class_names: expected " + numClasses + " different class names"
                    + " (num_classes), got " + listed);
        }
        return names.stream().map(String.class::cast).toList();
    }

    /**
     * training.class_weights, as {@link #save} writes it: absent or null for none, else num_classes finite numbers >= 0,
     * not all 0.
     */
    private static double[] classWeights(Map<?, ?> training, Path file, int numClasses) {
        Object listed = training.get("class_weights");
        if (listed == null) {
            return null;
        }
        double[] w = new double[numClasses];
        boolean valid = listed instanceof List<?> values && values.size() == numClasses;
        for (int c = 0; valid && c < numClasses; c++) {
            valid = ((List<?>) listed).get(c) instanceof Number v && v.doubleValue() >= 0 && Double.isFinite(v.doubleValue());
            w[c] = valid ? ((Number) ((List<?>) listed).get(c)).doubleValue() : 0;
        }
        if (!valid || java.util.Arrays.stream(w).allMatch(v -> v == 0)) {
            throw new UserMistake(file + ": training.class_weights: expected " + numClasses + " finite weights >= 0"
                    + " (num_classes), not all 0, got " + listed);
        }
        return w;
    }

    /** training.augment, as {@link #save} and jgrad train write it: absent in runs written before Spark took it, "none". */
    private static String augment(Map<?, ?> training, Path file) {
        Object v = training.get("augment");
        if (v == null) {
            return "none";
        }
        try {
            io.jgrad.data.Augmentation.parse(String.valueOf(v));
        } catch (IllegalArgumentException e) {
            throw new UserMistake(file + ": training.augment: \"" + v + "\" is not an augmentation (" + e.getMessage() + ")", e);
        }
        return String.valueOf(v);
    }

    /**
     * training.weight_init, as {@link #save} and jgrad train write it, in {@link WeightInit#value}'s spelling: absent in
     * runs at PyTorch's default and in those written before it was recorded, "default".
     */
    private static String weightInit(Map<?, ?> training, Path file) {
        Object v = training.get("weight_init");
        if (v == null) {
            return WeightInit.DEFAULT.value();
        }
        try {
            return WeightInit.parse(String.valueOf(v)).value();
        } catch (IllegalArgumentException e) { // in jgrad train's words (RunConfig.read)
            throw new UserMistake(file + ": training.weight_init: \"" + v + "\" is not a scheme of --weight-init; expected "
                    + WeightInit.EXPECTED, e);
        }
    }

    /** training.clip_grad_norm, as {@link #save} writes it: absent or null for none (0), else a positive number. */
    private static double clipGradNorm(Map<?, ?> training, Path file) {
        Object v = training.get("clip_grad_norm");
        if (v == null) {
            return 0;
        }
        if (!(v instanceof Number n) || !(n.doubleValue() > 0) || !Double.isFinite(n.doubleValue())) {
            throw new UserMistake(file + ": training.clip_grad_norm: expected a positive number or null, got " + v);
        }
        return n.doubleValue();
    }

    private static double number(Map<?, ?> m, String key, Path file, String parent) {
        if (!(m.get(key) instanceof Number v)) {
            throw new UserMistake(file + ": " + parent + "." + key + ": expected a number, got " + m.get(key));
        }
        return v.doubleValue();
    }

    /** A seed as {@link #config} writes it: a JSON integer, read whole (a double holds only 53 bits). */
    private static long seed(Object v, Path file) {
        if (!(v instanceof Long || v instanceof Integer)) {
            throw new UserMistake(file + ": training.seed: expected an integer, got " + v);
        }
        return ((Number) v).longValue();
    }

    private static int count(Object v, Path file, String field) {
        if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.doubleValue() < 1
                || n.doubleValue() > Integer.MAX_VALUE) {
            throw new UserMistake(file + ": " + field + ": expected a positive integer, got " + v);
        }
        return n.intValue();
    }

    /**
     * state.epoch_in_progress as {@link EpochProgress#toJson} writes it: null (none), or the progress inside epoch
     * {@code done + 1}, its step and samples seen positive, its sums numbers.
     */
    private static EpochProgress progress(Object json, int done, Path file) {
        if (json == null) {
            return null;
        }
        String at = file + ": state.epoch_in_progress: ";
        if (!(json instanceof Map<?, ?> p) || !(p.get("grad_norm_sums") instanceof Map<?, ?> sums)) {
            throw new UserMistake(at + "expected null or the progress inside an epoch, as jgrad-spark writes it, got " + json);
        }
        if (!(p.get("epoch") instanceof Number e) || e.longValue() != done + 1L) {
            throw new UserMistake(at + "epoch: expected " + (done + 1) + ", the one after state.epochs_completed, got "
                    + p.get("epoch"));
        }
        int step = count(p.get("step"), file, "state.epoch_in_progress.step"), seen = count(p.get("seen"), file,
                "state.epoch_in_progress.seen");
        Map<String, Double> norms = new LinkedHashMap<>();
        for (Object name : sums.keySet()) {
            norms.put(String.valueOf(name), number(sums, String.valueOf(name), file, "state.epoch_in_progress.grad_norm_sums"));
        }
        double lossSum = number(p, "loss_sum", file, "state.epoch_in_progress");
        long correct = (long) number(p, "correct", file, "state.epoch_in_progress");
        double weightSum = p.get("weight_sum") == null ? seen : number(p, "weight_sum", file, "state.epoch_in_progress");
        // absent where the norms were summed once per step (synchronous steps)
        int normSteps = p.get("grad_norm_steps") == null ? step : count(p.get("grad_norm_steps"), file,
                "state.epoch_in_progress.grad_norm_steps");
        return new EpochProgress(done + 1, step, lossSum, correct, seen, norms, weightSum, normSteps);
    }

    static Map<String, Object> config(Settings s, int epochsCompleted, EpochProgress progress, long[] shuffleState,
                                      int restoredEpoch) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", "jgrad-run");
        m.put("format_version", s.network() != null ? 2L : 1L);
        m.put("model", s.network() != null ? s.network().toJson() : s.spec().toJson());
        m.put("task", "classification");
        m.put("num_classes", (long) s.numClasses());
        m.put("loss", "cross-entropy");
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("path", s.data());
        // as jgrad train records it: eval and predict read a CSV file as the data the model was trained on (RunConfig)
        if (s.dataKind() != null) {
            d.put("kind", s.dataKind());
        }
        // as jgrad train records them: jgrad eval reads the label column and the validation rows from here
        d.put("val_data", s.valData());
        d.put("val_split", s.valSplit());
        d.put("target_column", s.targetColumn());
        if (s.featureColumns() != null) { // a table's columns, as jgrad train records a CSV file's: predict --csv picks them by name
            d.put("feature_columns", new ArrayList<Object>(s.featureColumns()));
        }
        if (!s.classNames().isEmpty()) { // as jgrad train: written only then, and eval, predict and the report name classes by it
            d.put("class_names", new ArrayList<Object>(s.classNames()));
        }
        // --normalize's statistics, as jgrad train records them: eval, predict and --resume standardize the data with them
        s.normalization().putInto(d);
        m.put("data", d);
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("name", s.optimizer().name());
        o.put("lr", s.optimizer().lr());
        o.put("momentum", s.optimizer().momentum());
        o.put("weight_decay", s.optimizer().weightDecay());
        m.put("optimizer", o);
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("epochs", (long) s.epochs());
        t.put("batch_size", (long) s.batchSize());
        t.put("seed", s.seed());
        t.put("shuffle", s.shuffle());
        t.put("target_loss", Double.isFinite(s.targetLoss()) ? s.targetLoss() : null);
        t.put("patience", (long) s.patience());
        t.put("restore_best", s.restoreBest());
        t.put("schedule", s.schedule());
        // as jgrad train: null for none; eval ignores it, and inspect, the report and --resume read it
        t.put("clip_grad_norm", s.clipGradNorm() > 0 ? s.clipGradNorm() : null);
        t.put("checkpoint_every", (long) s.checkpointEvery());
        t.put("augment", s.augment()); // as jgrad train: eval ignores it, inspect and --resume read it
        if (s.classWeights() != null) { // as jgrad train: written only then, and eval and --resume weigh the loss by it
            List<Object> w = new ArrayList<>();
            for (double v : s.classWeights()) {
                w.add(v);
            }
            t.put("class_weights", w);
        }
        // as jgrad train: --no-report, which --resume keeps; ./jgrad reads it before it builds the report
        t.put("report", !s.noReport());
        if (s.init() != null) { // as jgrad train: written only then, and inspect and the report show it
            t.put("init", s.init());
        }
        if (!s.weightInit().equals(WeightInit.DEFAULT.value())) { // as jgrad train: written only then
            t.put("weight_init", s.weightInit());
        }
        m.put("training", t);
        Map<String, Object> st = new LinkedHashMap<>();
        st.put("epochs_completed", (long) epochsCompleted);
        st.put("epoch_in_progress", progress == null ? null : progress.toJson());
        List<Object> gen = new ArrayList<>();
        for (long v : shuffleState) {
            gen.add(HexFormat.of().toHexDigits(v)); // hex: a JSON number cannot hold 64 bits exactly
        }
        st.put("shuffle_generator", gen);
        if (restoredEpoch > 0) { // as jgrad train writes it: only then
            st.put("restored_epoch", (long) restoredEpoch);
        }
        m.put("state", st);
        Map<String, Object> spark = new LinkedHashMap<>();
        spark.put("partitions", (long) s.partitions());
        spark.put("local_steps", (long) s.localSteps());
        m.put("spark", spark);
        return m;
    }
}
