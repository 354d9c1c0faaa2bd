package io.jgrad.cli;

import io.jgrad.io.AtomicFiles;
import io.jgrad.io.JgradFormatException;
import io.jgrad.io.Safetensors;
import io.jgrad.nn.Module;
import io.jgrad.optim.Optimizer;
import io.jgrad.tensor.Tensor;
import io.jgrad.train.EpochMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The files of a run directory. Each is written atomically (temp file, then rename), weights and optimizer
 * state first and config.json last, and each safetensors file records the epoch it belongs to, so a crash
 * at any moment leaves a consistent checkpoint of the last finished epoch or a clear error.
 */
final class Checkpoint {
    private Checkpoint() {}

    static final String MODEL = "model.safetensors";
    static final String OPTIMIZER = "optimizer.safetensors";
    static final String METRICS = "metrics.csv";

    /** Prefix of the learning-rate schedule's counters in the metadata of optimizer.safetensors. */
    static final String SCHEDULER_PREFIX = "scheduler.";

    static void save(Path dir, Module model, Optimizer opt, Map<String, Double> schedulerState, RunConfig cfg,
                     List<EpochMetrics> metrics) {
        try {
            Map<String, String> meta = Map.of("format", "pt", "epoch", Integer.toString(cfg.epochsCompleted()), "producer", "jgrad");
            Safetensors.write(dir.resolve(MODEL), model.stateDict(), meta);
            Map<String, String> optMeta = new LinkedHashMap<>(meta);
            // Double.toString reads back exactly, so a resumed schedule continues bit for bit
            schedulerState.forEach((k, v) -> optMeta.put(SCHEDULER_PREFIX + k, Double.toString(v)));
            Safetensors.write(dir.resolve(OPTIMIZER), opt.stateDict(), optMeta);
            MetricsCsv.write(dir.resolve(METRICS), metrics);
            cfg.write(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("writing the checkpoint in " + dir + " failed: " + e.getMessage(), e);
        }
    }

    /** Loads weights into {@code model}; names and shapes must match. */
    static void loadWeights(Path file, Module model) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new UserError(file + ": no such file");
        }
        Map<String, Tensor> tensors = Safetensors.read(file).tensors();
        try {
            model.loadStateDict(tensors, true);
        } catch (IllegalArgumentException e) {
            throw new JgradFormatException(file, "tensors", "does not fit the network: " + e.getMessage());
        }
    }

    static void loadOptimizer(Path file, Optimizer opt) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new UserError(file + ": no such file (a run directory needs it for --resume)");
        }
        try {
            opt.loadStateDict(Safetensors.read(file).tensors());
        } catch (IllegalArgumentException e) {
            throw new JgradFormatException(file, "tensors", "does not fit the optimizer: " + e.getMessage());
        }
    }

    /** The schedule's counters saved by {@link #save} in the metadata of {@code file} (empty if none). */
    static Map<String, Double> readSchedulerState(Path file) throws IOException {
        Map<String, Double> state = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : Safetensors.read(file).metadata().entrySet()) {
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

    /** The metrics of the first {@code epochs} epochs already in DIR/metrics.csv (when resuming), else none. */
    static List<EpochMetrics> readMetrics(Path dir, int epochs) throws IOException {
        if (epochs == 0 || !Files.isRegularFile(dir.resolve(METRICS))) {
            return new ArrayList<>();
        }
        List<EpochMetrics> all = MetricsCsv.read(dir.resolve(METRICS));
        return new ArrayList<>(all.subList(0, Math.min(epochs, all.size())));
    }
}
