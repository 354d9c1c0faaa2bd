package io.jgrad.nn;

import io.jgrad.tensor.Tensor;

/**
 * Log-softmax along one dimension: x_i - log sum_j e^x_j, computed stably. Pair it with {@link NLLLoss}; that
 * pair equals {@link CrossEntropyLoss} on the raw scores.
 */
public class LogSoftmax extends Module {
    private final int dim;

    /** Normalises along {@code dim} (negative counts from the end). */
    public LogSoftmax(int dim) {
        this.dim = dim;
    }

    @Override
    public Tensor forward(Tensor x) {
        requireInput(x);
        return x.logSoftmax(dim);
    }

    @Override
    protected String extraRepr() {
        return "dim=" + dim;
    }
}
