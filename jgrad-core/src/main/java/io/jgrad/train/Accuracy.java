package io.jgrad.train;

import io.jgrad.tensor.Tensor;

/** Turns outputs into predicted classes (arg-max, or a threshold for binary outputs) and counts the hits. */
final class Accuracy {
    private Accuracy() {}

    /** Predicted class of each row of {@code output}. */
    static int[] predictions(Task task, Tensor output) {
        float[] o = output.toFloatArray();
        int n = output.dim() == 0 ? 1 : output.size(0);
        int k = n == 0 ? 0 : o.length / n;
        int[] pred = new int[n];
        for (int i = 0; i < n; i++) {
            if (task == Task.BINARY) {
                pred[i] = o[i * k] >= 0.5f ? 1 : 0;
            } else if (task == Task.BINARY_LOGITS) {
                pred[i] = o[i * k] > 0 ? 1 : 0;
            } else {
                int best = 0;
                for (int j = 1; j < k; j++) {
                    if (o[i * k + j] > o[i * k + best]) {
                        best = j;
                    }
                }
                pred[i] = best;
            }
        }
        return pred;
    }

    static long correct(Task task, Tensor output, Tensor targets) {
        int[] pred = predictions(task, output);
        float[] t = targets.toFloatArray();
        long c = 0;
        for (int i = 0; i < pred.length; i++) {
            if (pred[i] == (int) t[i * (t.length / Math.max(pred.length, 1))]) {
                c++;
            }
        }
        return c;
    }

    static void addTo(ConfusionMatrix m, Task task, Tensor output, Tensor targets) {
        int[] pred = predictions(task, output);
        float[] t = targets.toFloatArray();
        int stride = t.length / Math.max(pred.length, 1);
        for (int i = 0; i < pred.length; i++) {
            m.add((int) t[i * stride], pred[i]);
        }
    }
}
