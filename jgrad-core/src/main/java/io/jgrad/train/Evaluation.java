package io.jgrad.train;

/**
 * The result of evaluating a model on a data set: mean loss per sample, accuracy (NaN for regression) and,
 * for classification, the confusion matrix (null otherwise).
 */
public record Evaluation(double loss, double accuracy, ConfusionMatrix confusion, int samples) {}
