package io.jgrad.cli;

import io.jgrad.optim.CosineAnnealingLR;
import io.jgrad.optim.ExponentialLR;
import io.jgrad.optim.LrScheduler;
import io.jgrad.optim.Optimizer;
import io.jgrad.optim.ReduceLROnPlateau;
import io.jgrad.optim.SGD;
import io.jgrad.optim.StepLR;
import io.jgrad.tensor.Tensor;
import io.jgrad.train.Trainer;

/** Parses --schedule values such as {@code step:10:0.5} into learning-rate schedules stepped once per epoch. */
final class Schedules {
    private Schedules() {}

    /** Installs the schedule {@code spec} on the trainer. Modified: trainer. */
    static void apply(String spec, Optimizer opt, int epochs, Trainer trainer) {
        Object s = create(spec, opt, epochs);
        if (s instanceof LrScheduler ls) {
            trainer.scheduler(ls);
        } else if (s instanceof ReduceLROnPlateau p) {
            trainer.scheduler(p);
        }
    }

    /**
     * Throws {@link UserError} if {@code spec} is not a valid schedule, so that a typo is reported before the
     * data is loaded and training starts.
     */
    static void check(String spec, int epochs) {
        create(spec, new SGD(java.util.List.of(Tensor.zeros(1).requiresGrad(true)), 0.1), epochs);
    }

    private static Object create(String spec, Optimizer opt, int epochs) {
        String[] p = spec.trim().toLowerCase(java.util.Locale.ROOT).split(":");
        try {
            return switch (p[0]) {
                case "none", "" -> null;
                case "step" -> new StepLR(opt, Integer.parseInt(p[1]), p.length > 2 ? Double.parseDouble(p[2]) : 0.1);
                case "exponential", "exp" -> new ExponentialLR(opt, Double.parseDouble(p[1]));
                case "cosine" -> new CosineAnnealingLR(opt, epochs, p.length > 1 ? Double.parseDouble(p[1]) : 0.0);
                case "plateau" -> new ReduceLROnPlateau(opt, ReduceLROnPlateau.Mode.MIN, 0.1,
                        p.length > 1 ? Integer.parseInt(p[1]) : 10, 1e-4, 0, 0.0);
                default -> throw new UserError("--schedule " + spec + ": unknown schedule; expected none, step:N[:gamma],"
                        + " exponential:gamma, cosine[:min_lr] or plateau[:patience]");
            };
        } catch (ArrayIndexOutOfBoundsException | NumberFormatException e) {
            throw new UserError("--schedule " + spec + ": expected none, step:N[:gamma], exponential:gamma, cosine[:min_lr]"
                    + " or plateau[:patience] with numbers, e.g. step:10:0.5");
        } catch (IllegalArgumentException e) {
            throw new UserError("--schedule " + spec + ": " + e.getMessage());
        }
    }
}
