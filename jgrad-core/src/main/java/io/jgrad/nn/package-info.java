/**
 * Neural-network building blocks on top of {@link io.jgrad.tensor.Tensor}: {@link io.jgrad.nn.Module} (named
 * parameters, state dicts in PyTorch's naming, train/eval mode), layers ({@link io.jgrad.nn.Linear},
 * {@link io.jgrad.nn.Sequential}, {@link io.jgrad.nn.Dropout}, {@link io.jgrad.nn.Flatten}), convolutional layers
 * on NCHW images ({@link io.jgrad.nn.Conv2d}, {@link io.jgrad.nn.MaxPool2d}, {@link io.jgrad.nn.AvgPool2d},
 * {@link io.jgrad.nn.AdaptiveAvgPool2d}, {@link io.jgrad.nn.BatchNorm1d}, {@link io.jgrad.nn.BatchNorm2d},
 * {@link io.jgrad.nn.Dropout2d}), activations,
 * losses ({@link io.jgrad.nn.Loss}: MSE, BCE, cross-entropy, NLL) and weight initialisation
 * ({@link io.jgrad.nn.Init}). Semantics and defaults follow PyTorch 1.13 so that results can be compared.
 */
package io.jgrad.nn;
