package io.jgrad.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jgrad.train.Divergence;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** What jgrad train says when it is interrupted, from what the run told its {@link Interruption}. */
class InterruptionTest {
    private final Path run = Path.of("runs", "x");

    /**
     * Interrupted after the run diverged (while the report of the epochs before it is drawn), it says so, where and
     * what, and that --resume with the run's settings will most likely diverge again: it said only "interrupted; DIR
     * holds the checkpoint ...: continue with 'jgrad train --resume DIR'", as for a run that had not diverged, and the
     * divergence itself was never printed (the run stops before it ends with it).
     */
    @Test
    void aRunInterruptedAfterItDivergedSaysWhereItDiverged() {
        try (Interruption i = new Interruption(null, null)) {
            i.write(run, "after epoch 2 of 8", () -> {});
            assertEquals("jgrad train: interrupted; " + run + " holds the checkpoint after epoch 2 of 8: continue with"
                    + " 'jgrad train --resume " + run + "'", i.said(""));
            i.diverged(new Divergence(3, 5, "the loss is NaN"), true);
            assertEquals("jgrad train: interrupted while writing the report of a run that diverged at epoch 3, step 5: the"
                    + " loss is NaN; " + run + " holds the checkpoint after epoch 2 of 8, before the divergence: 'jgrad train"
                    + " --resume " + run + "' goes on from it with the run's own settings, which will most likely diverge there"
                    + " again; for a smaller --lr or --clip-grad-norm MAX, start a new run from its weights: --init "
                    + run.resolve("model.safetensors"), i.said(""));
        }
    }

    /** A run that diverged before its first checkpoint has nothing to continue from, and says why. */
    @Test
    void aRunThatDivergedBeforeItsFirstCheckpointSaysSo() {
        try (Interruption i = new Interruption(null, null)) {
            i.diverged(new Divergence(1, 4, "the gradient of 0.weight is not finite"), false);
            assertEquals("jgrad train: interrupted after the run diverged at epoch 1, step 4: the gradient of 0.weight is not"
                    + " finite, before its first checkpoint; nothing to continue from", i.said(""));
        }
    }
}
