package io.jgrad.train;

/** What the network predicts, which decides how accuracy is measured. */
public enum Task {
    /** Outputs [N, C] scores; the predicted class is the arg-max; targets are class indices [N]. */
    CLASSIFICATION,
    /** Outputs [N, 1] or [N] probabilities (after a sigmoid): class 1 when at least 0.5; targets 0 or 1. */
    BINARY,
    /** Outputs [N, 1] or [N] scores before the sigmoid (for BCE with logits): class 1 when above 0. */
    BINARY_LOGITS,
    /** Outputs real numbers: no accuracy, only the loss. */
    REGRESSION
}
