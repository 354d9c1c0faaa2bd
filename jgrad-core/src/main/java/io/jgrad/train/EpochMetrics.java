package io.jgrad.train;

import java.util.Map;

/**
 * What one epoch measured. Losses are means over samples, batches weighted by their size (a loss that sums over
 * its batch, as HalfSquaredErrorLoss, is added up and divided by the number of samples); accuracies are fractions in [0, 1] (NaN for
 * regression or when there is no validation set). {@code gradNorms} holds, per parameter tensor
 * (e.g. {@code 0.weight}), the mean over the epoch's steps of the L2 norm of its gradient: in a deep
 * sigmoid network the first layers' values are orders of magnitude smaller (vanishing gradients).
 * {@code weightNorms} holds the L2 norm of each parameter at the end of the epoch. {@code hasValidation} is true when
 * a validation set was evaluated after the epoch, also when its loss is NaN (a NaN in the validation data): a
 * regression's NaN validation loss and its accuracy, NaN as always, do not say so by themselves.
 */
public record EpochMetrics(int epoch, double trainLoss, double trainAccuracy, double valLoss, double valAccuracy,
                           double learningRate, double seconds, Map<String, Double> gradNorms,
                           Map<String, Double> weightNorms, boolean hasValidation) {
    /**
     * @throws IllegalArgumentException if {@code hasValidation} is false but the validation loss or accuracy is a number
     */
    public EpochMetrics {
        if (!hasValidation && !(Double.isNaN(valLoss) && Double.isNaN(valAccuracy))) {
            throw new IllegalArgumentException("EpochMetrics: epoch " + epoch + " has a validation loss " + valLoss
                    + " and accuracy " + valAccuracy + " but hasValidation false; expected both NaN without validation");
        }
    }

    /**
     * Metrics whose {@code hasValidation} is read from the values: true when the validation loss or accuracy is a
     * number. A classifier's validation loss that is NaN counts, its accuracy being a number; a regression's reads as
     * none (use the canonical constructor to say it was validated).
     */
    public EpochMetrics(int epoch, double trainLoss, double trainAccuracy, double valLoss, double valAccuracy,
                        double learningRate, double seconds, Map<String, Double> gradNorms, Map<String, Double> weightNorms) {
        this(epoch, trainLoss, trainAccuracy, valLoss, valAccuracy, learningRate, seconds, gradNorms, weightNorms,
                !Double.isNaN(valLoss) || !Double.isNaN(valAccuracy));
    }
}
