package io.jgrad.cli;

import io.jgrad.io.AtomicFiles;
import io.jgrad.io.ConsoleGate;
import io.jgrad.io.RunLock;
import io.jgrad.train.Divergence;
import java.io.Console;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What Ctrl-C (SIGINT) or a SIGTERM does to {@code jgrad train}. The JVM runs its shutdown hooks while the training
 * thread goes on; this one waits for a write to the run directory in progress (a checkpoint, the report) to finish,
 * keeps any later one from starting, and says which checkpoint the directory holds and how to continue from it.
 * Without it a run stopped in the middle of a checkpoint left temporary and {@code .next} files beside the previous,
 * intact, checkpoint, and ended without a word. A SIGKILL or a power cut runs no hook: {@link Checkpoint}'s protocol
 * keeps the directory consistent then, and the next run in it deletes the temporaries. Interrupted before its first
 * write, or stopped there by an error, a run removes the output directory again if it created it (an empty one was
 * left, looking like a broken run).
 *
 * <p>The hook's message is the run's last line: the training thread goes on while the hook runs, until the JVM halts,
 * and what it printed then ("completed 3 epochs", the final evaluation's line) came after the message in a log of
 * both streams. The constructor puts standard output and standard error behind a {@link ConsoleGate}, which the hook
 * shuts before it writes.
 *
 * <p>The hook and the gate are set up by the constructor and removed by {@link #close()}, so a JVM that ends normally
 * (or a test running the command in-process) never sees them.
 */
final class Interruption implements AutoCloseable {
    /** A write to the run directory, which may throw {@code E} (an I/O error, or nothing checked). */
    interface Write<E extends Exception> {
        void run() throws E;
    }

    private final ReentrantLock writing = new ReentrantLock();
    private final Thread hook = new Thread(this::stop, "jgrad-interrupted");
    private final ConsoleGate console;
    private volatile Path checkpointDir;
    private volatile String checkpoint;
    /** The epochs of a run that has stopped training (-1 while it trains): its checkpoint needs a larger --epochs to go on. */
    private volatile int finishedEpochs = -1;
    /** The epochs of the run once the next checkpoint is written, when that one is its last (else -1). */
    private volatile int finishing = -1;
    private volatile boolean reportPending;
    /** Where the run diverged, once it has (null: it has not); and whether the report of the epochs before it comes next. */
    private volatile Divergence diverged;
    private volatile boolean divergedReport;
    /** The output directory, and the outermost directory of it that this run created (null: none), until a write starts. */
    private volatile Path outDir;
    private volatile Path createdDir;
    /** Whether the run got to its end; else {@link #close} (an error stopped it) removes what {@link #created} names. */
    private volatile boolean completed;
    /** The run's hold on its output directory, let go (and its file deleted) as the run ends, before the directory goes. */
    private volatile RunLock lock;

    /**
     * Watches a run writing to its directory; {@code resumedFrom} and {@code resumedCheckpoint} name the checkpoint
     * it continues (both null for a new run), which is where it can go on from until it writes its own.
     */
    Interruption(Path resumedFrom, String resumedCheckpoint) {
        checkpointDir = resumedFrom;
        checkpoint = resumedCheckpoint;
        console = ConsoleGate.install();
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /**
     * Runs {@code write} so that an interruption waits for it to finish. {@code holds}, when not null, describes
     * the checkpoint it leaves in {@code dir} (e.g. "after epoch 3 of 10"). A write that fails while the JVM stops
     * (the report's charts cannot be drawn then: ImageIO cannot register its cache's shutdown hook) does not return:
     * the failure is the interruption's, whose hook says what the directory holds, and the JVM halts when it has.
     */
    <E extends Exception> void write(Path dir, String holds, Write<E> write) throws E {
        writing.lock();
        boolean written = false;
        try {
            write.run();
            written = true;
            createdDir = null; // the directory holds files from here on: never removed (a failed write left none)
            if (holds != null) {
                checkpointDir = dir;
                checkpoint = holds;
                if (finishing >= 0) { // under the lock with the checkpoint: an interruption sees both or neither
                    finishedEpochs = finishing;
                }
            }
        } finally {
            writing.unlock();
            if (!written && AtomicFiles.jvmStopping()) {
                awaitHalt(); // else the caller said the write failed ("note: the report ... could not be written") first
            }
        }
    }

    /** Blocks the calling thread until the JVM, whose shutdown hooks run, halts. */
    private static void awaitHalt() {
        while (true) {
            try {
                Thread.sleep(Long.MAX_VALUE);
            } catch (InterruptedException e) {
                // nothing to stop early for: the JVM ends this thread when its hooks have run
            }
        }
    }

    /**
     * The directory that holds the checkpoint the run goes on from: the --resume directory until the run writes its own
     * checkpoint, then the output directory; null for a new run before its first checkpoint.
     */
    Path checkpointDir() {
        return checkpointDir;
    }

    /**
     * Records that the run created {@code created} (null: nothing), the outermost new directory on the way to its
     * output directory {@code dir}: an interruption before the first write removes them again, when still empty,
     * rather than leave an empty run directory behind. A directory that existed before is never removed.
     */
    void created(Path dir, Path created) {
        outDir = dir;
        createdDir = created;
    }

    /** Takes charge of the run's lock on its output directory: {@link #close} and an interruption let it go. */
    void locked(RunLock runLock) {
        lock = runLock;
    }

    /**
     * Marks the run as done training after {@code epochs} epochs (all of them, or fewer when a stopping rule ended it),
     * its last checkpoint written: what is left is the final evaluation and, when {@code report}, the report. An
     * interruption from here on says so, since 'jgrad train --resume DIR' alone would have no epochs left to train.
     */
    void finished(int epochs, boolean report) {
        finishedEpochs = epochs;
        reportPending = report;
    }

    /**
     * As {@link #finished}, from the moment the next checkpoint (the last epoch's, after {@code epochs} epochs) has
     * been written: before, the directory holds the previous one, which --resume DIR continues.
     */
    void lastCheckpointNext(int epochs, boolean report) {
        finishing = epochs;
        reportPending = report;
    }

    /**
     * Marks the run as diverged at {@code d}, its training over: what is left is recording where in its directory and,
     * when {@code report}, the report of the epochs before it. An interruption from here on says so: the run stops
     * before it ends with the divergence, and --resume with its settings would most likely diverge at the same step.
     */
    void diverged(Divergence d, boolean report) {
        diverged = d;
        divergedReport = report;
    }

    /** What the checkpoint of a run that has completed {@code epochs} of {@code total} epochs, and {@code step} steps of the next, holds. */
    static String describe(int epochs, int total, int step) {
        return step > 0 ? "at step " + step + " of epoch " + (epochs + 1) + " of " + total
                : epochs == 0 ? "before the first epoch" : "after epoch " + epochs + " of " + total;
    }

    /**
     * The shutdown hook: waits for the write in progress, then never lets go, so that no other starts; silences what
     * the run prints from here on, and says what the directory holds.
     */
    void stop() {
        writing.lock();
        PrintStream err = console.shut();
        Console terminal = System.console();
        String start = terminal != null && terminal.isTerminal() ? System.lineSeparator() : ""; // off the progress bar's line
        if (lock != null) {
            lock.deleteFile(); // the lock itself ends with the process
        }
        String removed = removeCreated() ? "; removed the empty " + outDir + " it had created" : "";
        err.println(start + said(removed));
        err.flush();
    }

    /**
     * What an interruption says, in one line: which checkpoint the directory holds and how to go on from it, after
     * {@code removed} (empty, or what was removed) where nothing was written.
     */
    String said(String removed) {
        int done = finishedEpochs;
        Divergence d = diverged;
        if (d != null) { // --resume alone would most likely diverge again: say so, as --resume's note does
            return checkpoint == null
                    ? "jgrad train: interrupted after the run diverged at " + d.words() + ", before its first checkpoint; nothing"
                            + " to continue from" + removed
                    : "jgrad train: interrupted " + (divergedReport ? "while writing the report of a run that " : "after the run ")
                            + d.stopped(checkpointDir, checkpoint, "'jgrad train --resume " + checkpointDir + "'") + removed;
        }
        return checkpoint == null
                ? "jgrad train: interrupted before the first checkpoint; nothing to continue from" + removed
                : done >= 0
                ? "jgrad train: interrupted after the last epoch" + (reportPending ? ", before the report was written" : "")
                        + "; " + checkpointDir + " holds the trained model (the checkpoint " + checkpoint + "): 'jgrad eval --model "
                        + checkpointDir + "' evaluates it, and 'jgrad train --resume " + checkpointDir + " --epochs N' with N > "
                        + done + " trains on"
                : "jgrad train: interrupted; " + checkpointDir + " holds the checkpoint " + checkpoint
                        + ": continue with 'jgrad train --resume " + checkpointDir + "'" + removed;
    }

    /** Deletes the output directory and the parents this run created, where empty; true if the output directory is gone. */
    private boolean removeCreated() {
        return AtomicFiles.removeCreated(outDir, createdDir);
    }

    /** Marks the run as having ended normally: {@link #close} leaves the output directory alone. */
    void completed() {
        completed = true;
    }

    /**
     * Removes the hook: the run ended without being interrupted. An error before the first write (a diverged first
     * epoch, a full disk) removes the output directory this run created, as an interruption does.
     */
    @Override
    public void close() {
        if (lock != null) {
            try {
                lock.close();
            } catch (java.io.IOException e) {
                // the file stays; the lock went with the channel, or goes with the process
            }
        }
        if (!completed) {
            removeCreated();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            return; // the JVM is already stopping: the hook runs (or ran) and says what is left, the gate shut behind it
        }
        console.close();
    }
}
