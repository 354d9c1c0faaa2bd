/**
 * Neural-network building blocks on top of {@link io.jgrad.tensor.Tensor}: {@link io.jgrad.nn.Module} (named
 * parameters, state dicts in PyTorch's naming, train/eval mode), layers ({@link io.jgrad.nn.Linear},
 * {@link io.jgrad.nn.Sequential}, {@link io.jgrad.nn.Dropout}, {@link io.jgrad.nn.Flatten}), activations,
 * losses ({@link io.jgrad.nn.Loss}: MSE, BCE, cross-entropy, NLL) and weight initialisation
 * ({@link io.jgrad.nn.Init}). Semantics and defaults follow PyTorch 1.13 so that results can be compared.
 */
package io.jgrad.nn;
