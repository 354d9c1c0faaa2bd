package io.jgrad.nn;

import io.jgrad.tensor.Tensor;
import java.util.Arrays;

/** Checks of loss targets shared by the losses, so that they reject bad input with the same clear messages. */
final class Targets {
    private Targets() {}

    static void requireSameShape(String loss, Tensor prediction, Tensor target) {
        requireBoth(loss, prediction, target);
        if (!Arrays.equals(prediction.shape(), target.shape())) {
            throw new IllegalArgumentException(loss + ": prediction has shape " + Arrays.toString(prediction.shape())
                    + " but target has shape " + Arrays.toString(target.shape()) + "; they must be equal"
                    + (oneColumnAgainstVector(prediction, target)
                    ? " (one output per sample against [N] targets: end the network with new Flatten(0), or reshape the"
                    + " prediction to [N])" : ""));
        }
    }

    /** A null argument named, rather than a NullPointerException from the shape check. */
    private static void requireBoth(String loss, Tensor prediction, Tensor target) {
        if (prediction == null || target == null) {
            throw new IllegalArgumentException(loss + ": " + (prediction == null ? "prediction" : "target") + " is null");
        }
    }

    private static boolean oneColumnAgainstVector(Tensor prediction, Tensor target) {
        return prediction.dim() == 2 && prediction.size(1) == 1 && target.dim() == 1 && target.size(0) == prediction.size(0);
    }

    /**
     * Checks that scores are [N, C] and target is [N]; the values are left to the op that reads them (the fused
     * cross-entropy checks them as it converts them, without a copy of the target).
     */
    static void requireClassShapes(String loss, Tensor scores, Tensor target) {
        requireBoth(loss, scores, target);
        if (scores.dim() != 2 || target.dim() != 1 || target.size(0) != scores.size(0)) {
            throw new IllegalArgumentException(loss + ": input has shape " + Arrays.toString(scores.shape())
                    + " and target has shape " + Arrays.toString(target.shape())
                    + "; expected input [N, C] and target [N] of class indices");
        }
    }

    /**
     * Checks that scores are [N, C] and target, class probabilities, has their shape; the values are not checked (as
     * PyTorch: rows that do not sum to 1 give a loss all the same). Their dtypes may differ (the loss is computed in
     * the wider one).
     */
    static void requireProbabilityShapes(String loss, Tensor scores, Tensor target) {
        requireBoth(loss, scores, target);
        if (scores.dim() != 2 || !Arrays.equals(scores.shape(), target.shape())) {
            throw new IllegalArgumentException(loss + ": input has shape " + Arrays.toString(scores.shape())
                    + " and target has shape " + Arrays.toString(target.shape()) + "; expected input [N, C] and target"
                    + " [N, C] of class probabilities (the input's shape) or [N] of class indices");
        }
    }

    /**
     * Checks that scores are [N, C] and target is [N] holding class indices (integral values in [0, C)), and returns
     * the target as an [N, 1] index for {@link Tensor#gather}.
     */
    static Tensor classIndices(String loss, Tensor scores, Tensor target) {
        requireClassShapes(loss, scores, target);
        int classes = scores.size(1);
        double[] t = target.toDoubleArray();
        for (int i = 0; i < t.length; i++) {
            if (!(t[i] >= 0 && t[i] < classes && t[i] == Math.rint(t[i]))) {
                throw new IllegalArgumentException(loss + ": target value " + t[i] + " in row " + i
                        + " is not a class index: it must be an integer in [0, " + classes + ")");
            }
        }
        return target.detach().reshape(t.length, 1);
    }
}
