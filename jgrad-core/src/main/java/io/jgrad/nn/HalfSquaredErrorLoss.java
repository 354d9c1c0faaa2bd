package io.jgrad.nn;

import io.jgrad.tensor.Tensor;

/**
 * The textbook squared error E = 1/2 * sum_i (t_i - y_i)^2 over all elements, whose derivative is simply
 * dE/dy = y - t. Prediction and target must have the same shape.
 */
public class HalfSquaredErrorLoss implements Loss {
    @Override
    public Tensor forward(Tensor prediction, Tensor target) {
        Targets.requireSameShape("HalfSquaredErrorLoss", prediction, target);
        Tensor diff = target.sub(prediction);
        return diff.mul(diff).sum().mul(0.5);
    }

    /** {@link Reduction#SUM}: E adds up the batch's samples. */
    @Override
    public Reduction reduction() {
        return Reduction.SUM;
    }
}
