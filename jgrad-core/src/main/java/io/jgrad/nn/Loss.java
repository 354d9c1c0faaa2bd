package io.jgrad.nn;

import io.jgrad.tensor.Tensor;

/**
 * A loss function: a scalar (or per-sample) measure of how far predictions are from targets, whose gradient
 * with respect to the prediction drives training. Targets are data, not trained: no gradient is wanted for them.
 */
public interface Loss {
    /** The loss of {@code prediction} against {@code target}; shapes as each implementation says. */
    Tensor forward(Tensor prediction, Tensor target);

    /**
     * How {@link #forward} combines a batch's samples, as PyTorch's {@code reduction} attribute: {@link Reduction#MEAN}
     * (the default) or {@link Reduction#SUM}. A training loop reads it to add batches of different sizes up per sample:
     * the loss of a batch of n samples stands for n * loss when it is a mean, for loss when it is a sum.
     */
    default Reduction reduction() {
        return Reduction.MEAN;
    }

    /**
     * What a batch weighs when a training loop adds batches up: the number of samples (prediction's first size), or,
     * for a weighted mean such as class-weighted cross-entropy's, the sum of the samples' weights (its denominator).
     * Adding weight_b * loss_b over the batches (loss_b for a sum) and dividing by the sum of the weights gives the
     * loss of all the samples as one batch, whatever the batch sizes and their order.
     */
    default double batchWeight(Tensor prediction, Tensor target) {
        return prediction.dim() == 0 ? 1 : prediction.size(0);
    }
}
