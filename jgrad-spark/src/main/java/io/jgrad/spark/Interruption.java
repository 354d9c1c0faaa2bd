package io.jgrad.spark;

import io.jgrad.io.AtomicFiles;
import io.jgrad.io.ConsoleGate;
import io.jgrad.io.RunLock;
import io.jgrad.train.Divergence;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What Ctrl-C (SIGINT) or a SIGTERM does to a Spark run ({@code jgrad train --spark}, spark-submit): Spark's own
 * shutdown hook stops the SparkContext, and the round in flight then fails in the driver. This hook waits for a
 * write of the run directory in progress ({@link RunDirectory#save}, four files) to finish, keeps any later one from
 * starting, and says which epoch the directory holds; {@link AtomicFiles#jvmStopping()} tells the driver that its failure is the
 * interruption, not an error to report with a stack trace. As {@code jgrad train}'s hook does on one machine. Stopped
 * before its first write, by an interruption or an error (data that cannot be read, a diverged first epoch), a run
 * removes the directory again if it created it, as {@code jgrad train} does.
 *
 * <p>The hook's message is the run's last line: the driver goes on while the hook runs, and what it printed then (the
 * epoch's line and why the run stopped, the final evaluation's line) came after the message in a log of both streams.
 * The constructor puts standard output and standard error behind a {@link ConsoleGate}, which the hook shuts before
 * it writes; {@link #close} takes it away.
 */
final class Interruption implements AutoCloseable {
    private final ReentrantLock writing = new ReentrantLock();
    private final Thread hook = new Thread(this::stop, "jgrad-spark-interrupted");
    private final ConsoleGate console;
    private final Path dir;
    private final int epochs;
    private final boolean resumable;
    private volatile int saved = -1;
    private volatile int savedStep;
    /** Where the run diverged, once it has (null: it has not): what is left is recording it in config.json. */
    private volatile Divergence diverged;
    /** The run's hold on its directory (null: none yet, or let go): let go as the run ends, its file deleted. */
    private volatile RunLock lock;
    /** The outermost directory on the way to dir that the run created (null: none), until its first write. */
    private volatile Path created;

    /**
     * Watches a run of {@code epochs} epochs that writes {@code dir}; {@code resumable}: its data is what
     * {@code jgrad train} reads on one machine (an IDX directory or a CSV file), so {@code --resume} can continue it
     * there as well as on Spark.
     */
    Interruption(Path dir, int epochs, boolean resumable) {
        this.dir = dir;
        this.epochs = epochs;
        this.resumable = resumable;
        console = ConsoleGate.install();
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /**
     * The directory already holds the run after {@code epoch} and {@code step} steps of the next (0: none): a resumed
     * run that writes where it was read from.
     */
    void holds(int epoch, int step) {
        saved = epoch;
        savedStep = step;
    }

    /**
     * Runs {@code write}, which leaves the directory holding the run after {@code epoch} and {@code step} steps of the
     * next (0: none), so that an interruption waits for it.
     */
    <E extends Exception> void write(int epoch, int step, Write<E> write) throws E {
        writing.lock();
        try {
            write.run();
            created = null; // the directory holds the run's files from here on: never removed
            saved = epoch;
            savedStep = step;
        } finally {
            writing.unlock();
        }
    }

    /**
     * Runs {@code write}, which changes the checkpoint the directory holds without replacing it (config.json's record of
     * where the run diverged), so that an interruption waits for it; nothing, and false, when the directory holds no
     * checkpoint of this run, neither its own nor the one it resumed there (a new run before its first write).
     */
    <E extends Exception> boolean amend(Write<E> write) throws E {
        writing.lock();
        try {
            if (saved < 0) {
                return false;
            }
            write.run();
            return true;
        } finally {
            writing.unlock();
        }
    }

    /**
     * Marks the run as diverged at {@code d}, its training over: what is left is recording where in config.json. A stop
     * from here on says so, as jgrad train's interruption does: the run stops before it ends with the divergence, and
     * --resume with its settings would most likely diverge at the same step.
     */
    void diverged(Divergence d) {
        diverged = d;
    }

    /** A write of the run directory, which may throw {@code E}. */
    interface Write<E extends Exception> {
        void run() throws E;
    }

    /**
     * Records that the run created {@code top} (null: nothing), the outermost new directory on the way to its directory:
     * {@link #close} and an interruption before the first write remove them again, when still empty. A directory that
     * existed before is never removed.
     */
    void created(Path top) {
        created = top;
    }

    /** Takes charge of the run's lock on its directory: {@link #close} and an interruption let it go. */
    void locked(RunLock runLock) {
        lock = runLock;
    }

    /** Deletes the lock's file and lets go of the lock, if the run holds it; before the run removes its empty directory. */
    private void unlock() throws IOException {
        RunLock held = lock;
        lock = null; // once: a second close would delete the file of a run that locked the directory since
        if (held != null) {
            held.close();
        }
    }

    /**
     * The shutdown hook: waits for the write in progress, then never lets go, so that no other starts. It says
     * "stopped", not "interrupted": Spark's own exit when a task runs out of heap (status 52) runs it too.
     */
    private void stop() {
        writing.lock();
        RunLock held = lock;
        if (held != null) {
            held.deleteFile(); // the lock itself ends with the process
        }
        quietSpark();
        PrintStream err = console.shut();
        String removed = removeCreated() ? "; removed the empty " + dir + " it had created" : "";
        err.println(message(dir, saved, savedStep, epochs, resumable, diverged) + removed);
        err.flush();
    }

    /**
     * What the hook says: which epoch of {@code epochs} {@code dir} holds ({@code saved}, -1: none), and {@code step}
     * steps of the next where a mid-epoch checkpoint holds them (0: none), in jgrad train's words; and how to go on.
     * After the run diverged ({@code diverged}, null: it has not), where, and that --resume will most likely diverge
     * there again ({@link Divergence#stopped}, as jgrad train says it).
     */
    static String message(Path dir, int saved, int step, int epochs, boolean resumable, Divergence diverged) {
        String checkpoint = (step > 0 ? "at step " + step + " of epoch " + (saved + 1) : "after epoch " + saved) + " of " + epochs;
        if (diverged != null) {
            return saved < 0 ? "jgrad-spark: stopped after the run diverged at " + diverged.words() + ", before the first"
                    + " epoch ended; nothing was written to " + dir
                    : "jgrad-spark: stopped after the run " + diverged.stopped(dir, checkpoint, "'jgrad train --spark MASTER"
                            + " --resume " + dir + "'" + (resumable ? " (or 'jgrad train --resume " + dir + "' on one machine)" : ""));
        }
        return saved < 0 ? "jgrad-spark: stopped before the first epoch ended; nothing was written to " + dir
                : "jgrad-spark: stopped; " + dir + " holds the run " + checkpoint + (resumable
                        ? " ('jgrad train --resume " + dir + "' continues it on one machine, 'jgrad train --spark MASTER --resume "
                                + dir + "' on Spark)"
                        : " ('jgrad train --spark MASTER --resume " + dir + "' continues it on Spark; its data is Parquet or a"
                                + " directory of CSV files, which jgrad train does not read on one machine)");
    }

    /**
     * Turns Spark's logging off: what it says from here on ("Task 0 in stage N failed; aborting job", as its context
     * stops under the round in flight) is the interruption's doing, and it came after this hook's message, so that
     * the message was not the last line. Where Log4j 2's core is not the logging backend (a cluster set up
     * otherwise), Spark's lines stay.
     */
    private static void quietSpark() {
        try {
            org.apache.logging.log4j.core.config.Configurator.setAllLevels(
                    org.apache.logging.log4j.LogManager.ROOT_LOGGER_NAME, org.apache.logging.log4j.Level.OFF);
        } catch (LinkageError | RuntimeException e) {
            // another backend: nothing to turn off here
        }
    }

    /** Deletes the run's directory and the parents it created, where empty; true if the directory is gone. */
    private boolean removeCreated() {
        return AtomicFiles.removeCreated(dir, created);
    }

    /**
     * Removes the hook, the run having ended without being interrupted, and lets go of the lock; a run that wrote
     * nothing (an error stopped it first) removes the directory it created.
     */
    @Override
    public void close() throws IOException {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is already stopping: the hook runs (or ran) and says what the directory holds
            return; // and deletes the lock's file; the lock goes with the process
        }
        console.close();
        unlock();
        removeCreated();
    }
}
