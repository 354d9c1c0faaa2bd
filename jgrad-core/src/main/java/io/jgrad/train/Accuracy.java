package io.jgrad.train;

import io.jgrad.tensor.Tensor;

/**
 * Turns outputs into predicted classes (arg-max, or a threshold for binary outputs) and counts the hits. Its arrays
 * are kept from batch to batch, so that counting a training step's hits allocates nothing once they are big enough.
 */
final class Accuracy {
    private final Task task;
    private float[] outputs = new float[0];
    private float[] targets = new float[0];
    private int[] predictions = new int[0];

    Accuracy(Task task) {
        this.task = task;
    }

    /** Predicts the class of each row of {@code output} into {@link #predictions}; returns the number of rows. */
    private int predict(Tensor output) {
        outputs = output.toFloatArray(outputs);
        int n = output.dim() == 0 ? 1 : output.size(0);
        int k = n == 0 ? 0 : output.numel() / n;
        if (predictions.length < n) {
            predictions = new int[n];
        }
        float[] o = outputs;
        for (int i = 0; i < n; i++) {
            if (task == Task.BINARY) {
                predictions[i] = o[i * k] >= 0.5f ? 1 : 0;
            } else if (task == Task.BINARY_LOGITS) {
                predictions[i] = o[i * k] > 0 ? 1 : 0;
            } else {
                int best = 0;
                for (int j = 1; j < k; j++) {
                    if (o[i * k + j] > o[i * k + best]) {
                        best = j;
                    }
                }
                predictions[i] = best;
            }
        }
        return n;
    }

    /** How many rows of {@code output} predict the class in the matching row of {@code targets}. */
    long correct(Tensor output, Tensor targets) {
        int n = predict(output);
        this.targets = targets.toFloatArray(this.targets);
        int stride = targets.numel() / Math.max(n, 1);
        long c = 0;
        for (int i = 0; i < n; i++) {
            if (predictions[i] == (int) this.targets[i * stride]) {
                c++;
            }
        }
        return c;
    }

    /** Counts each row's (target, prediction) pair in m. Modified: m. */
    void addTo(ConfusionMatrix m, Tensor output, Tensor targets) {
        int n = predict(output);
        this.targets = targets.toFloatArray(this.targets);
        int stride = targets.numel() / Math.max(n, 1);
        for (int i = 0; i < n; i++) {
            m.add((int) this.targets[i * stride], predictions[i]);
        }
    }
}
