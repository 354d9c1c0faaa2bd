/**
 * Training: the {@link io.jgrad.train.Trainer} epoch loop (forward, loss, backward, optimizer step), the
 * metrics it records per epoch (loss, accuracy, per-layer gradient and weight norms) and their CSV file
 * ({@link io.jgrad.train.MetricsCsv}), what jgrad-spark's trainer shares with it ({@link io.jgrad.train.StoppingRules},
 * {@link io.jgrad.train.GradientNorms}, {@link io.jgrad.train.GradientSpread}), the confusion matrix, callbacks, and
 * the progress bar.
 */
package io.jgrad.train;
