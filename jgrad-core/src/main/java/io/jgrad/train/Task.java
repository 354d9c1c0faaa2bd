package io.jgrad.train;

/**
 * What the network predicts, which decides how accuracy is measured. {@link Trainer} refuses, naming the shapes,
 * outputs and targets that do not fit the task, rather than count hits that mean nothing.
 */
public enum Task {
    /**
     * Outputs [N, C] scores; the predicted class is the arg-max; targets are class indices [N], or rows [N, C] (one-hot
     * or soft labels, as MSELoss takes them) whose arg-max is the class.
     */
    CLASSIFICATION,
    /**
     * Outputs [N, 1] or [N] probabilities (after a sigmoid), the same shape as the targets (0 or 1, or smoothed labels
     * in [0, 1], whose class is the nearer one), as BCELoss requires: [N] targets (a TensorDataset's) need an [N]
     * output (end the network with Flatten(0)); class 1 when at least 0.5.
     */
    BINARY,
    /** As {@link #BINARY} for scores before the sigmoid (for BCEWithLogitsLoss): class 1 when above 0. */
    BINARY_LOGITS,
    /** Outputs real numbers: no accuracy, only the loss. */
    REGRESSION
}
