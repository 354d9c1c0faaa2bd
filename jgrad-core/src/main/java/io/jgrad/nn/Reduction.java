package io.jgrad.nn;

import io.jgrad.tensor.Tensor;

/** How a loss combines its per-element (or per-sample) values, as PyTorch's {@code reduction}. */
public enum Reduction {
    /** The average: the loss does not grow with the batch size (PyTorch's default). */
    MEAN,
    /** The total. */
    SUM,
    /**
     * No reduction: the per-element (or per-sample) losses, e.g. to weight them before reducing; a training loop
     * (and {@code Trainer}) needs a scalar, so reduce them before calling backward.
     */
    NONE;

    /**
     * {@code reduction} itself; refused when null, so that a loss fails where it is built (naming itself) rather than
     * at its first forward, which may be a Trainer's first batch.
     */
    static Reduction nonNull(String loss, Reduction reduction) {
        if (reduction == null) {
            throw new IllegalArgumentException(loss + ": reduction is null; pass Reduction.MEAN, Reduction.SUM or"
                    + " Reduction.NONE");
        }
        return reduction;
    }

    /** Reduces per-element losses to a scalar (NONE: returns them as they are). */
    Tensor apply(Tensor losses) {
        return switch (this) {
            case MEAN -> losses.mean();
            case SUM -> losses.sum();
            case NONE -> losses;
        };
    }
}
