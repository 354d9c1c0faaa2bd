package io.jgrad.nn;

import io.jgrad.tensor.Tensor;

/**
 * Mean squared error: mean_i (y_i - t_i)^2 over all elements (or the sum, with {@link Reduction#SUM}); the
 * gradient is 2 (y - t) / n. Prediction and target must have the same shape.
 */
public class MSELoss implements Loss {
    private final Reduction reduction;

    /** With {@link Reduction#MEAN}. */
    public MSELoss() {
        this(Reduction.MEAN);
    }

    /**
     * With {@code reduction}: MEAN averages the per-element losses, SUM adds them, NONE returns them (the
     * prediction's shape).
     */
    public MSELoss(Reduction reduction) {
        this.reduction = Reduction.nonNull("MSELoss", reduction);
    }

    @Override
    public Reduction reduction() {
        return reduction;
    }

    @Override
    public Tensor forward(Tensor prediction, Tensor target) {
        Targets.requireSameShape("MSELoss", prediction, target);
        Tensor diff = prediction.sub(target);
        return reduction.apply(diff.mul(diff));
    }
}
