package io.jgrad.nn;

import io.jgrad.tensor.Tensor;

/** Flattens the dimensions from {@code startDim} to the last into one, e.g. images [N, 1, 28, 28] to [N, 784]. */
public class Flatten extends Module {
    private final int startDim;

    /** Keeps the batch dimension: flattens from dimension 1. */
    public Flatten() {
        this(1);
    }

    /** Flattens from {@code startDim} (negative counts from the end). */
    public Flatten(int startDim) {
        this.startDim = startDim;
    }

    @Override
    public Tensor forward(Tensor x) {
        requireInput(x);
        return x.flatten(startDim);
    }

    @Override
    protected String extraRepr() {
        return "start_dim=" + startDim + ", end_dim=-1";
    }
}
