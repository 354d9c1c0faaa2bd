package io.jgrad.train;

import io.jgrad.tensor.Tensor;
import java.util.Arrays;

/**
 * Turns outputs into predicted classes (arg-max, or a threshold for binary outputs) and counts the hits. Its arrays
 * are kept from batch to batch, so that counting a training step's hits allocates nothing once they are big enough.
 */
final class Accuracy {
    private final Task task;
    private float[] outputs = new float[0];
    private float[] targets = new float[0];
    /** Targets given as rows [N, C], before their arg-max goes to {@link #targets}. */
    private float[] rows = new float[0];
    private int[] predictions = new int[0];

    Accuracy(Task task) {
        this.task = task;
    }

    /**
     * Predicts the class of each row of {@code output} into {@link #predictions}; returns the number of rows.
     *
     * @throws IllegalArgumentException if the output's shape does not fit the task ([N, C] for classification, one
     *     value per row for the binary tasks)
     */
    private int predict(Tensor output) {
        int n = output.dim() == 0 ? 1 : output.size(0);
        int k = n == 0 ? 0 : output.numel() / n;
        if (task == Task.CLASSIFICATION && output.dim() != 2) {
            throw new IllegalArgumentException("Task.CLASSIFICATION needs outputs [N, C] of class scores, but the model"
                    + " gave " + Arrays.toString(output.shape()) + "; use Task.BINARY or BINARY_LOGITS for one score per"
                    + " sample, Task.REGRESSION for real values");
        }
        if (task != Task.CLASSIFICATION && n > 0 && k != 1) {
            throw new IllegalArgumentException("Task." + task + " needs one output per sample ([N] or [N, 1]), but the"
                    + " model gave " + Arrays.toString(output.shape()) + "; use Task.CLASSIFICATION for C class scores,"
                    + " or Task.REGRESSION to train without an accuracy (several labels per sample, for one)");
        }
        outputs = output.toFloatArray(outputs);
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
                predictions[i] = argMax(o, i * k, k);
            }
        }
        return n;
    }

    /** How many rows of {@code output} predict the class in the matching row of {@code targets}. */
    long correct(Tensor output, Tensor targets) {
        int n = predict(output);
        int classes = task == Task.CLASSIFICATION ? output.size(1) : 2;
        readTargets(targets, n, classes);
        long c = 0;
        for (int i = 0; i < n; i++) {
            if (predictions[i] == targetClass(i, classes)) {
                c++;
            }
        }
        return c;
    }

    /** Counts each row's (target, prediction) pair in m. Modified: m. */
    void addTo(ConfusionMatrix m, Tensor output, Tensor targets) {
        int n = predict(output);
        readTargets(targets, n, task == Task.CLASSIFICATION ? output.size(1) : 2);
        for (int i = 0; i < n; i++) {
            m.add(targetClass(i, m.classes()), predictions[i]);
        }
    }

    /**
     * Reads one target class per row into {@link #targets}: a class index per row, or, for classification, rows [N, C]
     * of the outputs' width (one-hot or soft labels, as MSELoss takes them), whose class is the row's arg-max (the
     * first of equal values). Refuses any other shape.
     */
    private void readTargets(Tensor targets, int n, int classes) {
        if (task == Task.CLASSIFICATION && targets.dim() == 2 && classes > 1 && targets.size(0) == n
                && targets.size(1) == classes) {
            rows = targets.toFloatArray(rows);
            if (this.targets.length < n) {
                this.targets = new float[n];
            }
            for (int i = 0; i < n; i++) {
                this.targets[i] = argMax(rows, i * classes, classes);
            }
            return;
        }
        if (targets.numel() != n) {
            throw new IllegalArgumentException("Task." + task + " needs one class index per sample (targets [N])"
                    + (task == Task.CLASSIFICATION ? " or a row of " + classes + " values per sample ([N, " + classes
                    + "], one-hot)" : "") + ", but got targets " + Arrays.toString(targets.shape()) + " for " + n
                    + " outputs; Task.REGRESSION trains without an accuracy");
        }
        this.targets = targets.toFloatArray(this.targets);
    }

    /** The index in [0, k) of the largest of a[off, off + k), the first of equal ones. */
    private static int argMax(float[] a, int off, int k) {
        int best = 0;
        for (int j = 1; j < k; j++) {
            if (a[off + j] > a[off + best]) {
                best = j;
            }
        }
        return best;
    }

    /**
     * Row i's true class: for classification its target, an integral class index in [0, {@code classes}); for the
     * binary tasks, whose targets are in [0, 1], the nearer class, 1 from 0.5 on (a smoothed label's 0.9 is class 1,
     * as the prediction threshold would say).
     */
    private int targetClass(int i, int classes) {
        float t = targets[i];
        if (task != Task.CLASSIFICATION) {
            // truncated, a smoothed 0.9 was class 0: every hit on a positive sample counted as a miss
            if (!(t >= 0 && t <= 1)) {
                throw new IllegalArgumentException("Task." + task + ": target " + t + " in row " + i + " is not in [0, 1]"
                        + " (class 0 or 1, or a smoothed label between)");
            }
            return t >= 0.5f ? 1 : 0;
        }
        if (!(t >= 0 && t < classes && t == Math.rint(t))) {
            throw new IllegalArgumentException("Task." + task + ": target " + t + " in row " + i + " is not a class index"
                    + " in [0, " + classes + ")");
        }
        return (int) t;
    }
}
