package io.jgrad.nn;

import io.jgrad.tensor.Tensor;

/**
 * Negative log-likelihood: for log-probabilities L of shape [N, C] (e.g. from {@link LogSoftmax}) and targets of
 * shape [N] holding class indices as numbers, l_i = -L[i, t_i], averaged over the N samples (or summed).
 */
public class NLLLoss implements Loss {
    private final Reduction reduction;

    /** With {@link Reduction#MEAN}. */
    public NLLLoss() {
        this(Reduction.MEAN);
    }

    /** With {@code reduction}: MEAN averages the per-sample losses, SUM adds them, NONE returns them, shape [N]. */
    public NLLLoss(Reduction reduction) {
        this.reduction = Reduction.nonNull("NLLLoss", reduction);
    }

    @Override
    public Reduction reduction() {
        return reduction;
    }

    @Override
    public Tensor forward(Tensor prediction, Tensor target) {
        Tensor index = Targets.classIndices("NLLLoss", prediction, target);
        Tensor perSample = prediction.gather(1, index).neg(); // [N, 1]
        return reduction.apply(perSample.reshape(perSample.shape()[0]));
    }
}
