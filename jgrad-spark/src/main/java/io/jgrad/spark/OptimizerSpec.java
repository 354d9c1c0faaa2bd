package io.jgrad.spark;

import io.jgrad.optim.Adagrad;
import io.jgrad.optim.Adam;
import io.jgrad.optim.AdamW;
import io.jgrad.optim.Optimizer;
import io.jgrad.optim.RMSprop;
import io.jgrad.optim.SGD;
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
        if (!java.util.List.of("sgd", "adam", "adamw", "rmsprop", "adagrad").contains(name)) {
            throw new IllegalArgumentException("OptimizerSpec: unknown optimizer '" + name
                    + "'; expected sgd, adam, adamw, rmsprop or adagrad");
        }
    }

    /** The optimizer of {@code params}, with the same fixed settings (betas, eps) as the CLI's. */
    public Optimizer create(Map<String, Tensor> params) {
        return switch (name) {
            case "sgd" -> new SGD(params, lr, momentum, 0, weightDecay, false);
            case "adam" -> new Adam(params, lr, 0.9, 0.999, 1e-8, weightDecay, false);
            case "adamw" -> new AdamW(params, lr, 0.9, 0.999, 1e-8, weightDecay, false);
            case "rmsprop" -> new RMSprop(params, lr, 0.99, 1e-8, weightDecay, momentum, false);
            default -> new Adagrad(params, lr, 0, weightDecay, 0, 1e-10);
        };
    }

    /** The CLI's default learning rate for an optimizer name. */
    public static double defaultLr(String name) {
        return switch (name) {
            case "sgd" -> 0.05;
            case "adagrad" -> 0.01;
            default -> 0.001;
        };
    }
}
