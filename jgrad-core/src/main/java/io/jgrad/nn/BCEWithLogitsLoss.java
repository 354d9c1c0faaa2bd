package io.jgrad.nn;

import io.jgrad.tensor.Tensor;

/**
 * Binary cross-entropy on raw scores (logits) x, i.e. BCE of sigmoid(x), in the numerically stable form
 * l_i = max(x_i, 0) - x_i t_i + log(1 + e^{-|x_i|}), averaged (or summed); the gradient is sigmoid(x) - t.
 * Prediction and target must have the same shape.
 */
public class BCEWithLogitsLoss implements Loss {
    private final Reduction reduction;

    /** With {@link Reduction#MEAN}. */
    public BCEWithLogitsLoss() {
        this(Reduction.MEAN);
    }

    /**
     * With {@code reduction}: MEAN averages the per-element losses, SUM adds them, NONE returns them (the
     * prediction's shape).
     */
    public BCEWithLogitsLoss(Reduction reduction) {
        this.reduction = reduction;
    }

    @Override
    public Reduction reduction() {
        return reduction;
    }

    @Override
    public Tensor forward(Tensor prediction, Tensor target) {
        Targets.requireSameShape("BCEWithLogitsLoss", prediction, target);
        Tensor x = prediction;
        Tensor t = target.to(x.dtype());
        // maximum sends a tie's gradient to x (slope 1) and minimum(-x, x) sends it to -x (slope -1), so at x = 0
        // the pieces add up to the true derivative 1 - t - 1/2 = sigmoid(0) - t; relu and abs would give -t.
        Tensor positivePart = x.maximum(Tensor.zeros(x.dtype()));
        Tensor minusAbs = x.neg().minimum(x);
        Tensor losses = positivePart.sub(x.mul(t)).add(minusAbs.exp().add(1.0).log());
        return reduction.apply(losses);
    }
}
