package io.jgrad.spark;

import io.jgrad.io.AtomicFiles;
import io.jgrad.io.CheckpointFiles;
import io.jgrad.io.Json;
import io.jgrad.train.EpochMetrics;
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
 * metrics.csv and config.json (jgrad-run format version 1), written by jgrad train's checkpoint protocol
 * ({@link CheckpointFiles}; tags "EPOCH:0", config.json the commit point), so a run killed at any instant (SIGKILL, a
 * power cut: no shutdown hook runs) leaves one consistent epoch. Each file is written atomically.
 */
final class RunDirectory {
    private RunDirectory() {}

    /**
     * What config.json records besides the progress; {@code targetLoss} negative infinity for none, {@code schedule} as
     * --schedule gave it ("none" for none).
     */
    record Settings(MlpSpec spec, int numClasses, String data, String valData, String targetColumn, List<String> featureColumns,
                    Standardization normalization, OptimizerSpec optimizer, int batchSize, int epochs, long seed, int partitions, int localSteps,
                    double targetLoss, int patience, boolean restoreBest, String schedule) {}

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
        int epoch = metrics.isEmpty() ? 0 : metrics.getLast().epoch();
        String tag = epoch + ":0" + (restoredEpoch > 0 ? ":restored" + restoredEpoch : "");
        Map<String, String> meta = Map.of("format", "pt", "epoch", Integer.toString(epoch), "producer", "jgrad-spark",
                CheckpointFiles.TAG, tag);
        Map<String, String> optMeta = new LinkedHashMap<>(meta);
        schedulerState.forEach((k, v) -> optMeta.put(CheckpointFiles.SCHEDULER_PREFIX + k, Double.toString(v)));
        CheckpointFiles.write(dir, "config.json", trainer.model().stateDict(), meta, trainer.optimizer().stateDict(), optMeta,
                () -> MetricsCsv.write(dir.resolve(CheckpointFiles.METRICS), metrics),
                () -> AtomicFiles.writeString(dir.resolve("config.json"), Json.write(config(s, epoch,
                        trainer.shuffleGenerator().state(), restoredEpoch)) + "\n"));
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
            Object step = st.get("progress") instanceof Map<?, ?> p ? p.get("step") : (Object) 0L;
            String restored = st.get("restored_epoch") instanceof Number r ? ":restored" + r.longValue() : "";
            return st.get("epochs_completed") instanceof Number done && step instanceof Number s
                    ? done.longValue() + ":" + s.longValue() + restored : null;
        } catch (IOException | RuntimeException e) {
            return null; // not a run's checkpoint: this run replaces it whole
        }
    }

    static Map<String, Object> config(Settings s, int epochsCompleted, long[] shuffleState, int restoredEpoch) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", "jgrad-run");
        m.put("format_version", 1L);
        m.put("model", s.spec().toJson());
        m.put("task", "classification");
        m.put("num_classes", (long) s.numClasses());
        m.put("loss", "cross-entropy");
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("path", s.data());
        // as jgrad train records them: jgrad eval reads the label column and the validation rows from here
        d.put("val_data", s.valData());
        d.put("val_split", 0.0);
        d.put("target_column", s.targetColumn());
        if (s.featureColumns() != null) { // a table's columns, as jgrad train records a CSV file's: predict --csv picks them by name
            d.put("feature_columns", new ArrayList<Object>(s.featureColumns()));
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
        t.put("shuffle", true);
        t.put("target_loss", Double.isFinite(s.targetLoss()) ? s.targetLoss() : null);
        t.put("patience", (long) s.patience());
        t.put("restore_best", s.restoreBest());
        t.put("schedule", s.schedule());
        m.put("training", t);
        Map<String, Object> st = new LinkedHashMap<>();
        st.put("epochs_completed", (long) epochsCompleted);
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
