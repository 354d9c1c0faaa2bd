package io.jgrad.cli;

import java.io.Console;
import java.nio.file.Path;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What Ctrl-C (SIGINT) or a SIGTERM does to {@code jgrad train}. The JVM runs its shutdown hooks while the training
 * thread goes on; this one waits for a write to the run directory in progress (a checkpoint, the report) to finish,
 * keeps any later one from starting, and says which checkpoint the directory holds and how to continue from it.
 * Without it a run stopped in the middle of a checkpoint left temporary and {@code .next} files beside the previous,
 * intact, checkpoint, and ended without a word. A SIGKILL or a power cut runs no hook: {@link Checkpoint}'s protocol
 * keeps the directory consistent then, and the next run in it deletes the temporaries.
 *
 * <p>The hook is registered by the constructor and removed by {@link #close()}, so a JVM that ends normally (or a
 * test running the command in-process) never sees it.
 */
final class Interruption implements AutoCloseable {
    /** A write to the run directory, which may throw {@code E} (an I/O error, or nothing checked). */
    interface Write<E extends Exception> {
        void run() throws E;
    }

    private final ReentrantLock writing = new ReentrantLock();
    private final Thread hook = new Thread(this::stop, "jgrad-interrupted");
    private volatile Path checkpointDir;
    private volatile String checkpoint;

    /**
     * Watches a run writing to its directory; {@code resumedFrom} and {@code resumedCheckpoint} name the checkpoint
     * it continues (both null for a new run), which is where it can go on from until it writes its own.
     */
    Interruption(Path resumedFrom, String resumedCheckpoint) {
        checkpointDir = resumedFrom;
        checkpoint = resumedCheckpoint;
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /**
     * Runs {@code write} so that an interruption waits for it to finish. {@code holds}, when not null, describes
     * the checkpoint it leaves in {@code dir} (e.g. "after epoch 3 of 10").
     */
    <E extends Exception> void write(Path dir, String holds, Write<E> write) throws E {
        writing.lock();
        try {
            write.run();
            if (holds != null) {
                checkpointDir = dir;
                checkpoint = holds;
            }
        } finally {
            writing.unlock();
        }
    }

    /** What the checkpoint of a run that has completed {@code epochs} of {@code total} epochs, and {@code step} steps of the next, holds. */
    static String describe(int epochs, int total, int step) {
        return step > 0 ? "at step " + step + " of epoch " + (epochs + 1) + " of " + total
                : epochs == 0 ? "before the first epoch" : "after epoch " + epochs + " of " + total;
    }

    /** The shutdown hook: waits for the write in progress, then never lets go, so that no other starts. */
    private void stop() {
        writing.lock();
        Console console = System.console();
        String start = console != null && console.isTerminal() ? System.lineSeparator() : ""; // off the progress bar's line
        System.err.println(start + (checkpoint == null
                ? "jgrad train: interrupted before the first checkpoint; nothing to continue from"
                : "jgrad train: interrupted; " + checkpointDir + " holds the checkpoint " + checkpoint
                        + ": continue with 'jgrad train --resume " + checkpointDir + "'"));
        System.err.flush();
    }

    /** Removes the hook: the run ended without being interrupted. */
    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is already stopping: the hook runs (or ran) and says what is left
        }
    }
}
