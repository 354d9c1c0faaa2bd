package io.jgrad.nn;

import io.jgrad.tensor.Tensor;

/**
 * A loss function: a scalar (or per-sample) measure of how far predictions are from targets, whose gradient
 * with respect to the prediction drives training. Targets are data, not trained: no gradient is wanted for them.
 */
public interface Loss {
    /** The loss of {@code prediction} against {@code target}; shapes as each implementation says. */
    Tensor forward(Tensor prediction, Tensor target);
}
