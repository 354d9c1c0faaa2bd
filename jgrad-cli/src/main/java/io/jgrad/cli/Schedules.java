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
import java.util.Map;

/** Parses --schedule values such as {@code step:10:0.5} into learning-rate schedules stepped once per epoch. */
final class Schedules {
    private Schedules() {}

    /**
     * Installs the schedule {@code spec} on the trainer and returns it (an {@link LrScheduler}, a
     * {@link ReduceLROnPlateau}, or null for none), for {@link #state} and {@link #loadState}. Modified: trainer.
     */
    static Object apply(String spec, Optimizer opt, int epochs, Trainer trainer) {
        Object s = create(spec, opt, epochs);
        if (s instanceof LrScheduler ls) {
            trainer.scheduler(ls);
        } else if (s instanceof ReduceLROnPlateau p) {
            trainer.scheduler(p);
        }
        return s;
    }

    /** The counters of a schedule returned by {@link #apply} (empty for none), saved with each checkpoint. */
    static Map<String, Double> state(Object schedule) {
        return switch (schedule) {
            case LrScheduler ls -> ls.stateDict();
            case ReduceLROnPlateau p -> p.stateDict();
            case null, default -> Map.of();
        };
    }

    /**
     * Restores the counters saved by {@link #state} in {@code file}, so that a resumed run continues the schedule
     * instead of restarting it from the decayed rate; a state saved for another kind of schedule or other settings is
     * refused, naming the file. Modified: schedule.
     */
    static void loadState(Object schedule, Map<String, Double> state, java.nio.file.Path file) {
        if (schedule == null) {
            return;
        }
        try {
            switch (schedule) {
                case LrScheduler ls -> ls.loadStateDict(state);
                case ReduceLROnPlateau p -> p.loadStateDict(state);
                default -> throw new IllegalStateException("not a schedule: " + schedule);
            }
        } catch (IllegalArgumentException e) {
            throw new UserError(file + ": the state saved for --schedule does not fit it: " + e.getMessage());
        }
    }

    /**
     * Throws {@link UserError} if {@code spec} is not a valid schedule, so that a typo is reported before the
     * data is loaded and training starts.
     */
    static void check(String spec, int epochs) {
        checkForm(spec);
        create(spec, new SGD(java.util.List.of(Tensor.zeros(1).requiresGrad(true)), 0.1), epochs);
    }

    /** The number of fields of each kind of schedule, and the ranges of its numbers (which the schedules do not check). */
    private static void checkForm(String spec) {
        String expected = "; expected none, step:N[:gamma], exponential:gamma, cosine[:min_lr] or plateau[:patience], e.g. step:10:0.5";
        String[] p = spec.trim().toLowerCase(java.util.Locale.ROOT).split(":", -1);
        int max = switch (p[0]) {
            case "none" -> 1;
            case "step" -> 3;
            case "exponential", "exp", "cosine", "plateau" -> 2;
            default -> Integer.MAX_VALUE; // unknown names are reported by create
        };
        if (p[0].isEmpty()) {
            throw new UserError("--schedule: the value is empty" + expected);
        }
        if (p.length > max) {
            throw new UserError("--schedule " + spec + ": too many fields (" + p.length + ")" + expected);
        }
        for (int i = 1; i < p.length; i++) {
            if (p[i].isBlank()) {
                throw new UserError("--schedule " + spec + ": field " + (i + 1) + " is empty" + expected);
            }
            double v;
            try {
                v = Double.parseDouble(p[i]);
            } catch (NumberFormatException e) {
                continue; // reported by create
            }
            boolean gamma = p[0].startsWith("exp") || p[0].equals("step") && i == 2;
            if (!Double.isFinite(v) || v < 0 || gamma && v == 0) {
                throw new UserError("--schedule " + spec + ": " + p[i] + " is not a " + (gamma ? "positive" : "non-negative") + " finite number" + expected);
            }
        }
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
