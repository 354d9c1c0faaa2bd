package io.jgrad.train;

import io.jgrad.nn.Module;
import io.jgrad.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rules that end a run before its last epoch, and the weights it then ends with: a target training loss, early
 * stopping on the validation loss (or accuracy) with a patience and a minimum improvement, and restoring the best
 * epoch's weights. {@link Trainer#fit} applies them after each epoch, and so does jgrad-spark's SparkTrainer, so that
 * both stop, restore and give their stop reason ({@link History#stopReason}) alike. One per fit, driven as:
 *
 * <pre>{@code
 * calls.trainStart(firstEpoch, lastEpoch, steps);
 * rules.start(calls, firstEpoch, earlierEpochs);
 * for (...each epoch...) {
 *     ... train, validate: metrics m ...
 *     rules.score(m, model);
 *     if (calls.epochEnd(m) || rules.stop(calls, m)) {
 *         break;
 *     }
 * }
 * rules.finish(calls, lastEpoch, model);
 * return calls.trainEnd();
 * }</pre>
 */
public final class StoppingRules {
    private final double targetLoss;
    private final int patience;
    private final boolean onAccuracy;
    private final double minDelta;
    private final boolean restoreBest;
    private String completed; // "completed N epochs": the reason unless a rule or a callback stops the run earlier
    private int firstEpoch;
    private int lastEpoch;
    private double best = Double.POSITIVE_INFINITY;
    private int badEpochs;
    private int bestEpoch;
    private Map<String, Tensor> bestState; // with restoreBest: the best epoch's weights, from this fit's epochs
    private boolean patienceOut;
    private double score = Double.NaN;

    /**
     * Checks a target loss given to a trainer ({@link Trainer#targetLoss}, the Spark trainer's): a number, negative
     * infinity turning it off. NaN compares false with every loss, so the run would silently never stop on it.
     *
     * @param caller names the setter in the message, e.g. {@code "Trainer.targetLoss"}
     * @return target
     * @throws IllegalArgumentException if target is NaN
     */
    public static double checkTargetLoss(String caller, double target) {
        if (Double.isNaN(target)) {
            throw new IllegalArgumentException(caller + ": target must be a number (e.g. 0.001; negative infinity turns it off),"
                    + " got NaN");
        }
        return target;
    }

    /**
     * Stop after the first epoch whose mean training loss is at or below {@code targetLoss} (negative infinity: never),
     * or once the validation loss (with {@code onAccuracy}, the validation accuracy) has not improved by more than
     * {@code minDelta} for {@code patience} epochs in a row (0: never); with {@code restoreBest}, end with the weights
     * and buffers of the best epoch (as Keras's restore_best_weights; the optimizer's state stays the last epoch's).
     *
     * @throws IllegalArgumentException if targetLoss is NaN, patience or minDelta is negative (or NaN), or restoreBest
     *     is set with patience 0
     */
    public StoppingRules(double targetLoss, int patience, boolean onAccuracy, double minDelta, boolean restoreBest) {
        if (Double.isNaN(targetLoss) || patience < 0 || !(minDelta >= 0) || restoreBest && patience == 0) {
            throw new IllegalArgumentException("StoppingRules: expected a target loss that is a number, patience and minDelta >= 0,"
                    + " and patience > 0 for restoreBest; got " + targetLoss + ", " + patience + ", " + minDelta + ", " + restoreBest);
        }
        this.targetLoss = targetLoss;
        this.patience = patience;
        this.onAccuracy = onAccuracy;
        this.minDelta = minDelta;
        this.restoreBest = restoreBest;
    }

    /**
     * After {@link CallbackList#trainStart}: the fit's first epoch, and the metrics of the epochs a resumed run trained
     * before it, oldest first, which early stopping counts from, so that a resumed run stops where an uninterrupted one
     * would have.
     */
    public void start(CallbackList calls, int firstEpoch, List<EpochMetrics> earlier) {
        this.completed = calls.history().stopReason();
        this.firstEpoch = firstEpoch;
        for (EpochMetrics m : earlier) { // the same bookkeeping as score's
            if (patience > 0 && m.hasValidation()) {
                double s = onAccuracy ? -m.valAccuracy() : m.valLoss();
                if (improves(s)) {
                    best = s;
                    badEpochs = 0;
                    bestEpoch = m.epoch();
                } else {
                    badEpochs++;
                }
            }
        }
    }

    /**
     * Scores the epoch {@code m} just trained, before the callbacks hear of it: every epoch is scored, also one after
     * which a callback stops the run, so that restoring the best does not put an older epoch's weights over a better
     * last one. With restoreBest, copies {@code model}'s weights when the epoch is the best so far. Modified: nothing
     * but this.
     */
    public void score(EpochMetrics m, Module model) {
        lastEpoch = m.epoch();
        patienceOut = false;
        score = Double.NaN;
        if (patience > 0 && m.hasValidation()) {
            score = onAccuracy ? -m.valAccuracy() : m.valLoss();
            if (improves(score)) {
                best = score;
                badEpochs = 0;
                if (restoreBest) {
                    bestState = snapshot(model);
                    bestEpoch = m.epoch();
                }
            } else {
                patienceOut = ++badEpochs >= patience;
            }
        }
    }

    /**
     * After the callbacks' {@link CallbackList#epochEnd} for {@code m} (when none stopped the run): whether a rule ends
     * it after this epoch, the target loss first; the history's stop reason then says which. Modified: the history.
     */
    public boolean stop(CallbackList calls, EpochMetrics m) {
        if (m.trainLoss() <= targetLoss) {
            calls.history().stopReason(String.format("reached target loss %s at epoch %d (loss %s)", plain(targetLoss), m.epoch(),
                    ProgressBar.loss(m.trainLoss())));
            return true;
        }
        if (patienceOut) {
            calls.history().stopReason("early stop after epoch " + m.epoch() + ": validation " + (onAccuracy ? "accuracy" : "loss")
                    + " did not improve for " + patience + (patience == 1 ? " epoch" : " epochs") + (Double.isNaN(score) ? " (it is NaN)" : ""));
            return true;
        }
        return false;
    }

    /**
     * After the last epoch, before {@link CallbackList#trainEnd}: says in the stop reason that a run which ran out of
     * epochs ({@code lastEpochOfRun}, the fit's last) missed its target loss, and, with restoreBest, puts the best
     * epoch's weights back into {@code model} ({@link History#restoredEpoch} then names it). Modified: the history,
     * and with restoreBest the model.
     */
    public void finish(CallbackList calls, int lastEpochOfRun, Module model) {
        History history = calls.history();
        List<EpochMetrics> done = history.epochs();
        if (Double.isFinite(targetLoss) && lastEpoch == lastEpochOfRun && completed.equals(history.stopReason()) && !done.isEmpty()
                && !(done.getLast().trainLoss() <= targetLoss)) {
            // ran out of epochs: "completed 5 epochs" alone did not say that the target the run was given was missed
            // (an early stop or a callback that ended the last epoch gives its own reason)
            history.stopReason(history.stopReason() + " without reaching the target loss " + plain(targetLoss) + " (the last epoch's loss "
                    + ProgressBar.loss(done.getLast().trainLoss()) + ")");
        }
        if (restoreBest && bestState != null && bestEpoch != lastEpoch) {
            try (var scope = Tensor.noGrad()) {
                model.loadStateDict(bestState, true);
            }
            history.stopReason(history.stopReason() + "; restored the weights of epoch " + bestEpoch + ", the best");
            history.restoredEpoch(bestEpoch);
        } else if (restoreBest && bestState == null && bestEpoch > 0 && bestEpoch < firstEpoch) {
            // the earlier epochs' weights are not in memory: say so rather than end silently with the last ones
            history.stopReason(history.stopReason() + "; the best epoch, " + bestEpoch + ", came before this fit, so its"
                    + " weights were not restored");
        }
    }

    /**
     * Whether an epoch's early-stopping score (lower is better) beats the best so far (infinite before the first) by
     * more than minDelta. A NaN score never does, as in Keras: a validation loss that is NaN every epoch must run the
     * patience out, not restart it.
     */
    private boolean improves(double s) {
        return s < best - minDelta;
    }

    /** The target loss as given: "0.2", not "0.200000" (a non-finite one as Java writes it). */
    private static String plain(double target) {
        return Double.isFinite(target) ? java.math.BigDecimal.valueOf(target).stripTrailingZeros().toPlainString() : Double.toString(target);
    }

    /** Copies of the model's parameters and buffers. */
    private static Map<String, Tensor> snapshot(Module model) {
        Map<String, Tensor> copy = new LinkedHashMap<>();
        try (var scope = Tensor.noGrad()) {
            model.stateDict().forEach((name, t) -> copy.put(name, t.copy()));
        }
        return copy;
    }
}
