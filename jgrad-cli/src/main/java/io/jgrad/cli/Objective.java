package io.jgrad.cli;

import io.jgrad.nn.Loss;
import io.jgrad.nn.Reduction;
import io.jgrad.tensor.Tensor;
import io.jgrad.train.Task;

/**
 * How a loss meets a data set: the width of the network's output, the {@link Task} that decides how accuracy
 * is counted, and the loss applied to targets in the form it needs. A squared-error or BCE loss on K-class
 * data sees one-hot targets (the textbook setting); BCE on two classes uses one output unit.
 */
record Objective(String lossName, Loss loss, Task task, int outputSize) {

    /** Chooses the objective for {@code lossName} on data with {@code numClasses} classes (0: regression). */
    static Objective of(String lossName, int numClasses) {
        return of(lossName, numClasses, null);
    }

    /**
     * As {@link #of(String, int)}, with cross-entropy's weight of each class ({@code classWeights}, one per class; null:
     * none, and the only value for other losses).
     */
    static Objective of(String lossName, int numClasses, double[] classWeights) {
        Loss base = classWeights == null ? Losses.require(lossName) : weighted(classWeights);
        boolean bce = lossName.startsWith("bce");
        if (numClasses == 0) {
            if (!Losses.task(lossName).equals("regression")) {
                throw new UserError("--loss " + lossName + " needs class labels, but the data has numeric targets;"
                        + " use --loss mse or half-sse for regression");
            }
            return new Objective(lossName, columnTargets(base), Task.REGRESSION, 1);
        }
        if (lossName.equals("cross-entropy")) {
            return new Objective(lossName, base, Task.CLASSIFICATION, numClasses);
        }
        if (bce && numClasses == 2) {
            return new Objective(lossName, columnTargets(base), lossName.equals("bce") ? Task.BINARY : Task.BINARY_LOGITS, 1);
        }
        return new Objective(lossName, oneHotTargets(base, numClasses), Task.CLASSIFICATION, numClasses);
    }

    /**
     * Cross-entropy with class weights w: sum_i w[t_i] l_i / sum_i w[t_i] over a batch, as PyTorch's, except for a
     * batch whose samples all weigh 0 (only classes given weight 0), where that is 0 / 0: PyTorch's NaN, which
     * stopped training as diverged, and its NaN gradient would have spoilt the weights. Such a batch, none of whose
     * samples counts, has loss 0 and a zero gradient instead.
     */
    private static Loss weighted(double[] w) {
        Loss ce = new io.jgrad.nn.CrossEntropyLoss(Tensor.of(w), Reduction.MEAN, 0);
        return withReductionOf(ce, (prediction, target) -> {
            // anything the loss would refuse (a shape, a target that is not a class) goes to it, to be refused
            boolean noneCounts = prediction.dim() == 2 && prediction.size(1) == w.length && target.numel() > 0
                    && target.numel() == prediction.size(0);
            for (float t : noneCounts ? target.toFloatArray() : new float[0]) {
                noneCounts &= t >= 0 && t < w.length && t == (int) t && w[(int) t] == 0;
            }
            return noneCounts ? prediction.mul(0).sum() : ce.forward(prediction, target);
        });
    }

    /**
     * {@code adapted}, with the reduction and batch weights of {@code base}, which the Trainer needs to add batches up
     * (the batch weight from the targets as given: class indices for a class-weighted base, whose targets are not adapted).
     */
    private static Loss withReductionOf(Loss base, Loss adapted) {
        return new Loss() {
            @Override
            public Tensor forward(Tensor prediction, Tensor target) {
                return adapted.forward(prediction, target);
            }

            @Override
            public Reduction reduction() {
                return base.reduction();
            }

            @Override
            public double batchWeight(Tensor prediction, Tensor target) {
                return base.batchWeight(prediction, target);
            }
        };
    }

    /** Targets [N] compared with outputs [N, 1]. */
    private static Loss columnTargets(Loss base) {
        return withReductionOf(base, (prediction, target) -> base.forward(prediction, target.reshape(prediction.shape())));
    }

    /** Class indices [N] turned into one-hot rows [N, K]. */
    private static Loss oneHotTargets(Loss base, int k) {
        return withReductionOf(base, (prediction, target) -> {
            float[] t = target.toFloatArray();
            float[] hot = new float[t.length * k];
            for (int i = 0; i < t.length; i++) {
                int c = (int) t[i];
                if (c < 0 || c >= k || c != t[i]) {
                    throw new IllegalArgumentException("target " + t[i] + " of row " + i + " is not a class in [0, " + k + ")");
                }
                hot[i * k + c] = 1f;
            }
            Tensor oneHot = Tensor.wrap(hot, t.length, k);
            return base.forward(prediction, prediction.dtype() == oneHot.dtype() ? oneHot : oneHot.to(prediction.dtype()));
        });
    }
}
