package io.jgrad.train;

/**
 * Thrown when the loss or a gradient becomes NaN or infinite: training cannot continue meaningfully. The
 * message names the epoch, the step and the parameter, and suggests the usual fix (a smaller learning rate).
 */
public final class TrainingDivergedException extends RuntimeException {
    private final int epoch;
    private final int step;

    public TrainingDivergedException(int epoch, int step, String what) {
        super("training diverged at epoch " + epoch + ", step " + step + ": " + what
                + "; try a smaller learning rate (--lr), gradient clipping (--clip-grad-norm MAX), or check the data for NaN/huge values");
        this.epoch = epoch;
        this.step = step;
    }

    public int epoch() {
        return epoch;
    }

    public int step() {
        return step;
    }
}
