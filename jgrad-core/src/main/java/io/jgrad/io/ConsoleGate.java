package io.jgrad.io;

import java.io.OutputStream;
import java.io.PrintStream;

/**
 * Keeps the last word of an interrupted run last. A SIGINT or SIGTERM runs the JVM's shutdown hooks while the training
 * thread goes on until the JVM halts, so what it printed after the hook's message ("completed 3 epochs", the final
 * evaluation's line) came after it in the log, or between the hook's message and the halt. {@link #install} puts
 * {@link System#out} and {@link System#err} behind a gate; {@link #shut} closes it, once a line being printed has been
 * written whole, and hands back the standard error it replaced, for the hook's own message. What any thread prints
 * through the gate after that is dropped.
 *
 * <p>Each write through the gate takes one uncontended lock, and the streams behind it are the JVM's own, which write
 * each line out as it ends (the progress bar flushes its redrawn line itself): no cost a training step would notice, and
 * no buffering that would hold a line back.
 */
public final class ConsoleGate implements AutoCloseable {
    private final PrintStream out;
    private final PrintStream err;
    private final PrintStream gatedOut;
    private final PrintStream gatedErr;
    private final Object lock = new Object();
    private boolean shut; // guarded by lock

    private ConsoleGate(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
        this.gatedOut = new PrintStream(new Gated(out), true, out.charset());
        this.gatedErr = new PrintStream(new Gated(err), true, err.charset());
    }

    /**
     * Replaces {@link System#out} and {@link System#err} with streams that write to them until {@link #shut}.
     * Modified: System.out and System.err, until {@link #close}.
     */
    public static ConsoleGate install() {
        ConsoleGate gate = new ConsoleGate(System.out, System.err);
        System.setOut(gate.gatedOut);
        System.setErr(gate.gatedErr);
        return gate;
    }

    /**
     * Drops whatever is printed through the gate from here on, by any thread, after waiting for a write in progress;
     * flushes standard output, so that what it held comes before what is written next to standard error (in one log,
     * {@code > log 2>&1}). Returns the standard error the gate replaced, for the last message.
     */
    public PrintStream shut() {
        synchronized (lock) {
            shut = true;
        }
        out.flush();
        err.flush();
        return err;
    }

    /** Puts back the streams {@link #install} replaced, where nobody has replaced them since. */
    @Override
    public void close() {
        if (System.out == gatedOut) {
            System.setOut(out);
        }
        if (System.err == gatedErr) {
            System.setErr(err);
        }
    }

    /** Writes to {@code target} while the gate is open. */
    private final class Gated extends OutputStream {
        private final PrintStream target;

        Gated(PrintStream target) {
            this.target = target;
        }

        @Override
        public void write(int b) {
            synchronized (lock) {
                if (!shut) {
                    target.write(b);
                }
            }
        }

        @Override
        public void write(byte[] b, int off, int len) {
            synchronized (lock) {
                if (!shut) {
                    target.write(b, off, len);
                }
            }
        }

        @Override
        public void flush() {
            synchronized (lock) {
                if (!shut) {
                    target.flush();
                }
            }
        }
    }
}
