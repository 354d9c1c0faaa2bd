package io.jgrad.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jgrad.train.Divergence;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
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

    /**
     * The hook's message is the last line of a run's log ({@code jgrad train ... > log 2>&1}): the training thread goes
     * on while the hook runs, until the JVM halts, and what it printed then ("completed 1 epoch" from the progress
     * bar's stream, the final evaluation's line) landed after the message. Run here on one thread, in the order
     * that race produced.
     */
    @Test
    void nothingTheRunPrintsAfterTheInterruptionFollowsItsMessage() {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream both = new PrintStream(log, true, StandardCharsets.UTF_8);
        System.setOut(both);
        System.setErr(both);
        String said;
        try (Interruption i = new Interruption(null, null)) {
            PrintStream bar = System.err; // as ProgressBar.onStandardError takes it when the run starts
            i.write(run, "after epoch 1 of 1", () -> {});
            i.finished(1, true);
            bar.println("epoch 1/1  loss 0.9005");
            System.out.println("printed before the signal");
            said = i.said("");
            i.stop(); // the hook, on its own thread in a real run
            bar.println("completed 1 epoch"); // the training thread, which the hook does not stop
            System.out.println("test loss 0.4302, accuracy 88.98% on 1,996 samples (1.9 s of training)");
            System.err.println("note: printed after the signal");
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        assertEquals(List.of("epoch 1/1  loss 0.9005", "printed before the signal", said),
                log.toString(StandardCharsets.UTF_8).lines().toList());
    }
}
