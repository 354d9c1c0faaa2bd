package io.jgrad.cli;

import io.jgrad.optim.Optimizer;
import io.jgrad.tensor.Tensor;
import io.jgrad.train.TrainFlags;
import java.util.List;
import java.util.Map;

/** The --optimizer names and defaults ({@link io.jgrad.optim.Optimizers}), with errors worded for the flags. */
final class Optimizers {
    private Optimizers() {}

    static final List<String> NAMES = io.jgrad.optim.Optimizers.NAMES;

    /**
     * The name --optimizer {@code given} names, in lower case; else a {@link UserError} naming the flag, the value and
     * the choices, in the words jgrad train --spark uses ({@link TrainFlags#optimizer}).
     */
    static String known(String given) {
        return Flags.users(() -> TrainFlags.optimizer(given));
    }

    /**
     * A --momentum (null: not given) for an optimizer that has none is a {@link UserError}: it was ignored in silence,
     * and a user comparing with SGD would believe it applied.
     */
    static void checkMomentum(String name, Double momentum) {
        String refusal = momentum == null ? null : io.jgrad.optim.Optimizers.momentumRefusal(name, momentum);
        if (refusal != null) {
            throw new UserError(refusal);
        }
    }

    static double defaultLr(String name) {
        return io.jgrad.optim.Optimizers.defaultLr(name);
    }

    /** Whether the optimizer's update uses --momentum (sgd and rmsprop); the others ignore it. */
    static boolean takesMomentum(String name) {
        return io.jgrad.optim.Optimizers.takesMomentum(name);
    }

    static double defaultWeightDecay(String name) {
        return io.jgrad.optim.Optimizers.defaultWeightDecay(name);
    }

    static Optimizer create(String name, Map<String, Tensor> params, double lr, double momentum, double weightDecay) {
        known(name);
        try {
            return io.jgrad.optim.Optimizers.create(name, params, lr, momentum, weightDecay);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
    }
}
