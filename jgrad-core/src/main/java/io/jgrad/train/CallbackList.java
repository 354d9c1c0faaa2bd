package io.jgrad.train;

import java.util.List;

/**
 * The callbacks of one training run and the {@link History} they are told of, called in the order they were added as
 * {@link Callback}'s contract says (as Keras's CallbackList, which also keeps the History that fit returns). {@link
 * Trainer#fit} drives one, and so does jgrad-spark's SparkTrainer, so that both call their callbacks and fill their
 * History alike. One per fit:
 *
 * <pre>{@code
 * CallbackList calls = new CallbackList(callbacks);
 * try {
 *     calls.trainStart(firstEpoch, lastEpoch, steps);
 *     for (int epoch = firstEpoch; epoch <= lastEpoch; epoch++) {
 *         calls.epochStart(epoch, 1);
 *         ... calls.batchStart(epoch, step) before each step, calls.batchEnd(epoch, step, steps, loss, batchSize) after it ...
 *         if (calls.epochEnd(metrics)) {
 *             break;
 *         }
 *     }
 *     return calls.trainEnd();
 * } catch (RuntimeException | Error e) {
 *     calls.trainFailed(e);
 *     throw e;
 * }
 * }</pre>
 */
public final class CallbackList {
    // an array: a list's iterator was an allocation at every step's batchStart and batchEnd (JFR)
    private final Callback[] callbacks;
    private final History history = new History();
    // onTrainStart has begun: only then do the callbacks hear of a failure
    private boolean started;

    /** The callbacks {@code callbacks}, a copy of the list as it is now. */
    public CallbackList(List<Callback> callbacks) {
        this.callbacks = List.copyOf(callbacks).toArray(new Callback[0]); // List.copyOf refuses a null callback
    }

    /**
     * {@code epochs} applied to this list, with the class comment's catch around it: a failure is told to the callbacks
     * ({@link #trainFailed}) before it propagates. For a fit whose epochs are {@code epochs}.
     */
    public History fit(java.util.function.Function<CallbackList, History> epochs) {
        try {
            return epochs.apply(this);
        } catch (RuntimeException | Error e) {
            trainFailed(e);
            throw e;
        }
    }

    /**
     * Calls each {@link Callback#onTrainStart}; until another reason is given, the run's stop reason is "completed N
     * epochs", N being {@code lastEpoch}.
     */
    public void trainStart(int firstEpoch, int lastEpoch, int stepsPerEpoch) {
        started = true; // a callback's onTrainStart may fail too: the others, started or not, hear of it
        history.stopReason("completed " + lastEpoch + (lastEpoch == 1 ? " epoch" : " epochs"));
        for (Callback c : callbacks) {
            c.onTrainStart(firstEpoch, lastEpoch, stepsPerEpoch);
        }
    }

    /** Calls each {@link Callback#onEpochStart(int, int)}; {@code firstStep} is 1 unless the epoch resumes mid-way. */
    public void epochStart(int epoch, int firstStep) {
        for (Callback c : callbacks) {
            c.onEpochStart(epoch, firstStep);
        }
    }

    /** Calls each {@link Callback#onBatchStart}. */
    public void batchStart(int epoch, int step) {
        for (Callback c : callbacks) {
            c.onBatchStart(epoch, step);
        }
    }

    /** Calls each {@link Callback#onBatchEnd}. */
    public void batchEnd(int epoch, int step, int stepsPerEpoch, double loss, int batchSize) {
        for (Callback c : callbacks) {
            c.onBatchEnd(epoch, step, stepsPerEpoch, loss, batchSize);
        }
    }

    /**
     * Adds {@code m} to the history and calls each {@link Callback#onEpochEnd}, every one even when an earlier one asks
     * to stop. Returns whether one did; the stop reason then says so. Modified: the history.
     */
    public boolean epochEnd(EpochMetrics m) {
        history.add(m);
        boolean stop = false;
        for (Callback c : callbacks) {
            stop |= c.onEpochEnd(m);
        }
        if (stop) {
            history.stopReason("stopped by a callback after epoch " + m.epoch());
        }
        return stop;
    }

    /** Calls each {@link Callback#onTrainEnd} with the history, and returns it. */
    public History trainEnd() {
        for (Callback c : callbacks) {
            c.onTrainEnd(history);
        }
        return history;
    }

    /**
     * Calls each {@link Callback#onTrainFailed} with {@code failure} once {@link #trainStart} has been called, else none;
     * what one of them throws is added to {@code failure} as suppressed. The caller rethrows failure. Modified: failure.
     */
    public void trainFailed(Throwable failure) {
        if (!started) {
            return;
        }
        for (Callback c : callbacks) {
            try {
                c.onTrainFailed(failure);
            } catch (RuntimeException | Error again) {
                failure.addSuppressed(again);
            }
        }
    }

    /** The run's history, for the trainer's own stop reasons. */
    History history() {
        return history;
    }
}
