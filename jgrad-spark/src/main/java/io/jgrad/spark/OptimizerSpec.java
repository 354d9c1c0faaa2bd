package io.jgrad.spark;

import io.jgrad.optim.Optimizer;
import io.jgrad.optim.Optimizers;
import io.jgrad.tensor.Tensor;
import java.util.Map;

/**
 * Which {@link Optimizer} to build and with what settings, as {@code jgrad train}'s flags choose it: the
 * driver builds one for the model; with local SGD every partition builds its own copy from the same spec.
 *
 * @param name sgd, adam, adamw, rmsprop or adagrad
 */
public record OptimizerSpec(String name, double lr, double momentum, double weightDecay) {

    public OptimizerSpec {
        if (!Optimizers.known(name)) {
            throw new IllegalArgumentException("OptimizerSpec: unknown optimizer '" + name
                    + "'; expected " + Optimizers.NAMES_IN_WORDS);
        }
    }

    /** The optimizer of {@code params}, as jgrad train builds it ({@link Optimizers#create}). */
    public Optimizer create(Map<String, Tensor> params) {
        return Optimizers.create(name, params, lr, momentum, weightDecay);
    }

    /** The CLI's default learning rate for an optimizer name. */
    public static double defaultLr(String name) {
        return Optimizers.defaultLr(name);
    }
}
