package io.jgrad.optim;

import io.jgrad.tensor.PythonRepr;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Divides the learning rate when a monitored metric stops improving, as PyTorch 1.13's
 * {@code ReduceLROnPlateau} with {@code threshold_mode='rel'}: a metric improves on the best so far when it is
 * below best * (1 - threshold) (mode MIN) or above best * (1 + threshold) (mode MAX). After more than
 * {@code patience} epochs without improvement, lr = max(lr * factor, minLr) (changes smaller than 1e-8 are
 * skipped), then {@code cooldown} epochs pass before bad epochs count again.
 *
 * <p>Not an {@link LrScheduler}: its step needs the metric, {@link #step(double)}.
 */
public final class ReduceLROnPlateau {
    /** Whether lower (MIN, e.g. a loss) or higher (MAX, e.g. an accuracy) metrics are better. */
    public enum Mode { MIN, MAX }

    private static final double EPS = 1e-8;

    private final Optimizer optimizer;
    private final Mode mode;
    private final double factor;
    private final int patience;
    private final double threshold;
    private final int cooldown;
    private final double minLr;
    private double best;
    private int badEpochs;
    private int cooldownCounter;
    private int lastEpoch;

    /** PyTorch's defaults: factor 0.1, patience 10, threshold 1e-4, no cooldown, minLr 0. */
    public ReduceLROnPlateau(Optimizer optimizer, Mode mode) {
        this(optimizer, mode, 0.1, 10, 1e-4, 0, 0);
    }

    /** With every option of the class comment; factor in [0, 1), patience, threshold, cooldown and minLr &gt;= 0. */
    public ReduceLROnPlateau(Optimizer optimizer, Mode mode, double factor, int patience, double threshold, int cooldown,
            double minLr) {
        if (optimizer == null || mode == null) {
            throw new IllegalArgumentException("ReduceLROnPlateau: optimizer and mode must not be null");
        }
        Optimizer.require(factor >= 0 && factor < 1, "ReduceLROnPlateau", "factor", factor, "in [0, 1)");
        Optimizer.require(patience >= 0, "ReduceLROnPlateau", "patience", patience, ">= 0");
        Optimizer.require(threshold >= 0 && Double.isFinite(threshold), "ReduceLROnPlateau", "threshold", threshold, "finite and >= 0");
        Optimizer.require(cooldown >= 0, "ReduceLROnPlateau", "cooldown", cooldown, ">= 0");
        Optimizer.require(minLr >= 0, "ReduceLROnPlateau", "minLr", minLr, ">= 0");
        this.optimizer = optimizer;
        this.mode = mode;
        this.factor = factor;
        this.patience = patience;
        this.threshold = threshold;
        this.cooldown = cooldown;
        this.minLr = minLr;
        this.best = mode == Mode.MIN ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
    }

    /** The optimizer whose rate {@link #step(double)} lowers. */
    public Optimizer optimizer() {
        return optimizer;
    }

    /** Whether lower (MIN) or higher (MAX) metrics are better, so that a training loop can check it feeds a fitting one. */
    public Mode mode() {
        return mode;
    }

    /** Records one epoch's metric and lowers the optimizer's rate after a plateau. Modified: the optimizer, this. */
    public void step(double metric) {
        lastEpoch++;
        boolean better = mode == Mode.MIN ? metric < best * (1 - threshold) : metric > best * (threshold + 1);
        if (better) {
            best = metric;
            badEpochs = 0;
        } else {
            badEpochs++;
        }
        if (cooldownCounter > 0) {
            cooldownCounter--;
            badEpochs = 0; // bad epochs during cooldown do not count
        }
        if (badEpochs > patience) {
            double oldLr = optimizer.lr();
            double newLr = Math.max(oldLr * factor, minLr);
            if (oldLr - newLr > EPS) {
                optimizer.setLr(newLr);
            }
            cooldownCounter = cooldown;
            badEpochs = 0;
        }
    }

    /** The optimizer's current learning rate. */
    public double lr() {
        return optimizer.lr();
    }

    /** The settings, by PyTorch's argument names; mode as 0 (min) or 1 (max). */
    private Map<String, Double> options() {
        return Options.of("mode", mode.ordinal(), "factor", factor, "patience", patience, "threshold", threshold,
                "cooldown", cooldown, "min_lr", minLr);
    }

    /**
     * best, num_bad_epochs, cooldown_counter and last_epoch, for checkpoints, then the settings as
     * {@code "ReduceLROnPlateau.<setting>"} ({@code mode} 0 for min, 1 for max), so that a load can tell them apart.
     */
    public Map<String, Double> stateDict() {
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("best", best);
        out.put("num_bad_epochs", (double) badEpochs);
        out.put("cooldown_counter", (double) cooldownCounter);
        out.put("last_epoch", (double) lastEpoch);
        options().forEach((name, v) -> out.put("ReduceLROnPlateau." + name, v));
        return out;
    }

    /**
     * Restores the counters saved by {@link #stateDict()}. A state whose settings or kind ({@code "<Kind>"}) name
     * another kind of schedule, or whose settings hold other values (a MIN state's best of +inf would never improve
     * under MAX), is refused, naming both; one without them (saved before jgrad recorded them) is taken as before.
     * Modified: this.
     */
    public void loadStateDict(Map<String, Double> state) {
        EpochScheduler.requireEntries("ReduceLROnPlateau.loadStateDict", state);
        Optimizer.checkKind("ReduceLROnPlateau.loadStateDict", "ReduceLROnPlateau", EpochScheduler.savedKind(state));
        Optimizer.checkOptions("ReduceLROnPlateau.loadStateDict", "ReduceLROnPlateau", options(),
                EpochScheduler.savedOptions("ReduceLROnPlateau.loadStateDict", state), Map.of("mode", java.util.List.of("min", "max")));
        EpochScheduler.requireEntries("ReduceLROnPlateau.loadStateDict", state, "best", "num_bad_epochs",
                "cooldown_counter", "last_epoch");
        // all checked before any is taken: a rejected state leaves the scheduler as it was
        Optimizer.require(!Double.isNaN(state.get("best")), "ReduceLROnPlateau.loadStateDict", "best", state.get("best"),
                "a number (infinite before the first epoch)");
        for (String key : new String[] {"num_bad_epochs", "cooldown_counter", "last_epoch"}) {
            double v = state.get(key);
            Optimizer.require(Optimizer.isCount(v, Integer.MAX_VALUE), "ReduceLROnPlateau.loadStateDict", key,
                    v, "a whole number >= 0");
        }
        best = state.get("best");
        badEpochs = (int) Math.round(state.get("num_bad_epochs"));
        cooldownCounter = (int) Math.round(state.get("cooldown_counter"));
        lastEpoch = (int) Math.round(state.get("last_epoch"));
    }

    /** The class and its settings, by PyTorch's argument names, as a module prints, e.g. {@code StepLR(step_size=30, gamma=0.1)}. */
    @Override
    public String toString() {
        return "ReduceLROnPlateau(mode='" + mode.name().toLowerCase(java.util.Locale.ROOT) + "', factor=" + PythonRepr.of(factor)
                + ", patience=" + patience + ", threshold=" + PythonRepr.of(threshold) + ", cooldown=" + cooldown
                + ", min_lr=" + PythonRepr.of(minLr) + ")";
    }
}
