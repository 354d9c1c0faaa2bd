package io.jgrad.nn;

import io.jgrad.tensor.Tensor;

/** How a loss combines its per-element (or per-sample) values into one scalar, as PyTorch's {@code reduction}. */
public enum Reduction {
    /** The average: the loss does not grow with the batch size (PyTorch's default). */
    MEAN,
    /** The total. */
    SUM;

    /** Reduces per-element losses to a scalar. */
    Tensor apply(Tensor losses) {
        return this == MEAN ? losses.mean() : losses.sum();
    }
}
