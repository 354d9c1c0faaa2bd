package io.jgrad.optim;

import java.util.Map;

/**
 * Changes an optimizer's learning rate once per epoch (or per step, as the caller chooses), as PyTorch's
 * {@code _LRScheduler}: construction counts as epoch 0 and leaves the rate unchanged; each {@link #step()}
 * advances one epoch and sets the optimizer's rate. Call it after {@code optimizer.step()}.
 */
public interface LrScheduler {
    /** Advances one epoch and sets the optimizer's learning rate. Modified: the optimizer. */
    void step();

    /** The learning rate this scheduler last set (the optimizer's rate right after construction). */
    double lr();

    /**
     * The optimizer whose rate {@link #step()} sets, so that a training loop can check it schedules its own; null
     * when an implementation does not say.
     */
    default Optimizer optimizer() {
        return null;
    }

    /**
     * The scheduler's counters, e.g. {@code last_epoch}, for checkpoints; jgrad's schedules add their settings as
     * {@code "<Kind>.<setting>"} (e.g. {@code "StepLR.gamma"}; Kind the class's simple name, as an {@link Optimizer}
     * records it) so that a load can refuse another kind or setting.
     */
    Map<String, Double> stateDict();

    /**
     * Restores counters from {@link #stateDict()}; the optimizer's own rate comes from its own state dict, as in
     * PyTorch. jgrad's schedules refuse a state that records another kind or other settings, and take one that
     * records none (saved before they were recorded). Modified: this.
     */
    void loadStateDict(Map<String, Double> state);
}
