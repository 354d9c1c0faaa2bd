package io.jgrad.train;

/** Hooks into the training loop, for logging, checkpoints or custom stopping. All methods are optional. */
public interface Callback {
    /** Before the first epoch. */
    default void onTrainStart(int firstEpoch, int lastEpoch, int stepsPerEpoch) {}

    /**
     * At the start of each epoch, before its batches are drawn (and shuffled); {@link #onEpochStart(int, int)} calls it
     * by default.
     */
    default void onEpochStart(int epoch) {}

    /**
     * At the start of each epoch, before its batches are drawn (and shuffled), with the number of the first step this
     * run takes in it: 1, or, for an epoch resumed from a mid-epoch checkpoint ({@link Trainer#resumeFrom}), the step
     * after the checkpoint's. A callback that times steps (a progress bar) needs it: the step number of the epoch's
     * first {@link #onBatchEnd} alone does not say how many steps that report covers (step 3 is one step in an epoch
     * resumed after step 2, and three in a Spark round of 3 local steps). The trainers call this one; by default it
     * calls {@link #onEpochStart(int)}.
     */
    default void onEpochStart(int epoch, int firstStep) {
        onEpochStart(epoch);
    }

    /**
     * Before each step that this run trains, before its batch is taken; not before the steps that an epoch resumed
     * from a mid-epoch checkpoint draws again and skips. A callback that times steps starts its clock here, so that
     * the skipping is not counted as training (Keras's {@code on_train_batch_begin}). {@link Trainer} calls it;
     * jgrad-spark's trainer, which never resumes mid-epoch, calls it before each step, or with local SGD before each
     * round of steps, with the round's first step (its onBatchEnd gets the last).
     */
    default void onBatchStart(int epoch, int step) {}

    /**
     * After each optimizer step; {@code loss} is that batch's mean loss per sample: the loss's value, divided by
     * {@code batchSize} for a loss that sums over the batch ({@link io.jgrad.nn.Loss#reduction}).
     */
    default void onBatchEnd(int epoch, int step, int stepsPerEpoch, double loss, int batchSize) {}

    /** After each epoch (and its validation). Return true to stop training after this epoch. */
    default boolean onEpochEnd(EpochMetrics metrics) {
        return false;
    }

    /** Once, when training ends, with every epoch's metrics and the reason ({@link History#stopReason}). */
    default void onTrainEnd(History history) {}

    /**
     * Once, instead of {@link #onTrainEnd}, when {@link Trainer#fit} (or jgrad-spark's SparkTrainer.fit) ends with an
     * exception once it has begun calling {@link #onTrainStart} (a {@link TrainingDivergedException}, an error of the
     * data or of a callback, this one's included), before fit rethrows it: the
     * place to end a progress line or close a log (Lightning's {@code on_exception}). An exception thrown here is added
     * to {@code failure} as suppressed.
     */
    default void onTrainFailed(Throwable failure) {}
}
