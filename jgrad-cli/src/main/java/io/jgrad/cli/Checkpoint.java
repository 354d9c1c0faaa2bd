package io.jgrad.cli;

import io.jgrad.io.CheckpointFiles;
import io.jgrad.io.JgradFormatException;
import io.jgrad.io.Safetensors;
import io.jgrad.nn.Module;
import io.jgrad.optim.Optimizer;
import io.jgrad.tensor.Tensor;
import io.jgrad.train.EpochMetrics;
import io.jgrad.train.MetricsCsv;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The files of a run directory, written so that a crash at any instant leaves a complete checkpoint.
 *
 * <p>Protocol: the new weights and optimizer state go to {@code model.safetensors.next} and
 * {@code optimizer.safetensors.next} (each written to a temporary name, synced and renamed), then
 * config.json is replaced (the commit point: it names the checkpoint, e.g. "3:120" for epoch 3, step 120),
 * then the two {@code .next} files are renamed over the old ones. Every safetensors file carries its
 * checkpoint tag in its metadata, so {@link #weightsFile} finds, for the tag config.json names, whichever of
 * the two files holds it: before the commit point the old files still match the old config.json, after it the
 * {@code .next} files match the new one. A run that writes to a directory left between the two renames finishes
 * them first ({@link #finishRenames}), before its own checkpoint replaces the {@code .next} files.
 */
final class Checkpoint {
    private Checkpoint() {}

    static final String MODEL = CheckpointFiles.MODEL;
    static final String OPTIMIZER = CheckpointFiles.OPTIMIZER;
    static final String METRICS = CheckpointFiles.METRICS;
    static final String NEXT = CheckpointFiles.NEXT;
    static final String TAG = CheckpointFiles.TAG;

    /**
     * The checkpoint's tag: "EPOCHS:STEP", and ":restoredR" after it when --restore-best rewrote the checkpoint of
     * the last epoch with epoch R's weights, so that the rewrite's files differ in tag from the ones it replaces.
     */
    static String tag(RunConfig cfg) {
        return legacyTag(cfg) + (cfg.restoredEpoch() > 0 ? ":restored" + cfg.restoredEpoch() : "");
    }

    /** The tag without the restored epoch, which run directories written before it was added carry. */
    private static String legacyTag(RunConfig cfg) {
        return cfg.epochsCompleted() + ":" + (cfg.progress() == null ? 0 : cfg.progress().step());
    }

    /** Prefix of the learning-rate schedule's counters in the metadata of optimizer.safetensors. */
    static final String SCHEDULER_PREFIX = CheckpointFiles.SCHEDULER_PREFIX;

    /**
     * Writes a checkpoint of {@code cfg} by the protocol above. Modified: the files in {@code dir}. A failure before
     * the commit point deletes the {@code .next} files this call wrote, which no config.json names, and metrics.csv
     * when there was no checkpoint before; the previous checkpoint stays as it was. After it they are the
     * checkpoint, and stay.
     */
    static void save(Path dir, Module model, Optimizer opt, Map<String, Double> schedulerState, RunConfig cfg,
                     List<EpochMetrics> metrics) {
        Map<String, String> meta = Map.of("format", "pt", TAG, tag(cfg), "producer", "jgrad");
        Map<String, String> optMeta = new LinkedHashMap<>(meta);
        // Double.toString reads back exactly, so a resumed schedule continues bit for bit
        schedulerState.forEach((k, v) -> optMeta.put(SCHEDULER_PREFIX + k, Double.toString(v)));
        try {
            CheckpointFiles.write(dir, RunConfig.FILE, model.stateDict(), meta, opt.stateDict(), optMeta,
                    () -> MetricsCsv.write(dir.resolve(METRICS), metrics), () -> cfg.write(dir));
        } catch (java.nio.file.FileSystemException e) {
            throw new UserError("--out " + dir + ": cannot write the checkpoint (" + e.getMessage()
                    + "); check that the directory is writable and the disk is not full");
        } catch (IOException e) {
            throw new UncheckedIOException("writing the checkpoint in " + dir + " failed: " + e.getMessage(), e);
        }
    }

    /** The file among NAME and NAME.next whose checkpoint tag is the one config.json names. */
    static Path weightsFile(Path dir, String name, RunConfig cfg) throws IOException {
        String want = tag(cfg);
        for (Path p : List.of(dir.resolve(name), dir.resolve(name + NEXT))) {
            if (Files.isRegularFile(p) && want.equals(Safetensors.header(p).metadata().get(TAG))) {
                return p;
            }
        }
        Path plain = dir.resolve(name);
        if (Files.isRegularFile(plain) && !Safetensors.header(plain).metadata().containsKey(TAG)) {
            return plain; // written by another tool: no tag to compare
        }
        if (cfg.restoredEpoch() > 0 && Files.isRegularFile(plain)
                && legacyTag(cfg).equals(Safetensors.header(plain).metadata().get(TAG))) {
            return plain; // a --restore-best run written before the tag named the restored epoch
        }
        throw new UserError(dir + ": no " + name + " for checkpoint " + want + " named in " + RunConfig.FILE
                + "; the directory was changed by hand or by another program");
    }

    /**
     * Finishes the renames of the checkpoint that dir's config.json names, if its process stopped between the commit
     * point and them ({@link CheckpointFiles#finishRenames}); a directory without a readable config.json is left as it
     * is. Modified: the files in {@code dir}.
     */
    static void finishRenames(Path dir) throws IOException {
        RunConfig cfg;
        try {
            cfg = Files.isRegularFile(dir.resolve(RunConfig.FILE)) ? RunConfig.read(dir) : null;
        } catch (IOException | RuntimeException e) {
            return; // not a run's checkpoint: a new run replaces it whole
        }
        CheckpointFiles.finishRenames(dir, cfg == null ? null : tag(cfg), MODEL, OPTIMIZER);
    }

    /** Loads weights into {@code model}; names and shapes must match (a run directory's own weights). */
    static void loadWeights(Path file, Module model) throws IOException {
        loadWeights(file, model, "the weights do not match the network in " + RunConfig.FILE
                + " beside them; the run directory was changed by hand or by another program");
    }

    /** As {@link #loadWeights(Path, Module)}; {@code advice} says what to do if the weights do not fit. */
    static void loadWeights(Path file, Module model, String advice) throws IOException {
        try {
            loadWeightsUnchecked(file, model);
        } catch (JgradFormatException e) {
            if (!e.getMessage().contains("does not fit the network")) {
                throw e;
            }
            // the core's message ends with an API hint (loadStateDict(state, false)) that a CLI user cannot act on
            String m = e.getMessage().replace("loadStateDict into Sequential: ", "")
                    .replaceAll(" \\(loadStateDict\\(state, false\\)[^)]*\\)$", "");
            throw new UserError(m + "; " + advice);
        }
    }

    private static void loadWeightsUnchecked(Path file, Module model) throws IOException {
        if (Files.isDirectory(file)) {
            throw new UserError(file + ": is a directory; expected a .safetensors file of weights");
        }
        if (!Files.isRegularFile(file)) {
            throw new UserError(file + ": no such file");
        }
        Map<String, Tensor> tensors = Safetensors.read(file).tensors();
        try {
            model.loadStateDict(tensors, true);
        } catch (IllegalArgumentException e) {
            throw new JgradFormatException(file, "tensors", "does not fit the network: " + e.getMessage());
        }
        CheckpointFiles.requireFiniteWeights(file, tensors);
    }


    static void loadOptimizer(Path file, Optimizer opt) throws IOException {
        try {
            opt.loadStateDict(Safetensors.read(file).tensors());
        } catch (IllegalArgumentException e) {
            throw new JgradFormatException(file, "tensors", "does not fit the optimizer: " + e.getMessage());
        }
    }

    /** The schedule's counters saved by {@link #save} in the metadata of {@code file} (empty if none). */
    static Map<String, Double> readSchedulerState(Path file) throws IOException {
        Map<String, Double> state = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : Safetensors.header(file).metadata().entrySet()) {
            if (e.getKey().startsWith(SCHEDULER_PREFIX)) {
                String key = e.getKey().substring(SCHEDULER_PREFIX.length());
                try {
                    state.put(key, Double.parseDouble(e.getValue()));
                } catch (NumberFormatException ex) {
                    throw new JgradFormatException(file, "metadata '" + e.getKey() + "'", "\"" + e.getValue() + "\" is not a number");
                }
            }
        }
        return state;
    }

    /**
     * Refuses to resume the run in {@code dir} when its metrics.csv is missing or lacks the row of an epoch that
     * config.json ({@code cfg}) records as completed ({@link MetricsCsv#resumeRefusal}, which jgrad-spark's --resume
     * shares); {@link #readMetrics} leaves out the rows beyond them.
     *
     * @throws UserError naming the file, the epochs it holds and those config.json records
     */
    static void checkMetricsForResume(Path dir, RunConfig cfg) throws IOException {
        String refusal = MetricsCsv.resumeRefusal(dir, cfg.epochsCompleted());
        if (refusal != null) {
            throw new UserError(refusal);
        }
    }

    /**
     * The metrics of the first {@code epochs} epochs already in DIR/metrics.csv (when resuming), else none;
     * {@code heldOut}: the run has held-out data, which the Trainer evaluated after each of its epochs
     * ({@link MetricsCsv#read(Path, boolean)}).
     */
    static List<EpochMetrics> readMetrics(Path dir, int epochs, boolean heldOut) throws IOException {
        if (epochs == 0 || !Files.isRegularFile(dir.resolve(METRICS))) {
            return new ArrayList<>();
        }
        List<EpochMetrics> all = MetricsCsv.read(dir.resolve(METRICS), heldOut);
        return new ArrayList<>(all.subList(0, Math.min(epochs, all.size())));
    }
}
