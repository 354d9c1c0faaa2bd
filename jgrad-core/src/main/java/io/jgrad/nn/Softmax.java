package io.jgrad.nn;

import io.jgrad.tensor.Tensor;

/** Softmax along one dimension: e^x_i / sum_j e^x_j, so each slice along {@code dim} sums to 1. */
public class Softmax extends Module {
    private final int dim;

    /** Normalises along {@code dim} (negative counts from the end). */
    public Softmax(int dim) {
        this.dim = dim;
    }

    @Override
    public Tensor forward(Tensor x) {
        requireInput(x);
        return x.softmax(dim);
    }

    @Override
    protected String extraRepr() {
        return "dim=" + dim;
    }
}
