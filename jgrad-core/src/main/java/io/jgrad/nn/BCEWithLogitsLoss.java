package io.jgrad.nn;

import io.jgrad.tensor.DType;
import io.jgrad.tensor.Tensor;

/**
 * Binary cross-entropy on raw scores (logits) x, i.e. BCE of sigmoid(x), in the numerically stable form
 * l_i = max(x_i, 0) - x_i t_i + log(1 + e^{-|x_i|}), averaged (or summed); the gradient is sigmoid(x) - t.
 * Prediction and target must have the same shape; of mixed dtypes (float32 and float64) the loss is the wider
 * (PyTorch 1.13 gives a float32 loss for float64 scores with float32 targets, narrowed by an in-place op).
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
        this.reduction = Reduction.nonNull("BCEWithLogitsLoss", reduction);
    }

    @Override
    public Reduction reduction() {
        return reduction;
    }

    @Override
    public Tensor forward(Tensor prediction, Tensor target) {
        Targets.requireSameShape("BCEWithLogitsLoss", prediction, target);
        // computed in the wider dtype, as MSELoss and PyTorch (float32 scores with float64 targets give a float64
        // loss); to() is recorded, so each gradient comes back in its own tensor's dtype
        DType type = DType.promote(prediction.dtype(), target.dtype());
        Tensor x = prediction.to(type);
        Tensor t = target.to(type);
        // maximum sends a tie's gradient to x (slope 1) and minimum(-x, x) sends it to -x (slope -1), so at x = 0
        // the pieces add up to the true derivative 1 - t - 1/2 = sigmoid(0) - t; relu and abs would give -t.
        Tensor positivePart = x.maximum(Tensor.zeros(x.dtype()));
        Tensor minusAbs = x.neg().minimum(x);
        Tensor losses = positivePart.sub(x.mul(t)).add(minusAbs.exp().add(1.0).log());
        return reduction.apply(losses);
    }
}
