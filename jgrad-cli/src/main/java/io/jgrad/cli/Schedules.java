package io.jgrad.cli;

import io.jgrad.optim.LrScheduler;
import io.jgrad.optim.Optimizer;
import io.jgrad.optim.ReduceLROnPlateau;
import io.jgrad.train.Trainer;
import java.util.Map;

/**
 * The --schedule of a run ({@link io.jgrad.optim.Schedules}, which Spark training shares), installed on a {@link Trainer}
 * and checkpointed with it, with errors as {@link UserError}s.
 */
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
        return io.jgrad.optim.Schedules.state(schedule);
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
        try {
            io.jgrad.optim.Schedules.check(spec, epochs);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
    }

    private static Object create(String spec, Optimizer opt, int epochs) {
        try {
            return io.jgrad.optim.Schedules.create(spec, opt, epochs);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
    }
}
