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

    static void save(Path dir, Module model, Optimizer opt, RunConfig cfg, List<EpochMetrics> metrics) {
        try {
            Map<String, String> meta = Map.of("format", "pt", "epoch", Integer.toString(cfg.epochsCompleted()), "producer", "jgrad");
            Safetensors.write(dir.resolve(MODEL), model.stateDict(), meta);
            Safetensors.write(dir.resolve(OPTIMIZER), opt.stateDict(), meta);
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

    /** The metrics of the first {@code epochs} epochs already in DIR/metrics.csv (when resuming), else none. */
    static List<EpochMetrics> readMetrics(Path dir, int epochs) throws IOException {
        if (epochs == 0 || !Files.isRegularFile(dir.resolve(METRICS))) {
            return new ArrayList<>();
        }
        List<EpochMetrics> all = MetricsCsv.read(dir.resolve(METRICS));
        return new ArrayList<>(all.subList(0, Math.min(epochs, all.size())));
    }
}
