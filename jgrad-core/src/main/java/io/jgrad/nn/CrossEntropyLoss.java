package io.jgrad.nn;

import io.jgrad.tensor.Tensor;

/**
 * Cross-entropy of raw scores (logits) x of shape [N, C] against targets of shape [N] holding class indices as
 * numbers: with log-probabilities logp = logSoftmax(x) along the classes,
 * l_i = (1 - eps) * (-logp[i, t_i]) + eps * mean_c(-logp[i, c]), averaged over the N samples (or summed).
 * eps is the label smoothing (0 by default), as in PyTorch 1.13: the target distribution becomes
 * (1 - eps) * onehot + eps / C. The gradient with respect to x is softmax(x) minus that distribution (per sample,
 * divided by N for the mean).
 */
public class CrossEntropyLoss implements Loss {
    private final Reduction reduction;
    private final double labelSmoothing;

    /** With {@link Reduction#MEAN} and no label smoothing. */
    public CrossEntropyLoss() {
        this(Reduction.MEAN, 0.0);
    }

    /** With the given reduction and label smoothing eps in [0, 1]. */
    public CrossEntropyLoss(Reduction reduction, double labelSmoothing) {
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
            throw new IllegalArgumentException("CrossEntropyLoss: label smoothing must be in [0, 1], got " + labelSmoothing);
        }
        this.reduction = reduction;
        this.labelSmoothing = labelSmoothing;
    }

    @Override
    public Reduction reduction() {
        return reduction;
    }

    @Override
    public Tensor forward(Tensor prediction, Tensor target) {
        if (labelSmoothing == 0) {
            // log-softmax and pick fused, the same values; it checks the target's values as it reads them
            Targets.requireClassShapes("CrossEntropyLoss", prediction, target);
            return reduction.apply(prediction.crossEntropy(target));
        }
        Tensor index = Targets.classIndices("CrossEntropyLoss", prediction, target);
        Tensor logp = prediction.logSoftmax(1);
        Tensor nll = logp.gather(1, index).neg();
        Tensor smooth = logp.mean(1, true).neg();
        Tensor perSample = nll.mul(1 - labelSmoothing).add(smooth.mul(labelSmoothing)); // [N, 1]
        return reduction.apply(perSample.reshape(perSample.shape()[0]));
    }
}
