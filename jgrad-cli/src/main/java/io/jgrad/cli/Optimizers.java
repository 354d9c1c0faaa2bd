package io.jgrad.cli;

import io.jgrad.optim.Adagrad;
import io.jgrad.optim.Adam;
import io.jgrad.optim.AdamW;
import io.jgrad.optim.Optimizer;
import io.jgrad.optim.RMSprop;
import io.jgrad.optim.SGD;
import io.jgrad.tensor.Tensor;
import java.util.Map;

/** The optimizer names the CLI accepts and their defaults. */
final class Optimizers {
    private Optimizers() {}

    static final java.util.List<String> NAMES = java.util.List.of("sgd", "adam", "adamw", "rmsprop", "adagrad");

    /** {@code name} if it is one of {@link #NAMES}; else a {@link UserError} naming the flag and the choices. */
    static String known(String name) {
        if (!NAMES.contains(name)) {
            throw new UserError("--optimizer " + name + ": unknown optimizer; expected sgd, adam, adamw, rmsprop or adagrad");
        }
        return name;
    }

    static double defaultLr(String name) {
        return switch (name) {
            case "sgd" -> 0.05;
            case "adagrad" -> 0.01;
            default -> 0.001;
        };
    }

    static double defaultWeightDecay(String name) {
        return name.equals("adamw") ? 0.01 : 0.0;
    }

    static Optimizer create(String name, Map<String, Tensor> params, double lr, double momentum, double weightDecay) {
        try {
            return switch (name) {
                case "sgd" -> new SGD(params, lr, momentum, 0, weightDecay, false);
                case "adam" -> new Adam(params, lr, 0.9, 0.999, 1e-8, weightDecay, false);
                case "adamw" -> new AdamW(params, lr, 0.9, 0.999, 1e-8, weightDecay, false);
                case "rmsprop" -> new RMSprop(params, lr, 0.99, 1e-8, weightDecay, momentum, false);
                case "adagrad" -> new Adagrad(params, lr, 0, weightDecay, 0, 1e-10);
                default -> throw new UserError("--optimizer " + name + ": unknown optimizer; expected sgd, adam, adamw, rmsprop or adagrad");
            };
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
    }
}
