/**
 * Optimizers that update parameters from their gradients ({@link io.jgrad.optim.SGD}, {@link io.jgrad.optim.Adam},
 * {@link io.jgrad.optim.AdamW}, {@link io.jgrad.optim.RMSprop}, {@link io.jgrad.optim.Adagrad}, and by name through
 * {@link io.jgrad.optim.Optimizers}, the table the command line and Spark training share), learning-rate
 * schedules ({@link io.jgrad.optim.LrScheduler} and {@link io.jgrad.optim.ReduceLROnPlateau}) and
 * {@link io.jgrad.optim.GradientClipping}.
 *
 * <p>Update rules, defaults and the order of the float32 operations follow PyTorch 1.13's single-tensor
 * ({@code foreach=False}) code paths, so that training runs agree with PyTorch to rounding. Optimizer and
 * scheduler state can be saved ({@code stateDict()}) and restored ({@code loadStateDict}) so that a resumed run
 * continues bitwise as if it had never stopped. Each state records its kind and options ({@code "SGD.momentum"},
 * {@code "StepLR.gamma"}, ...), and a load refuses a state of another kind or other options, naming both, rather
 * than continue silently with different ones; a state saved before they were recorded loads unchecked.
 */
package io.jgrad.optim;
