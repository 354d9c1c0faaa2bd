package io.jgrad.spark;

import io.jgrad.data.DataLoader;
import io.jgrad.data.TensorDataset;
import io.jgrad.nn.CrossEntropyLoss;
import io.jgrad.nn.Loss;
import io.jgrad.nn.Sequential;
import io.jgrad.optim.LrScheduler;
import io.jgrad.optim.Optimizer;
import io.jgrad.tensor.Generator;
import io.jgrad.tensor.Tensor;
import io.jgrad.train.Task;
import io.jgrad.train.Trainer;
import java.util.LinkedHashMap;
import java.util.Map;

/** A small separable 3-class problem and the single-machine reference training that Spark must reproduce. */
final class SyntheticData {
    private SyntheticData() {}

    static final MlpSpec SPEC = new MlpSpec(20, new int[] {16}, 3, "relu", "none");

    /** {@code n} samples of 20 Gaussian features labelled by the argmax of a fixed random linear map. */
    static TensorDataset make(int n, long seed) {
        Generator g = new Generator(seed);
        double[][] w = new double[3][20];
        for (double[] row : w) {
            for (int j = 0; j < 20; j++) {
                row[j] = g.nextGaussian();
            }
        }
        float[] x = new float[n * 20];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 20; j++) {
                x[i * 20 + j] = (float) g.nextGaussian();
            }
            int best = 0;
            double bestScore = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < 3; c++) {
                double s = 0;
                for (int j = 0; j < 20; j++) {
                    s += w[c][j] * x[i * 20 + j];
                }
                if (s > bestScore) {
                    bestScore = s;
                    best = c;
                }
            }
            y[i] = best;
        }
        return new TensorDataset(Tensor.of(x, n, 20), Tensor.of(y, n), 3);
    }

    /** Weights after {@code epochs} epochs of jgrad's own Trainer with the seeds SparkTrainer uses. */
    static Map<String, float[]> singleMachine(TensorDataset data, OptimizerSpec opt, long seed, int batchSize, int epochs) {
        return singleMachine(data, opt, seed, batchSize, epochs, null);
    }

    /** As {@link #singleMachine(TensorDataset, OptimizerSpec, long, int, int)}, with the schedule {@code schedule} makes (null: none). */
    static Map<String, float[]> singleMachine(TensorDataset data, OptimizerSpec opt, long seed, int batchSize, int epochs,
                                              java.util.function.Function<Optimizer, LrScheduler> schedule) {
        Sequential model = SPEC.build(new Generator(seed));
        Optimizer optimizer = opt.create(model.namedParameters());
        DataLoader loader = new DataLoader(data, batchSize, true, false, new Generator(seed + 1));
        Trainer trainer = new Trainer(model, new CrossEntropyLoss(), optimizer, Task.CLASSIFICATION).epochs(epochs);
        if (schedule != null) {
            trainer.scheduler(schedule.apply(optimizer));
        }
        trainer.fit(loader, null);
        return weights(model);
    }

    /**
     * The trained model of jgrad's own Trainer with {@code loss}, the seeds SparkTrainer uses, and {@code validation}
     * (may be null) evaluated after each epoch; {@code history} receives the epochs' metrics. Modified: history.
     */
    static Sequential singleMachine(TensorDataset data, TensorDataset validation, Loss loss, OptimizerSpec opt, long seed,
                                    int batchSize, int epochs, java.util.List<io.jgrad.train.EpochMetrics> history) {
        return singleMachine(data, validation, loss, opt, seed, batchSize, epochs, 0, history);
    }

    /**
     * As {@link #singleMachine(TensorDataset, TensorDataset, Loss, OptimizerSpec, long, int, int, java.util.List)}, each
     * step's gradient clipped to a global L2 norm of at most {@code clipNorm} (0: none), as jgrad train --clip-grad-norm.
     */
    static Sequential singleMachine(TensorDataset data, TensorDataset validation, Loss loss, OptimizerSpec opt, long seed,
                                    int batchSize, int epochs, double clipNorm, java.util.List<io.jgrad.train.EpochMetrics> history) {
        Sequential model = SPEC.build(new Generator(seed));
        Optimizer optimizer = opt.create(model.namedParameters());
        DataLoader loader = new DataLoader(data, batchSize, true, false, new Generator(seed + 1));
        DataLoader val = validation == null ? null : new DataLoader(validation, 1000, false, false, new Generator(0));
        history.addAll(new Trainer(model, loss, optimizer, Task.CLASSIFICATION).epochs(epochs).clipGradNorm(clipNorm)
                .fit(loader, val).epochs());
        return model;
    }

    static Map<String, float[]> weights(Sequential model) {
        Map<String, float[]> out = new LinkedHashMap<>();
        model.namedParameters().forEach((k, v) -> out.put(k, v.toFloatArray()));
        return out;
    }
}
