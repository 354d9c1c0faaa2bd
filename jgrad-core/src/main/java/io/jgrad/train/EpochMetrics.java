package io.jgrad.train;

import java.util.Map;

/**
 * What one epoch measured. Losses are means over samples, batches weighted by their size (a loss that sums over
 * its batch, as HalfSquaredErrorLoss, is added up and divided by the number of samples); accuracies are fractions in [0, 1] (NaN for
 * regression or when there is no validation set). {@code gradNorms} holds, per parameter tensor
 * (e.g. {@code 0.weight}), the mean over the epoch's steps of the L2 norm of its gradient: in a deep
 * sigmoid network the first layers' values are orders of magnitude smaller (vanishing gradients).
 * {@code weightNorms} holds the L2 norm of each parameter at the end of the epoch.
 */
public record EpochMetrics(int epoch, double trainLoss, double trainAccuracy, double valLoss, double valAccuracy,
                           double learningRate, double seconds, Map<String, Double> gradNorms,
                           Map<String, Double> weightNorms) {
    /**
     * True when a validation set was evaluated: its loss or its accuracy is a number. A classifier's validation loss
     * that is NaN (a NaN in the validation data) counts, its accuracy being a number; a regression's reads as none.
     */
    public boolean hasValidation() {
        return !Double.isNaN(valLoss) || !Double.isNaN(valAccuracy);
    }
}
