package io.jgrad.train;

import io.jgrad.io.AtomicFiles;
import io.jgrad.io.ConfigFields;
import io.jgrad.io.JgradFormatException;
import io.jgrad.io.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a run diverged, as its run directory records it: config.json's {@code state.diverged}, an object
 * {@code {"epoch": 3, "step": 5, "what": "the loss is NaN"}} ({@link TrainingDivergedException}'s epoch, step and
 * what). {@code jgrad train} and {@code jgrad train --spark} add it to the config.json of the checkpoint the run went on
 * from when the run diverges; their next checkpoint writes config.json without it, so a run resumed from there that
 * completes an epoch is no longer marked. {@code jgrad report}, {@code inspect} and {@code --resume} read it.
 */
public record Divergence(int epoch, int step, String what) {
    /** The field of config.json's "state" object that holds it. */
    public static final String FIELD = "diverged";

    /** The divergence that {@code d} reports. */
    public static Divergence of(TrainingDivergedException d) {
        return new Divergence(d.epoch(), d.step(), d.what());
    }

    /**
     * "epoch 3, step 5: the loss is NaN": where and what, without advice; {@link TrainingDivergedException}'s messages
     * say it in these words.
     */
    public String words() {
        return "epoch " + epoch + ", step " + step + ": " + what;
    }

    /**
     * What {@code jgrad train --resume dir} (on one machine or on Spark) says of a run directory that records this
     * divergence, whose checkpoint holds {@code epochsCompleted} of {@code epochs} epochs and {@code step} steps of the
     * next: --resume goes on from that checkpoint, as for an interrupted run (the data may have changed, or a Spark run
     * go on on one machine), but it keeps the run's settings, with which the run most likely diverges at the same step
     * again; a smaller --lr or gradient clipping needs a new run from the checkpoint's weights (--init).
     */
    public String resumeNote(Path dir, int epochsCompleted, int step, int epochs) {
        String checkpoint = step > 0 ? "at step " + step + " of epoch " + (epochsCompleted + 1) + " of " + epochs
                : "after epoch " + epochsCompleted + " of " + epochs;
        return dir + " diverged at " + words() + " when it was last trained; --resume goes on from its checkpoint "
                + checkpoint + ", and with the run's own settings will most likely diverge there again; for a smaller --lr"
                + " or --clip-grad-norm MAX, start a new run from its weights: --init " + dir.resolve("model.safetensors");
    }

    /**
     * What a run stopped after this divergence (jgrad train interrupted, jgrad train --spark stopped) says of its
     * directory {@code dir}, which holds the checkpoint {@code checkpoint} ("after epoch 2 of 8") from before it, and
     * of {@code resume}, the command that continues it, quoted: "diverged at epoch 3, step 5: the loss is NaN; DIR holds
     * the checkpoint after epoch 2 of 8, before the divergence: RESUME goes on from it with the run's own settings,
     * which will most likely diverge there again; ... --init DIR/model.safetensors", as {@link #resumeNote} advises.
     */
    public String stopped(Path dir, String checkpoint, String resume) {
        return "diverged at " + words() + "; " + dir + " holds the checkpoint " + checkpoint + ", before the divergence: "
                + resume + " goes on from it with the run's own settings, which will most likely diverge there again; for a"
                + " smaller --lr or --clip-grad-norm MAX, start a new run from its weights: --init "
                + dir.resolve("model.safetensors");
    }

    /**
     * Adds this divergence to {@code config} (a run's config.json) as state.diverged, keeping every other field as it is
     * (the checkpoint it names stays the same), and writes it atomically. Nothing when the file does not exist. Modified:
     * the file {@code config}.
     *
     * @throws JgradFormatException if config is not a JSON object with a "state" object
     */
    public void recordIn(Path config) throws IOException {
        if (!Files.isRegularFile(config)) {
            return;
        }
        Map<String, Object> top = ConfigFields.object(Json.read(config), config, "(top level)");
        Map<String, Object> state = ConfigFields.object(ConfigFields.require(top, "state", config, ""), config, "state");
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("epoch", (long) epoch);
        d.put("step", (long) step);
        d.put("what", what);
        state.put(FIELD, d);
        AtomicFiles.writeString(config, Json.write(top));
    }

    /**
     * The divergence that {@code state} (config.json's "state" object, read from {@code file}) records, or null for none
     * (absent or null).
     *
     * @throws JgradFormatException naming the file and the field when it is not as {@link #recordIn} writes it
     */
    public static Divergence from(Map<String, Object> state, Path file) {
        if (state.get(FIELD) == null) {
            return null;
        }
        String at = "state." + FIELD;
        Map<String, Object> d = ConfigFields.object(state.get(FIELD), file, at);
        ConfigFields.onlyKnown(d, file, at, java.util.Set.of("epoch", "step", "what"));
        String what = ConfigFields.string(d, "what", file, at);
        if (what.isBlank()) {
            throw new JgradFormatException(file, at + ".what", "is empty; expected what was not finite, e.g. \"the loss is NaN\"");
        }
        if (what.contains("\n") || what.contains("\r")) { // jgrad's words are one line: report, inspect and --resume print it in one
            throw new JgradFormatException(file, at + ".what", "holds a line break; expected one line saying what was not"
                    + " finite, e.g. \"the loss is NaN\"");
        }
        return new Divergence(ConfigFields.positiveInt(d, "epoch", file, at), ConfigFields.positiveInt(d, "step", file, at), what);
    }

    /**
     * Checks that this divergence, read from {@code file}, came after the checkpoint that file names: in the epoch after
     * its {@code epochsCompleted} completed ones, and, where the checkpoint is {@code step} steps into that epoch (0:
     * at its start), at a later step. A run records the step that diverged, which its checkpoint does not hold; a record
     * that contradicts the checkpoint was edited by hand or belongs to another run's files.
     *
     * @return this
     * @throws JgradFormatException naming the file and state.diverged.epoch or state.diverged.step
     */
    public Divergence after(int epochsCompleted, int step, Path file) {
        String at = "state." + FIELD;
        if (epoch != epochsCompleted + 1) {
            throw new JgradFormatException(file, at + ".epoch", "is " + epoch + ", but epochs_completed is " + epochsCompleted
                    + "; expected the epoch after it, " + (epochsCompleted + 1));
        }
        if (this.step <= step) {
            throw new JgradFormatException(file, at + ".step", "is " + this.step + ", but the checkpoint is at step " + step
                    + " of epoch " + epoch + " (state.epoch_in_progress.step); expected a later step");
        }
        return this;
    }
}
