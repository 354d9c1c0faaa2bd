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

    /**
     * Thrown by {@link Trainer}, and by a trainer of another module (jgrad-spark's) that stops as it does: epoch and step
     * are 1-based, {@code what} names the non-finite value ("the loss is NaN").
     */
    public TrainingDivergedException(int epoch, int step, String what) {
        super("training diverged at " + new Divergence(epoch, step, what).words()
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

    /**
     * The message in the words of {@code jgrad train}'s flags, which the library's advice (its API) would not fit: what
     * {@code jgrad train} and {@code jgrad train --spark} print when a run diverges.
     */
    public String commandLineMessage() {
        return "training diverged at " + divergence() + "; try a smaller --lr, gradient"
                + " clipping (--clip-grad-norm MAX), or check the data for NaN or huge values";
    }

    /** What went wrong, e.g. that the loss is NaN, without the advice. */
    public String what() {
        return what;
    }

    /**
     * Where and what, without the advice: "epoch 3, step 5: the loss is NaN", the words a run's report gives after
     * "diverged at".
     */
    public String divergence() {
        return Divergence.of(this).words();
    }
}
