package io.jgrad.nn;

import io.jgrad.tensor.Tensor;

/**
 * Cross-entropy of raw scores (logits) x of shape [N, C] against targets of shape [N] holding class indices as
 * numbers: with log-probabilities logp = logSoftmax(x) along the classes,
 * l_i = (1 - eps) * (-logp[i, t_i]) + eps * mean_c(-logp[i, c]), averaged over the N samples (or summed).
 * eps is the label smoothing (0 by default), as in PyTorch 1.13: the target distribution becomes
 * (1 - eps) * onehot + eps / C. The gradient with respect to x is softmax(x) minus that distribution (per sample,
 * divided by N for the mean).
 *
 * <p>With class weights w (PyTorch's {@code weight}, e.g. to count a rare class more),
 * l_i = (1 - eps) * w[t_i] * (-logp[i, t_i]) + eps * mean_c(w[c] * (-logp[i, c])), and the mean divides their sum by
 * sum_i w[t_i] instead of N (as PyTorch, which divides by 0 for a batch whose targets all weigh 0).
 *
 * <p>A target of the input's shape [N, C] holds class probabilities instead (soft targets, as PyTorch 1.13 takes
 * them; each row is meant to sum to 1, which is not checked): with t' = (1 - eps) * t + eps / C,
 * l_i = -sum_c w[c] * t'[i, c] * logp[i, c] (w[c] = 1 without weights), and the mean divides the sum of l_i by N,
 * with or without weights (PyTorch's definition: one-hot probabilities with weights give the class-index loss's sum,
 * but not its mean). The gradient with respect to x is, per sample, softmax(x) * sum_c w[c] t'[i, c] - w * t'[i]
 * (divided by N for the mean); the target gets one too, -w[c] logp[i, c], as in PyTorch. A float32 input and float64
 * probabilities give a float64 loss, as PyTorch. Neither argument is modified.
 */
public class CrossEntropyLoss implements Loss {
    private final Reduction reduction;
    private final double labelSmoothing;
    private final double[] weight; // null: every class weighs 1

    /** With {@link Reduction#MEAN} and no label smoothing. */
    public CrossEntropyLoss() {
        this(Reduction.MEAN, 0.0);
    }

    /** With the given reduction and label smoothing eps in [0, 1]. */
    public CrossEntropyLoss(Reduction reduction, double labelSmoothing) {
        this(null, reduction, labelSmoothing);
    }

    /**
     * With class weights {@code weight} [C] (finite, at least 0; null for none, copied), the given reduction and label
     * smoothing eps in [0, 1], as PyTorch's {@code CrossEntropyLoss(weight, reduction=..., label_smoothing=...)}.
     */
    public CrossEntropyLoss(Tensor weight, Reduction reduction, double labelSmoothing) {
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
            throw new IllegalArgumentException("CrossEntropyLoss: label smoothing must be in [0, 1], got " + labelSmoothing);
        }
        if (weight != null) {
            if (weight.dim() != 1 || weight.numel() == 0) {
                throw new IllegalArgumentException("CrossEntropyLoss: weight must have shape [C], one per class, got "
                        + java.util.Arrays.toString(weight.shape()));
            }
            double[] w = weight.toDoubleArray();
            for (int c = 0; c < w.length; c++) {
                if (!(w[c] >= 0 && Double.isFinite(w[c]))) {
                    throw new IllegalArgumentException("CrossEntropyLoss: weight of class " + c + " is " + w[c]
                            + "; expected a finite number >= 0");
                }
            }
            this.weight = w;
        } else {
            this.weight = null;
        }
        this.reduction = Reduction.nonNull("CrossEntropyLoss", reduction);
        this.labelSmoothing = labelSmoothing;
    }

    @Override
    public Reduction reduction() {
        return reduction;
    }

    @Override
    public Tensor forward(Tensor prediction, Tensor target) {
        if (isProbabilities(target)) {
            return probabilities(prediction, target);
        }
        if (weight != null) {
            return weighted(prediction, target);
        }
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

    /** Targets of more than one dimension are class probabilities (the shape check then asks for the input's). */
    private static boolean isProbabilities(Tensor target) {
        return target != null && target.dim() > 1;
    }

    /**
     * The loss of class probabilities (the class comment's last paragraph), composed from log-softmax, products and
     * a sum, so that autograd gives both gradients.
     */
    private Tensor probabilities(Tensor prediction, Tensor target) {
        Targets.requireProbabilityShapes("CrossEntropyLoss", prediction, target);
        int classes = prediction.size(1);
        Tensor t = labelSmoothing == 0 ? target : target.mul(1 - labelSmoothing).add(labelSmoothing / classes);
        Tensor terms = prediction.logSoftmax(1).mul(t); // [N, C]
        if (weight != null) {
            requireWeightPerClass(prediction);
            terms = terms.mul(Tensor.of(weight, 1, classes).to(terms.dtype()));
        }
        return reduction.apply(terms.sum(1, false).neg()); // the mean over N, with weights or without, as PyTorch
    }

    /**
     * With class weights and class indices, sum_i w[t_i] over the batch, the mean's denominator; else (class
     * probabilities, or no weights) the number of samples.
     */
    @Override
    public double batchWeight(Tensor prediction, Tensor target) {
        if (weight == null || isProbabilities(target)) {
            return Loss.super.batchWeight(prediction, target);
        }
        double total = 0;
        for (double w : rowWeights(prediction, Targets.classIndices("CrossEntropyLoss", prediction, target))) {
            total += w;
        }
        return total;
    }

    /** w[t_i] for each row's class index {@code index} [N, 1] of the scores {@code prediction} [N, C]. */
    private double[] rowWeights(Tensor prediction, Tensor index) {
        requireWeightPerClass(prediction);
        double[] t = index.toDoubleArray();
        double[] perRow = new double[t.length];
        for (int i = 0; i < t.length; i++) {
            perRow[i] = weight[(int) t[i]];
        }
        return perRow;
    }

    private void requireWeightPerClass(Tensor prediction) {
        if (prediction.size(1) != weight.length) {
            throw new IllegalArgumentException("CrossEntropyLoss: " + weight.length + " class weights for scores of "
                    + prediction.size(1) + " classes");
        }
    }

    /** The class-weighted loss of the class comment, composed from log-softmax, gather and products. */
    private Tensor weighted(Tensor prediction, Tensor target) {
        Tensor index = Targets.classIndices("CrossEntropyLoss", prediction, target);
        int n = prediction.size(0), classes = prediction.size(1);
        double[] perRow = rowWeights(prediction, index);
        double total = 0;
        for (double w : perRow) {
            total += w;
        }
        Tensor logp = prediction.logSoftmax(1);
        Tensor rowWeight = Tensor.of(perRow, n, 1).to(prediction.dtype());
        Tensor perSample = logp.gather(1, index).neg().mul(rowWeight); // [N, 1]
        if (labelSmoothing > 0) {
            Tensor classWeight = Tensor.of(weight, 1, classes).to(prediction.dtype());
            Tensor smooth = logp.neg().mul(classWeight).mean(1, true);
            perSample = perSample.mul(1 - labelSmoothing).add(smooth.mul(labelSmoothing));
        }
        perSample = perSample.reshape(n);
        return switch (reduction) {
            case MEAN -> perSample.sum().div(total);
            case SUM -> perSample.sum();
            case NONE -> perSample;
        };
    }
}
