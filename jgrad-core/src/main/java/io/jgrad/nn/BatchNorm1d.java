package io.jgrad.nn;

/**
 * Batch normalization of [N, C] or [N, C, L] inputs per channel C, as PyTorch's {@code nn.BatchNorm1d}
 * (statistics over N, or over N and L). See {@link BatchNorm} for the math and the state.
 */
public class BatchNorm1d extends BatchNorm {
    /** eps = 1e-5, momentum = 0.1, as PyTorch. */
    public BatchNorm1d(int numFeatures) {
        this(numFeatures, DEFAULT_EPS, DEFAULT_MOMENTUM);
    }

    /** With the given eps (added to the variance) and momentum (weight of the new batch in the running stats). */
    public BatchNorm1d(int numFeatures, double eps, double momentum) {
        super(numFeatures, eps, momentum);
    }

    @Override
    boolean acceptsRank(int rank) {
        return rank == 2 || rank == 3;
    }

    @Override
    String expectedShape() {
        return "[N, C] or [N, C, L]";
    }
}
