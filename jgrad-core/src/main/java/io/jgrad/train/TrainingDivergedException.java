package io.jgrad.train;

/**
 * Thrown when the loss or a gradient becomes NaN or infinite: training cannot continue meaningfully. The
 * message names the epoch, the step and the parameter, and suggests the usual fixes (a smaller learning rate,
 * {@link Trainer#clipGradNorm gradient clipping}).
 */
public final class TrainingDivergedException extends RuntimeException {
    private final int epoch;
    private final int step;
    private final String what;

    /** Thrown by {@link Trainer} only: epoch and step are 1-based, {@code what} names the non-finite value. */
    TrainingDivergedException(int epoch, int step, String what) {
        super("training diverged at epoch " + epoch + ", step " + step + ": " + what
                + "; try a smaller learning rate, gradient clipping (Trainer.clipGradNorm), or check the data for NaN or huge values");
        this.epoch = epoch;
        this.step = step;
        this.what = what;
    }

    /** The epoch (1-based) whose step diverged. */
    public int epoch() {
        return epoch;
    }

    /** The step (1-based, within the epoch) whose loss or gradient was not finite. */
    public int step() {
        return step;
    }

    /** What went wrong, e.g. that the loss is NaN, without the advice. */
    public String what() {
        return what;
    }
}
