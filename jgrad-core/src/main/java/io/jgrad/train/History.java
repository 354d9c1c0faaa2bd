package io.jgrad.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** The metrics of every epoch of one {@link Trainer#fit} call, and why training stopped. */
public final class History {
    private final List<EpochMetrics> epochs = new ArrayList<>();
    private String stopReason = "not started";
    private int restoredEpoch;

    void add(EpochMetrics m) {
        epochs.add(m);
    }

    void stopReason(String reason) {
        this.stopReason = reason;
    }

    void restoredEpoch(int epoch) {
        this.restoredEpoch = epoch;
    }

    /**
     * The epoch whose weights early stopping's {@code restoreBest} ({@link Trainer#earlyStopping(int, boolean, double,
     * boolean)}) put back into the model when training ended (its stop reason says so too), or 0 when the model holds
     * the last epoch's weights.
     */
    public int restoredEpoch() {
        return restoredEpoch;
    }

    /** Epochs in order (unmodifiable). */
    public List<EpochMetrics> epochs() {
        return Collections.unmodifiableList(epochs);
    }

    /** The last epoch, or null before the first. */
    public EpochMetrics last() {
        return epochs.isEmpty() ? null : epochs.get(epochs.size() - 1);
    }

    /** Why training stopped, e.g. "reached target loss 0.001 at epoch 412" or "completed 10 epochs". */
    public String stopReason() {
        return stopReason;
    }
}
