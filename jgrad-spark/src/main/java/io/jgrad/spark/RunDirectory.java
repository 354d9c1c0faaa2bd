package io.jgrad.spark;

import io.jgrad.io.AtomicFiles;
import io.jgrad.io.Json;
import io.jgrad.io.Safetensors;
import io.jgrad.train.EpochMetrics;
import io.jgrad.train.MetricsCsv;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The --out directory of a Spark run, in the same format as {@code jgrad train}'s (so {@code jgrad eval},
 * {@code predict}, {@code inspect} and {@code --resume} read it): model.safetensors, optimizer.safetensors,
 * metrics.csv and config.json (jgrad-run format version 1), written by jgrad train's checkpoint protocol (jgrad-cli's
 * Checkpoint): the weights and the optimizer state go to {@code .next} files tagged with their checkpoint
 * ("EPOCH:0"), then config.json, the commit point, names that checkpoint, then the {@code .next} files are renamed
 * over the old ones. The readers take whichever file holds the tag config.json names, so a run killed at any instant
 * (SIGKILL, a power cut: no shutdown hook runs) leaves one consistent epoch. Each file is written atomically.
 */
final class RunDirectory {
    private RunDirectory() {}

    /** What config.json records besides the progress. */
    record Settings(MlpSpec spec, int numClasses, String data, String valData, String targetColumn, List<String> featureColumns,
                    OptimizerSpec optimizer, int batchSize, int epochs, long seed, int partitions, int localSteps) {}

    /**
     * Writes the run after its last epoch in {@code metrics} by the protocol above. A failure before the commit point
     * deletes the {@code .next} files this call wrote, and metrics.csv when there was no config.json before; the
     * previous epoch stays as it was. Modified: the files in dir.
     */
    static void save(Path dir, SparkTrainer trainer, Settings s, List<EpochMetrics> metrics) throws IOException {
        int epoch = metrics.isEmpty() ? 0 : metrics.getLast().epoch();
        Map<String, String> meta = Map.of("format", "pt", "epoch", Integer.toString(epoch), "producer", "jgrad-spark",
                "checkpoint", epoch + ":0");
        List<Path> uncommitted = new ArrayList<>(3);
        boolean first = !Files.isRegularFile(dir.resolve("config.json")); // then a failure leaves no metrics.csv either
        boolean committed = false;
        try {
            Safetensors.write(dir.resolve(MODEL + NEXT), trainer.model().stateDict(), meta);
            uncommitted.add(dir.resolve(MODEL + NEXT)); // not before: a failed write leaves the file that was there
            Safetensors.write(dir.resolve(OPTIMIZER + NEXT), trainer.optimizer().stateDict(), meta);
            uncommitted.add(dir.resolve(OPTIMIZER + NEXT));
            MetricsCsv.write(dir.resolve("metrics.csv"), metrics);
            if (first) {
                uncommitted.add(dir.resolve("metrics.csv"));
            }
            AtomicFiles.writeString(dir.resolve("config.json"), Json.write(config(s, epoch, trainer.shuffleGenerator().state())) + "\n");
            committed = true;
        } finally {
            if (!committed) {
                for (Path f : uncommitted) {
                    try {
                        Files.deleteIfExists(f);
                    } catch (IOException | RuntimeException e) {
                        // the error that stopped the checkpoint is the one to report
                    }
                }
            }
        }
        promote(dir, MODEL);
        promote(dir, OPTIMIZER);
    }

    private static final String MODEL = "model.safetensors", OPTIMIZER = "optimizer.safetensors", NEXT = ".next";

    /**
     * Makes {@code dir} ready for a run's first write, as jgrad train does with its --out: deletes the temporary files
     * that a killed write left (".NAME.PID.ID.tmp", beside intact files), and finishes the renames of a checkpoint
     * stopped between its commit point and them (config.json naming the {@code .next} files), which the first
     * {@link #save} would otherwise replace before its own commit point, leaving config.json naming weights that
     * exist nowhere if it failed or was killed. Modified: the files in {@code dir}.
     */
    static void prepare(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().matches("\\..+\\.[0-9]+\\.[0-9a-z]+\\.tmp")).toList()) {
                Files.deleteIfExists(f);
            }
        }
        String want = committedTag(dir);
        if (want == null) {
            return;
        }
        for (String name : List.of(MODEL, OPTIMIZER)) {
            if (want.equals(tagOf(dir.resolve(name + NEXT))) && !want.equals(tagOf(dir.resolve(name)))) {
                promote(dir, name);
            }
        }
    }

    /** The checkpoint that dir's config.json names ("EPOCHS:STEP", as tagged), or null without a readable one. */
    private static String committedTag(Path dir) {
        try {
            Path file = dir.resolve("config.json");
            if (!Files.isRegularFile(file) || !(Json.read(file) instanceof Map<?, ?> m) || !(m.get("state") instanceof Map<?, ?> st)) {
                return null;
            }
            Object step = st.get("progress") instanceof Map<?, ?> p ? p.get("step") : (Object) 0L;
            return st.get("epochs_completed") instanceof Number done && step instanceof Number s
                    ? done.longValue() + ":" + s.longValue() : null;
        } catch (IOException | RuntimeException e) {
            return null; // not a run's checkpoint: this run replaces it whole
        }
    }

    /** The checkpoint tag in the metadata of {@code file}; null when it has none or is not a readable safetensors file. */
    private static String tagOf(Path file) {
        try {
            return Files.isRegularFile(file) ? Safetensors.header(file).metadata().get("checkpoint") : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static void promote(Path dir, String name) throws IOException {
        try {
            Files.move(dir.resolve(name + NEXT), dir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(dir.resolve(name + NEXT), dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    static Map<String, Object> config(Settings s, int epochsCompleted, long[] shuffleState) {
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
        d.put("normalize_mean", 0.0);
        d.put("normalize_std", 1.0);
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
        t.put("target_loss", null);
        t.put("patience", 0L);
        t.put("schedule", "none");
        m.put("training", t);
        Map<String, Object> st = new LinkedHashMap<>();
        st.put("epochs_completed", (long) epochsCompleted);
        List<Object> gen = new ArrayList<>();
        for (long v : shuffleState) {
            gen.add(HexFormat.of().toHexDigits(v)); // hex: a JSON number cannot hold 64 bits exactly
        }
        st.put("shuffle_generator", gen);
        m.put("state", st);
        Map<String, Object> spark = new LinkedHashMap<>();
        spark.put("partitions", (long) s.partitions());
        spark.put("local_steps", (long) s.localSteps());
        m.put("spark", spark);
        return m;
    }
}
