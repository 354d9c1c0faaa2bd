package io.jgrad.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jgrad.nn.Linear;
import io.jgrad.nn.Module;
import io.jgrad.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every hyper-parameter of every optimizer and scheduler, out of its range and NaN, is refused at construction
 * with a message that names the class and the argument. Ranges are PyTorch 1.13's checks (lr, eps, momentum,
 * weight decay, alpha, lr decay, initial accumulator >= 0; betas in [0, 1); nesterov needs momentum and no
 * dampening; plateau factor below 1), plus the ones where PyTorch fails later or never (step size and tMax >= 1,
 * gamma, etaMin, threshold, patience, cooldown, minLr, factor >= 0). {@link OptimizerStateTest} checks a few.
 */
class ArgumentValidationTest {
    static final double NAN = Double.NaN;

    private static List<Tensor> params() {
        return List.of(Tensor.zeros(2).requiresGrad(true));
    }

    private static void refused(String who, String argument, Runnable r) {
        var e = assertThrows(IllegalArgumentException.class, r::run, who + " " + argument);
        assertTrue(e.getMessage().startsWith(who) && e.getMessage().contains(argument),
                "message should name " + who + " and " + argument + ": " + e.getMessage());
    }

    @Test
    void optimizersRefuseOutOfRangeAndNaNArguments() {
        for (double bad : new double[] {-1e-3, NAN}) {
            refused("SGD", "lr", () -> new SGD(params(), bad));
            refused("SGD", "momentum", () -> new SGD(params(), 0.1, bad, 0, 0, false));
            refused("SGD", "weightDecay", () -> new SGD(params(), 0.1, 0.9, 0, bad, false));
            refused("Adam", "lr", () -> new Adam(params(), bad));
            refused("Adam", "eps", () -> new Adam(params(), 0.1, 0.9, 0.999, bad, 0, false));
            refused("Adam", "weightDecay", () -> new Adam(params(), 0.1, 0.9, 0.999, 1e-8, bad, false));
            refused("AdamW", "lr", () -> new AdamW(params(), bad));
            refused("AdamW", "eps", () -> new AdamW(params(), 0.1, 0.9, 0.999, bad, 0, false));
            refused("AdamW", "weightDecay", () -> new AdamW(params(), 0.1, 0.9, 0.999, 1e-8, bad, false));
            refused("RMSprop", "lr", () -> new RMSprop(params(), bad, 0.99, 1e-8, 0, 0, false));
            refused("RMSprop", "alpha", () -> new RMSprop(params(), 0.1, bad, 1e-8, 0, 0, false));
            refused("RMSprop", "eps", () -> new RMSprop(params(), 0.1, 0.99, bad, 0, 0, false));
            refused("RMSprop", "weightDecay", () -> new RMSprop(params(), 0.1, 0.99, 1e-8, bad, 0, false));
            refused("RMSprop", "momentum", () -> new RMSprop(params(), 0.1, 0.99, 1e-8, 0, bad, false));
            refused("Adagrad", "lr", () -> new Adagrad(params(), bad, 0, 0, 0, 1e-10));
            refused("Adagrad", "lrDecay", () -> new Adagrad(params(), 0.1, bad, 0, 0, 1e-10));
            refused("Adagrad", "weightDecay", () -> new Adagrad(params(), 0.1, 0, bad, 0, 1e-10));
            refused("Adagrad", "initialAccumulatorValue", () -> new Adagrad(params(), 0.1, 0, 0, bad, 1e-10));
            refused("Adagrad", "eps", () -> new Adagrad(params(), 0.1, 0, 0, 0, bad));
        }
        for (double bad : new double[] {-0.1, 1.0, 1.5, NAN}) {
            refused("Adam", "beta1", () -> new Adam(params(), 0.1, bad, 0.999, 1e-8, 0, false));
            refused("Adam", "beta2", () -> new Adam(params(), 0.1, 0.9, bad, 1e-8, 0, false));
            refused("AdamW", "beta1", () -> new AdamW(params(), 0.1, bad, 0.999, 1e-8, 0, false));
            refused("AdamW", "beta2", () -> new AdamW(params(), 0.1, 0.9, bad, 1e-8, 0, false));
        }
        refused("SGD", "dampening", () -> new SGD(params(), 0.1, 0.9, NAN, 0, false));
        refused("SGD", "lr", () -> new SGD(params(), Double.POSITIVE_INFINITY));
        refused("SGD", "nesterov", () -> new SGD(params(), 0.1, 0, 0, 0, true));
        refused("SGD", "nesterov", () -> new SGD(params(), 0.1, 0.9, 0.5, 0, true));
        // the edges of the ranges are accepted, as in PyTorch
        new Adam(params(), 0, 0, 0, 0, 0, true);
        new RMSprop(params(), 0, 0, 0, 0, 0, true);
        new Adagrad(params(), 0, 0, 0, 0, 0);
    }

    /** A layer kept in a field without registerModule: its parameters are not the module's. */
    private static final class Unregistered extends Module {
        private final Linear fc = new Linear(2, 1);

        @Override
        public Tensor forward(Tensor x) {
            return fc.forward(x);
        }
    }

    private static Optimizer make(String who, List<Tensor> params) {
        return switch (who) {
            case "SGD" -> new SGD(params, 0.1);
            case "Adam" -> new Adam(params, 0.1);
            case "AdamW" -> new AdamW(params, 0.1);
            case "RMSprop" -> new RMSprop(params, 0.1);
            default -> new Adagrad(params, 0.1);
        };
    }

    @Test
    void optimizersRefuseBadParameterListsNamingTheClass() {
        // the messages began "optimizer:", naming no class, and an empty list gave no hint why a model has none
        for (String who : List.of("SGD", "Adam", "AdamW", "RMSprop", "Adagrad")) {
            List<Tensor> none = new Unregistered().parameters();
            var e = assertThrows(IllegalArgumentException.class, () -> make(who, none));
            assertTrue(e.getMessage().startsWith(who + ": got an empty parameter list") && e.getMessage().contains("registerModule")
                    && e.getMessage().contains("registerParameter"), e.getMessage());
            Tensor w = Tensor.zeros(2).requiresGrad(true);
            refused(who, "parameter 1", () -> make(who, List.of(w, w)));
            refused(who, "parameter 0", () -> make(who, List.of(w.mul(2))));
        }
        refused("SGD", "params is null", () -> new SGD((List<Tensor>) null, 0.1));
        refused("Adam", "params is null", () -> new Adam((java.util.Map<String, Tensor>) null, 0.1));
    }

    @Test
    void schedulersRefuseOutOfRangeAndNaNArguments() {
        SGD opt = new SGD(params(), 0.1);
        refused("StepLR", "stepSize", () -> new StepLR(opt, 0));
        refused("StepLR", "gamma", () -> new StepLR(opt, 2, -0.5));
        refused("StepLR", "gamma", () -> new StepLR(opt, 2, NAN));
        refused("ExponentialLR", "gamma", () -> new ExponentialLR(opt, -0.5));
        refused("ExponentialLR", "gamma", () -> new ExponentialLR(opt, Double.POSITIVE_INFINITY));
        refused("CosineAnnealingLR", "tMax", () -> new CosineAnnealingLR(opt, 0));
        refused("CosineAnnealingLR", "etaMin", () -> new CosineAnnealingLR(opt, 5, -0.01));
        refused("CosineAnnealingLR", "etaMin", () -> new CosineAnnealingLR(opt, 5, NAN));
        refused("StepLR", "optimizer", () -> new StepLR(null, 2));
        var min = ReduceLROnPlateau.Mode.MIN;
        for (double bad : new double[] {-0.1, 1.0, NAN}) {
            refused("ReduceLROnPlateau", "factor", () -> new ReduceLROnPlateau(opt, min, bad, 1, 1e-4, 0, 0));
        }
        refused("ReduceLROnPlateau", "patience", () -> new ReduceLROnPlateau(opt, min, 0.1, -1, 1e-4, 0, 0));
        refused("ReduceLROnPlateau", "threshold", () -> new ReduceLROnPlateau(opt, min, 0.1, 1, -1e-4, 0, 0));
        refused("ReduceLROnPlateau", "threshold", () -> new ReduceLROnPlateau(opt, min, 0.1, 1, NAN, 0, 0));
        refused("ReduceLROnPlateau", "cooldown", () -> new ReduceLROnPlateau(opt, min, 0.1, 1, 1e-4, -1, 0));
        refused("ReduceLROnPlateau", "minLr", () -> new ReduceLROnPlateau(opt, min, 0.1, 1, 1e-4, 0, -1));
        refused("ReduceLROnPlateau", "minLr", () -> new ReduceLROnPlateau(opt, min, 0.1, 1, 1e-4, 0, NAN));
        refused("ReduceLROnPlateau", "mode", () -> new ReduceLROnPlateau(opt, null));
        refused("clipGradNorm", "maxNorm", () -> GradientClipping.clipGradNorm(params(), -1));
        refused("clipGradNorm", "maxNorm", () -> GradientClipping.clipGradNorm(params(), NAN));
        assertEquals(0.1, opt.lr(), "refused schedulers leave the rate alone");
    }
}
