package io.jgrad.nn;

import io.jgrad.tensor.Tensor;

/**
 * Binary cross-entropy on probabilities p in [0, 1]: l_i = -(t_i log p_i + (1 - t_i) log(1 - p_i)), averaged (or
 * summed). As in PyTorch each log is clamped at -100, so p = 0 or 1 gives a finite loss. Prediction and target
 * must have the same shape. Prefer {@link BCEWithLogitsLoss} on raw scores: it is more stable than sigmoid + BCE.
 */
public class BCELoss implements Loss {
    private static final double LOG_FLOOR = -100;

    private final Reduction reduction;

    /** With {@link Reduction#MEAN}. */
    public BCELoss() {
        this(Reduction.MEAN);
    }

    public BCELoss(Reduction reduction) {
        this.reduction = reduction;
    }

    @Override
    public Tensor forward(Tensor prediction, Tensor target) {
        Targets.requireSameShape("BCELoss", prediction, target);
        Tensor logP = clampedLog(prediction);
        Tensor log1mP = clampedLog(prediction.neg().add(1.0));
        Tensor t = target.to(prediction.dtype());
        Tensor losses = t.mul(logP).add(t.neg().add(1.0).mul(log1mP)).neg();
        return reduction.apply(losses);
    }

    /**
     * max(log p, -100). Where p = 0, log is taken of 1 instead and the result replaced by -100: log(0) would put
     * 0 * infinity = NaN into the backward pass even though that element's gradient is cut.
     */
    private static Tensor clampedLog(Tensor p) {
        Tensor positive = p.gt(0);
        Tensor one = Tensor.ones(p.dtype());
        Tensor floor = Tensor.scalar(p.dtype(), LOG_FLOOR);
        Tensor log = Tensor.where(positive, p, one).log().clamp(LOG_FLOOR, Double.POSITIVE_INFINITY);
        return Tensor.where(positive, log, floor);
    }
}
