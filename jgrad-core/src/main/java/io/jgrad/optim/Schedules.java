package io.jgrad.optim;

import io.jgrad.tensor.Tensor;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The learning-rate schedules by name, as {@code jgrad train --schedule} and Spark training choose them: none,
 * {@code step:N[:gamma]} ({@link StepLR}, gamma 0.1 by default), {@code exponential:gamma} ({@link ExponentialLR}),
 * {@code cosine[:min_lr]} ({@link CosineAnnealingLR} over the run's epochs) and {@code plateau[:patience]}
 * ({@link ReduceLROnPlateau} on the loss, factor 0.1, patience 10 by default). One table, so that one machine and Spark
 * build the same schedule from the same flag. Errors are IllegalArgumentExceptions naming --schedule.
 */
public final class Schedules {
    private Schedules() {}

    private static final String FORMS = "none, step:N[:gamma], exponential:gamma, cosine[:min_lr] or plateau[:patience]";

    /**
     * The schedule {@code spec} of {@code opt}'s learning rate for a run of {@code epochs} epochs: an {@link LrScheduler},
     * a {@link ReduceLROnPlateau}, or null for none. Modified: nothing (the schedules set the rate when stepped).
     *
     * @throws IllegalArgumentException naming --schedule if spec is not one of the forms above
     */
    public static Object create(String spec, Optimizer opt, int epochs) {
        checkForm(spec);
        String[] p = spec.trim().toLowerCase(Locale.ROOT).split(":");
        try {
            return switch (p[0]) {
                case "none", "" -> null;
                case "step" -> new StepLR(opt, Integer.parseInt(p[1]), p.length > 2 ? Double.parseDouble(p[2]) : 0.1);
                case "exponential", "exp" -> new ExponentialLR(opt, Double.parseDouble(p[1]));
                case "cosine" -> new CosineAnnealingLR(opt, epochs, p.length > 1 ? Double.parseDouble(p[1]) : 0.0);
                case "plateau" -> new ReduceLROnPlateau(opt, ReduceLROnPlateau.Mode.MIN, 0.1,
                        p.length > 1 ? Integer.parseInt(p[1]) : 10, 1e-4, 0, 0.0);
                default -> throw new IllegalArgumentException("--schedule " + spec + ": unknown schedule; expected " + FORMS);
            };
        } catch (ArrayIndexOutOfBoundsException | NumberFormatException e) {
            throw new IllegalArgumentException("--schedule " + spec + ": expected " + FORMS + " with numbers, e.g. step:10:0.5");
        } catch (IllegalArgumentException e) {
            throw e.getMessage() != null && e.getMessage().startsWith("--schedule ") ? e
                    : new IllegalArgumentException("--schedule " + spec + ": " + e.getMessage(), e);
        }
    }

    /**
     * Throws IllegalArgumentException naming --schedule if {@code spec} is not a valid schedule for a run of
     * {@code epochs} epochs, so that a typo is reported before the data is loaded and training starts.
     */
    public static void check(String spec, int epochs) {
        create(spec, new SGD(List.of(Tensor.zeros(1).requiresGrad(true)), 0.1), epochs);
    }

    /** The counters of a schedule returned by {@link #create} (empty for none), for a checkpoint. */
    public static Map<String, Double> state(Object schedule) {
        return switch (schedule) {
            case LrScheduler ls -> ls.stateDict();
            case ReduceLROnPlateau p -> p.stateDict();
            case null, default -> Map.of();
        };
    }

    /** The number of fields of each kind of schedule, and the ranges of its numbers (which the schedules do not check). */
    private static void checkForm(String spec) {
        String expected = "; expected " + FORMS + ", e.g. step:10:0.5";
        String[] p = spec.trim().toLowerCase(Locale.ROOT).split(":", -1);
        int max = switch (p[0]) {
            case "none" -> 1;
            case "step" -> 3;
            case "exponential", "exp", "cosine", "plateau" -> 2;
            default -> Integer.MAX_VALUE; // unknown names are reported by create
        };
        if (p[0].isEmpty()) {
            throw new IllegalArgumentException("--schedule: the value is empty" + expected);
        }
        if (p.length > max) {
            throw new IllegalArgumentException("--schedule " + spec + ": too many fields (" + p.length + ")" + expected);
        }
        for (int i = 1; i < p.length; i++) {
            if (p[i].isBlank()) {
                throw new IllegalArgumentException("--schedule " + spec + ": field " + (i + 1) + " is empty" + expected);
            }
            double v;
            try {
                v = Double.parseDouble(p[i]);
            } catch (NumberFormatException e) {
                continue; // reported by create
            }
            boolean gamma = p[0].startsWith("exp") || p[0].equals("step") && i == 2;
            if (!Double.isFinite(v) || v < 0 || gamma && v == 0) {
                throw new IllegalArgumentException("--schedule " + spec + ": " + p[i] + " is not a " + (gamma ? "positive" : "non-negative")
                        + " finite number" + expected);
            }
        }
    }
}
