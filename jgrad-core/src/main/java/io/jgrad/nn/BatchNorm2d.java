package io.jgrad.nn;

/**
 * Batch normalization of [N, C, H, W] inputs per channel C, as PyTorch's {@code nn.BatchNorm2d}
 * (statistics over N, H and W). See {@link BatchNorm} for the math and the state.
 */
public class BatchNorm2d extends BatchNorm {
    /** eps = 1e-5, momentum = 0.1, as PyTorch. */
    public BatchNorm2d(int numFeatures) {
        this(numFeatures, DEFAULT_EPS, DEFAULT_MOMENTUM);
    }

    /** With the given eps (added to the variance) and momentum (weight of the new batch in the running stats). */
    public BatchNorm2d(int numFeatures, double eps, double momentum) {
        super(numFeatures, eps, momentum);
    }

    @Override
    boolean acceptsRank(int rank) {
        return rank == 4;
    }

    @Override
    String expectedShape() {
        return "[N, C, H, W]";
    }
}
